"""Run a whole forecast: plan, simulate every block (in one process or several), merge, decide."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial

from forecasting.engine.blocks import BlockResult, run_block
from forecasting.engine.contract import ForecastResult
from forecasting.engine.inputs import ForecastInput
from forecasting.engine.merge import merge_samples
from forecasting.engine.plan import RunPlan, plan_run
from forecasting.engine.results import build_result

ProgressCallback = Callable[[int, int], None]  # (blocks done, blocks in all)


def run_forecast(
    inp: ForecastInput,
    *,
    extras: bool = True,
    processes: int = 1,
    on_progress: ProgressCallback | None = None,
) -> ForecastResult:
    """Forecast both paths by Monte Carlo and return the result (docs/result.md).

    Trials are split into blocks of `inp.block_trials`; block i draws from stream i of
    `SeedSequence(inp.seed)`, so the result is bit-for-bit the same for any `processes`. `extras` adds
    token levers, concessions and sensitivity.
    """
    started = time.perf_counter()
    if processes <= 1:
        plan = plan_run(inp, extras=extras)
    else:  # the per-team seat decisions in a pool too (0.6 s on one process for the large scenario)
        with ProcessPoolExecutor(max_workers=processes) as pool:
            teams = max(len(inp.teams), 1)
            chunk = max(1, teams // (4 * processes))
            plan = plan_run(inp, extras=extras, map_teams=partial(pool.map, chunksize=chunk))
    blocks = simulate_blocks(plan, processes=processes, on_progress=on_progress)
    return finish(plan, blocks, started=started, threads=processes)


def simulate_blocks(
    plan: RunPlan, *, processes: int = 1, on_progress: ProgressCallback | None = None
) -> list[BlockResult]:
    """Every block of the plan, in one process or a pool of `processes`."""
    count = len(plan.blocks)
    results: list[BlockResult] = []
    if processes <= 1:
        for i in range(count):
            results.append(run_block(plan, i))
            if on_progress:
                on_progress(i + 1, count)
        return results
    # The plan goes to each worker once (initializer), not with every block: the large scenario's plan
    # pickles to ~6 MB, which per block cost the two-process run a tenth of its speed-up.
    with ProcessPoolExecutor(max_workers=processes, initializer=_install_plan, initargs=(plan,)) as pool:
        futures = [pool.submit(_run_installed_block, i) for i in range(count)]
        for done, future in enumerate(futures, start=1):
            results.append(future.result())
            if on_progress:
                on_progress(done, count)
    return results


_worker_plan: list[RunPlan] = []  # the plan of this worker process, set once by the pool's initializer


def _install_plan(plan: RunPlan) -> None:
    _worker_plan[:] = [plan]


def _run_installed_block(block: int) -> BlockResult:
    return run_block(_worker_plan[0], block)


def finish(plan: RunPlan, blocks: list[BlockResult], *, started: float, threads: int = 1) -> ForecastResult:
    """Merge blocks (in block order, whatever order they finished in) and build the result; with
    `threads` > 1 the per-month, per-feature and per-team summaries are spread over that many threads."""
    samples = merge_samples(plan, blocks)
    seconds = time.perf_counter() - started
    if threads <= 1:
        return build_result(plan, samples, seconds=seconds)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return build_result(plan, samples, seconds=seconds, map_items=pool.map)
