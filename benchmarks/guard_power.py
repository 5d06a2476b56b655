"""The level-shift guard's false-alarm rate and power: `python -m benchmarks.guard_power --replications 200`.

Teams drawn from the engine's model (tests/imports/guard_replication.py: daily usage, the importer's
engineer-months, the team scan); each rate with its binomial standard error. Targets (issue 13): false
alarms <= 5% on stationary teams, power >= 80% for a 30% drop in the last 45 days of 100 engineers.
"""

from __future__ import annotations

import argparse
import time

from tests.imports.guard_replication import GUARD_CASES, guard_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(f"{args.replications} replications per case, seed {args.seed}\n")
    print("| case | measures | rate | binomial se | target |")
    print("|---|---|---|---|---|")
    started = time.perf_counter()
    for index, (key, case) in enumerate(GUARD_CASES.items()):
        rate = guard_rate(case, args.replications, seed=args.seed * 100 + index)
        measure, target = ("power", ">= 80%") if case.shifted else ("false alarms", "<= 5%")
        if key == "shock_100x6":
            target = "(no shock in a 6-month null)"
        print(f"| {case.label} | {measure} | {rate.rate:.1%} | {rate.se:.1%} | {target} |")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
