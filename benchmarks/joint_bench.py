"""What deciding seats and the commitment together costs: `python -m benchmarks.joint_bench [demo|large]`.

Times `plan_run` (the seat decisions, and the joint decision's pilot and re-decisions) with the joint
decision and without it (PILOT_TRIALS = 0: the sequential decision alone), the median of 3 each, and
prints the joint outcome. Reads the prepared inputs (`python -m benchmarks.prepare`).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from benchmarks.engine_case import RESULTS
from forecasting.engine import plan as plan_module
from forecasting.engine.plan import plan_run
from forecasting.scenario_inputs import forecast_input


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "demo"
    document = json.loads((RESULTS / f"{name}.json").read_text())
    catalog = json.loads((RESULTS / "catalog.json").read_text())
    inp = forecast_input(document, catalog, seed=7)
    pilot = plan_module.JOINT_PILOT_TRIALS
    figures = {}
    for label, trials in (("sequential", 0), ("joint", pilot)):
        plan_module.JOINT_PILOT_TRIALS = trials
        times = []
        for _ in range(3):
            started = time.perf_counter()
            plan = plan_run(inp)
            times.append(time.perf_counter() - started)
        figures[label] = statistics.median(times)
    plan_module.JOINT_PILOT_TRIALS = pilot
    joint = plan.joint
    print(json.dumps({"case": name, "plan_run_seconds": figures, "joint": None if joint is None else {
        "chosen": joint.chosen, "rates": joint.rates, "iterations": joint.iterations,
        "sequential": joint.sequential_expected_cost_usd, "joint": joint.joint_expected_cost_usd,
        "saving_se": joint.saving_standard_error_usd, "teams_changed": joint.teams_changed,
    }}))  # fmt: skip


if __name__ == "__main__":
    main()
