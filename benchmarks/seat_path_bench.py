"""Seat path benchmark: fast path against brute force (accuracy, speed) and the large reference workload.

Run from the repository root: `python -m benchmarks.seat_path_bench` (add `--quick` for a smoke run).
Prints:
1. p5 / p50 / p95 / mean of team cost, fast path and per-engineer brute force, on five scenarios
   (100,000 trials), with the relative differences, the Monte Carlo standard error of the brute-force
   quantile and that of the difference; two of them heavy-tailed (p90/median 10, persistence 0.9: the
   fast path draws their top band's tail per engineer; the whole grid up to persistence 0.95 and 1,000
   engineers is `python -m benchmarks.seat_accuracy_grid`);
2. fast vs brute-force time on a mid-size team and on a heavy-tailed 300-engineer team (same trials);
3. the large reference workload: 100 teams x 200 engineers x 5 allowed plans x 36 months x 100,000
   trials (20 blocks of 5,000), decisions included, on one core.
Times are CPU seconds of this process (`time.process_time`), so other load on the machine inflates them
less than wall time would; wall time is printed too.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from forecasting.engine.inputs import SeatContract, SeatPlan, TeamInput
from forecasting.engine.seat_path import (
    TeamBlock,
    TeamDecision,
    decide_team,
    simulate_team_block,
    simulate_team_brute_force,
)

# The 2025 rows of the default catalog (procurement/migrations/0002_default_catalog.py, with its sources):
# Pro $20 / $17 annual, Max 5x $100, Max 20x $200 (monthly only), Team premium $150 / $150, min 5 seats;
# capacities are the catalog's labelled assumptions (Max 20x ~$2,100/month API-equivalent, rhombus.so).
PLANS = {
    "pro": SeatPlan("pro", 20.0, 17.0, 105.0, 0.25, "extra_usage"),
    "max_5x": SeatPlan("max_5x", 100.0, None, 525.0, 0.25, "extra_usage"),
    "max_20x": SeatPlan("max_20x", 200.0, None, 2100.0, 0.25, "extra_usage"),
    "team_premium": SeatPlan("team_premium", 150.0, 150.0, 656.25, 0.25, "extra_usage", min_seats=5),
}
ALL_PLANS = ("api", "pro", "max_5x", "max_20x", "team_premium")
CONTRACT = SeatContract()
MONTHS = 36

# Usage presets in docs/pricing.md#usage-presets (typical 150 / 600,
# heavy 800 / 3,000 USD per engineer-month).
SCENARIOS = {
    "small team (12 engineers, typical usage)": TeamInput(
        "small", 10, 12, 0.10, 0.7, 0.9, 150, 600, 0.6, 0.02, 0.01, 0.15, ("api", "pro", "max_5x")
    ),
    "mixed team (~150 engineers, 5 plans)": TeamInput(
        "mixed", 130, 150, 0.10, 0.6, 0.85, 150, 600, 0.6, 0.02, 0.01, 0.15, ALL_PLANS
    ),
    "heavy-user team (60 engineers, heavy usage)": TeamInput(
        "heavy", 50, 60, 0.10, 0.8, 0.95, 800, 3000, 0.6, 0.02, 0.01, 0.15, ("api", "max_5x", "max_20x")
    ),
    # Issue 15: p90/median 10 with persistence 0.9 (sigma_p 1.7), where the band factor alone missed p5 by
    # +42% at 32-40 engineers and +9.5% at 300-360.
    "heavy-tail team (40 engineers, p90/med 10, w 0.9)": TeamInput(
        "tail40", 40, 40, 0.10, 0.7, 0.9, 150, 1500, 0.9, 0.02, 0.01, 0.15, ALL_PLANS
    ),
    "heavy-tail team (300 engineers, p90/med 10, w 0.9)": TeamInput(
        "tail300", 300, 300, 0.10, 0.7, 0.9, 150, 1500, 0.9, 0.02, 0.01, 0.15, ALL_PLANS
    ),
}
BLOCK_TRIALS = 5_000


def run_blocks(simulate: Callable[..., TeamBlock], team: TeamInput, blocks: int, **extra: int) -> np.ndarray:
    decision = decide_team(team, PLANS, CONTRACT, months=MONTHS)
    costs = [
        simulate(
            team,
            decision,
            PLANS,
            CONTRACT,
            months=MONTHS,
            seed=7,
            block=b,
            item=0,
            trials=BLOCK_TRIALS,
            **extra,
        ).cost_usd
        for b in range(blocks)
    ]
    return np.concatenate(costs)


def quantile_se(sample: np.ndarray, q: float) -> float:
    """Standard error of the q-quantile: sqrt(q (1 - q) / n) / density, density from a +-1% window."""
    lo, hi = np.quantile(sample, [max(q - 0.01, 0.0), min(q + 0.01, 1.0)])
    density = 0.02 / max(hi - lo, 1e-12)
    return float(np.sqrt(q * (1 - q) / sample.size) / density)


def accuracy(blocks: int) -> None:
    print(f"\n1. Accuracy: team cost over {MONTHS} months, {blocks * BLOCK_TRIALS:,} trials each")
    print(
        f"{'scenario':50s} {'stat':5s} {'fast':>12s} {'brute':>12s} {'diff':>8s} {'brute SE':>9s} "
        f"{'diff SE':>8s}"
    )
    for name, team in SCENARIOS.items():
        variants = (
            [("", {})]
            if "small" not in name
            else [("", {}), (" [approx. forced]", {"exact_max_engineers": 0})]
        )
        brute = run_blocks(simulate_team_brute_force, team, blocks)
        for label, extra in variants:
            fast = run_blocks(simulate_team_block, team, blocks, **extra)
            for stat, q in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95)):
                f, b = np.quantile(fast, q), np.quantile(brute, q)
                se = quantile_se(brute, q) / b
                # Independent streams: the standard errors add in quadrature.
                both = np.hypot(se, quantile_se(fast, q) / f)
                print(
                    f"{name + label:50s} {stat:5s} {f:12,.0f} {b:12,.0f} {f / b - 1:+8.2%} {se:9.2%} "
                    f"{both:8.2%}"
                )
            print(f"{name + label:50s} {'mean':5s} {fast.mean():12,.0f} {brute.mean():12,.0f} "
                  f"{fast.mean() / brute.mean() - 1:+8.2%}")  # fmt: skip


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def speed_ratio(blocks: int) -> None:
    print(f"\n2. Speed, 36 months, {blocks * BLOCK_TRIALS:,} trials")
    for name in (
        "mixed team (~150 engineers, 5 plans)",
        "heavy-tail team (300 engineers, p90/med 10, w 0.9)",
    ):
        team = SCENARIOS[name]
        run_blocks(simulate_team_block, team, 1)  # warm-up
        fast_cpu, fast_wall = timed(lambda: run_blocks(simulate_team_block, team, blocks))  # noqa: B023
        brute_cpu, brute_wall = timed(lambda: run_blocks(simulate_team_brute_force, team, blocks))  # noqa: B023
        print(f"{name}: fast {fast_cpu:.2f} s CPU ({fast_wall:.2f} s wall), brute force {brute_cpu:.2f} s "
              f"CPU ({brute_wall:.2f} s wall): fast is {brute_cpu / fast_cpu:.0f}x faster")  # fmt: skip


def reference_teams() -> list[TeamInput]:
    """100 teams of ~200 engineers (180 growing to 220), usage medians light to heavy, all 5 plans allowed."""
    rng = np.random.default_rng(20_261_122)
    teams = []
    for j in range(100):
        median = float(rng.choice([40, 150, 400, 800]) * rng.uniform(0.8, 1.2))
        teams.append(
            TeamInput(
                f"team {j}",
                180,
                220,
                0.10,
                rng.uniform(0.4, 0.8),
                rng.uniform(0.8, 0.95),
                median,
                median * rng.uniform(3.0, 4.5),
                0.6,
                0.02,
                0.01,
                0.15,
                ALL_PLANS,
            )
        )
    return teams


def large_workload(blocks: int) -> None:
    teams = reference_teams()
    decisions: list[TeamDecision] = []
    decide_cpu, _ = timed(
        lambda: decisions.extend(decide_team(t, PLANS, CONTRACT, months=MONTHS) for t in teams)
    )

    def simulate() -> None:
        for b in range(blocks):
            for j, (team, decision) in enumerate(zip(teams, decisions, strict=True)):
                simulate_team_block(
                    team,
                    decision,
                    PLANS,
                    CONTRACT,
                    months=MONTHS,
                    seed=11,
                    block=b,
                    item=j,
                    trials=BLOCK_TRIALS,
                )

    sim_cpu, sim_wall = timed(simulate)
    positive = np.mean([sum(s > 0 for s in d.shares) for d in decisions])
    print(f"\n3. Large reference workload: 100 teams x 200 engineers x 5 plans x {MONTHS} months x "
          f"{blocks * BLOCK_TRIALS:,} trials ({blocks} blocks of {BLOCK_TRIALS:,}); {positive:.1f} plans "
          "with engineers per team on average")  # fmt: skip
    print(f"decisions {decide_cpu:.2f} s CPU; simulation {sim_cpu:.2f} s CPU ({sim_wall:.2f} s wall); "
          f"total {decide_cpu + sim_cpu:.2f} s CPU")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials: a smoke run, not the figures")
    parser.add_argument("--large-only", action="store_true", help="only the large reference workload")
    args = parser.parse_args()
    if not args.large_only:
        accuracy(1 if args.quick else 20)  # 100,000 trials: quantile SEs ~0.2-0.3%, well inside 1%
        speed_ratio(1 if args.quick else 4)
    large_workload(2 if args.quick else 20)


if __name__ == "__main__":
    main()
