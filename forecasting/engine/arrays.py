"""Named float64 array shapes: the trial-axis convention (docs/architecture.md#trial-axis-convention).

Across a module boundary, stacking axes come first (variant V, team J, feature F), then the trial axis n,
then calendar axes (month T, contract period P): (n,), (n, T), (n, P), (J, n), (F, n), (V, n, P). A module
may keep another layout inside itself (the commitment package settles a contiguous (P, n) copy) but never
passes one across a boundary. The aliases below are all `NDArray[np.float64]` to the type checker; the
name states the shape, so a signature reads as its layout.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

FloatArray: TypeAlias = NDArray[np.float64]  # a shape named at the use (band tables, working arrays)

PerTrial: TypeAlias = NDArray[np.float64]  # (n,) one value per trial
PerMonth: TypeAlias = NDArray[np.float64]  # (T,) one value per month of the term (no trial axis)
PerPeriod: TypeAlias = NDArray[np.float64]  # (P,) one value per contract period (no trial axis)
TrialsByMonth: TypeAlias = NDArray[np.float64]  # (n, T) per trial and month of the term
TrialsByPeriod: TypeAlias = NDArray[np.float64]  # (n, P) per trial and contract period
TeamsByTrial: TypeAlias = NDArray[np.float64]  # (J, n) per team and trial
FeaturesByTrial: TypeAlias = NDArray[np.float64]  # (F, n) per feature and trial
VariantsByTrialByMonth: TypeAlias = NDArray[np.float64]  # (V, n, T) per variant, trial and month
VariantsByTrialByPeriod: TypeAlias = NDArray[np.float64]  # (V, n, P) per variant, trial and period
