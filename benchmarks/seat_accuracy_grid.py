"""Seat path accuracy grid: fast path against per-engineer brute force on heavy-tailed usage (issue 15).

Run from the repository root: `python -m benchmarks.seat_accuracy_grid` (about 15 minutes on one core;
`--quick` for a smoke run, `--sizes 32 300 --ratios 10 --persistence 0.9` for a part of the grid).

For every team size x p90/median x usage persistence, the team (median $150 per engineer-month, the
typical preset; p90 = ratio x median; all five plans allowed; 36 months; headcount flat with sd 0.10) is
simulated by the fast path and by the brute force on the same seed (shared trial-level draws), and by the
brute force on a second seed. Printed per cell: the relative differences fast vs brute force on p5 / p50 /
p95 / mean of team cost, the difference between the two brute-force runs (the Monte Carlo noise floor of
a comparison at this number of trials; fast and brute force share the trial-level draws, so their own
difference carries less noise than that), and the standard error of the brute-force quantiles. The worst
fast-path miss over p5 / p50 / p95 is the last column.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.seat_path_bench import ALL_PLANS, CONTRACT, PLANS, quantile_se
from forecasting.engine.inputs import TeamInput
from forecasting.engine.seat_path import decide_team, simulate_team_block, simulate_team_brute_force

MONTHS = 36
BLOCK_TRIALS = 5_000
SIZES = (5, 12, 32, 40, 80, 150, 300, 360, 1000)
RATIOS = (2.0, 5.0, 10.0)  # p90 / median
PERSISTENCE = (0.6, 0.9, 0.95)
QUANTILES = (0.05, 0.5, 0.95)
MEDIAN_USD = 150.0  # the typical usage preset (docs/pricing.md#usage-presets)


def grid_team(size: int, ratio: float, persistence: float) -> TeamInput:
    return TeamInput(
        f"n{size} r{ratio:g} w{persistence:g}",
        size,
        size,
        0.10,
        0.7,
        0.9,
        MEDIAN_USD,
        MEDIAN_USD * ratio,
        persistence,
        0.02,
        0.01,
        0.15,
        ALL_PLANS,
    )


def costs(simulate: object, team: TeamInput, blocks: int, seed: int, **extra: int) -> np.ndarray:
    decision = decide_team(team, PLANS, CONTRACT, months=MONTHS)
    return np.concatenate(
        [
            simulate(  # type: ignore[operator]
                team,
                decision,
                PLANS,
                CONTRACT,
                months=MONTHS,
                seed=seed,
                block=b,
                item=0,
                trials=BLOCK_TRIALS,
                **extra,
            ).cost_usd
            for b in range(blocks)
        ]
    )


def relative_stats(sample: np.ndarray, reference: np.ndarray) -> list[float]:
    """p5, p50, p95 and mean of `sample` relative to `reference`, minus 1."""
    out = [float(np.quantile(sample, q) / np.quantile(reference, q) - 1) for q in QUANTILES]
    return [*out, float(sample.mean() / reference.mean() - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 trials: a smoke run, not the figures")
    parser.add_argument("--blocks", type=int, default=8, help="blocks of 5,000 trials (default 8: 40,000)")
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--ratios", type=float, nargs="+", default=RATIOS)
    parser.add_argument("--persistence", type=float, nargs="+", default=PERSISTENCE)
    parser.add_argument("--no-noise", action="store_true", help="skip the second brute-force run")
    parser.add_argument(
        "--force-approx", action="store_true", help="approximations at every size (no exact switch)"
    )
    args = parser.parse_args()
    blocks = 1 if args.quick else args.blocks
    extra = {"exact_max_engineers": 0} if args.force_approx else {}
    print(f"team cost over {MONTHS} months, {blocks * BLOCK_TRIALS:,} trials per run; fast vs brute force")
    print(
        f"{'engineers':>9s} {'p90/med':>7s} {'persist':>7s} | {'p5':>7s} {'p50':>7s} {'p95':>7s} "
        f"{'mean':>7s} | noise: {'p5':>6s} {'p50':>6s} {'p95':>6s} | {'SE p5':>6s} {'SE p95':>6s} | "
        f"{'worst':>6s} {'fast s':>6s} {'brute s':>7s}"
    )
    for ratio in args.ratios:
        for persistence in args.persistence:
            for size in args.sizes:
                team = grid_team(size, ratio, persistence)
                started = time.process_time()
                fast = costs(simulate_team_block, team, blocks, seed=7, **extra)
                fast_s = time.process_time() - started
                started = time.process_time()
                brute = costs(simulate_team_brute_force, team, blocks, seed=7)
                brute_s = time.process_time() - started
                diff = relative_stats(fast, brute)
                if args.no_noise:
                    noise_text = " ".join(f"{'-':>6s}" for _ in QUANTILES)
                else:
                    other = costs(simulate_team_brute_force, team, blocks, seed=8)
                    noise_text = " ".join(f"{d:+6.1%}" for d in relative_stats(other, brute)[:3])
                se = [quantile_se(brute, q) / np.quantile(brute, q) for q in (0.05, 0.95)]
                worst = max(abs(d) for d in diff[:3])
                print(
                    f"{size:9d} {ratio:7g} {persistence:7g} | "
                    + " ".join(f"{d:+7.2%}" for d in diff)
                    + f" | noise: {noise_text} | {se[0]:6.2%} {se[1]:6.2%} | {worst:6.2%} "
                    f"{fast_s:6.2f} {brute_s:7.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
