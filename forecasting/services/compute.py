"""The services' one door into the engine: a whole forecast, or a run's plan, blocks and merge, and blocks
as bytes.

No other module of `forecasting.services` imports the engine's computing modules, and this one imports
them inside the functions that use them, on purpose: they load SciPy (about 5 s and 90 MB per process,
measured on 2026-12-04), and the web processes import the services to start runs but never compute one
(docs/architecture.md#dependencies). A Celery worker loads them once at start (`load_engine`, from
`forecasting.tasks`), so the pool children it forks have them already. The engine's inputs (frozen
dataclasses, no SciPy) and `forecasting.scenario_inputs` are ordinary imports.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from forecasting.engine.contract import ForecastResult
from forecasting.engine.inputs import ForecastInput
from forecasting.models import ForecastRun
from forecasting.scenario_inputs import forecast_input

if TYPE_CHECKING:
    from forecasting.engine.blocks import BlockResult
    from forecasting.engine.plan import RunPlan

ProgressCallback = Callable[[int, int], None]


def load_engine() -> None:
    """Import the computing modules now (a worker's main process, before it forks its pool)."""
    import forecasting.engine.forecast  # noqa: F401  # deferred: see the module docstring


def run_input(run: ForecastRun) -> ForecastInput:
    """The engine's input for a run: its snapshots, seed, trials and block size, never the live scenario."""
    return forecast_input(
        run.scenario_snapshot,
        run.catalog_snapshot,
        seed=run.seed,
        trials=run.trials,
        block_trials=run.block_trials,
    )


def forecast(inp: ForecastInput, on_progress: ProgressCallback | None) -> ForecastResult:
    """Every block in this process, merged: the result of a run that is not fanned out."""
    from forecasting.engine.forecast import run_forecast  # deferred: see the module docstring

    return run_forecast(inp, extras=True, processes=1, on_progress=on_progress)


def forecast_core(inp: ForecastInput) -> ForecastResult:
    """The forecast and decisions only (no levers, concessions or sensitivity), in this process: the quick
    forecast of a fit's preview (forecasting.services.preview)."""
    from forecasting.engine.forecast import run_forecast  # deferred: see the module docstring

    return run_forecast(inp, extras=False, processes=1)


def plan(inp: ForecastInput) -> RunPlan:
    from forecasting.engine.plan import plan_run  # deferred: see the module docstring

    return plan_run(inp, extras=True)


def block(run_plan: RunPlan, index: int) -> BlockResult:
    from forecasting.engine.blocks import run_block  # deferred: see the module docstring

    return run_block(run_plan, index)


def finish(run_plan: RunPlan, blocks: Sequence[BlockResult], *, started: float) -> ForecastResult:
    """The result from every block of the plan, merged in block order (`started`: a perf_counter time)."""
    from forecasting.engine.forecast import finish as finish_blocks  # deferred: see the module docstring

    return finish_blocks(run_plan, list(blocks), started=started)


def pack_blocks(blocks: Sequence[BlockResult]) -> bytes:
    """Several blocks in one npz (each block's own npz bytes as a uint8 array), never pickled."""
    from forecasting.engine.serialize import block_to_bytes  # deferred: see the module docstring

    arrays = {f"block_{b.index}": np.frombuffer(block_to_bytes(b), dtype=np.uint8) for b in blocks}
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def unpack_blocks(data: bytes) -> list[BlockResult]:
    from forecasting.engine.serialize import block_from_bytes  # deferred: see the module docstring

    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return [block_from_bytes(npz[name].tobytes()) for name in npz.files]
