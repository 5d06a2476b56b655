"""One timed engine case: `python -m benchmarks.engine_case NAME [--core] [--processes N]`.

Reads the prepared inputs (`python -m benchmarks.prepare`), runs the forecast and prints one JSON line:
engine seconds, peak resident memory of this process and its children, and the headline numbers.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from forecasting.engine.forecast import run_forecast
from forecasting.scenario_inputs import forecast_input

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=["demo", "large"])
    parser.add_argument(
        "--core",
        action="store_true",
        help="forecast and decisions only (no levers, concessions, sensitivity)",
    )
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    document = json.loads((RESULTS / f"{args.name}.json").read_text())
    catalog = json.loads((RESULTS / "catalog.json").read_text())
    inp = forecast_input(document, catalog, seed=args.seed)
    started = time.perf_counter()
    result = run_forecast(inp, extras=not args.core, processes=args.processes)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    period = result["api"]["periods"][0]
    print(
        json.dumps(
            {
                "case": f"{args.name}{' core' if args.core else ' full'} x{args.processes}",
                "trials": inp.trials,
                "engine_seconds": round(seconds, 3),
                "peak_rss_mb": round(max(own, children) / 1024, 1),
                "commitment_period_1": round(period["recommended"]["commitment"]),
                "commitment_se": [
                    round(s, 1) for s in result["diagnostics"]["standard_errors"]["commitment"]
                ],
                "total_expected_cost": round(result["total"]["expected_cost"]),
            }
        )
    )


if __name__ == "__main__":
    main()
