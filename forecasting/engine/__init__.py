"""The forecasting engine: pure NumPy/SciPy Monte Carlo and decisions (docs/model.md,
docs/decisions.md and docs/result.md).

Frozen dataclasses in, frozen dataclasses out; randomness only through explicit generators derived from
`numpy.random.SeedSequence(seed)`. Nothing here imports Django or touches global random state.
Arrays cross module boundaries in one layout, named in `arrays.py`: stacking axes (variant, team, feature)
first, then trials, then months or periods (docs/architecture.md#trial-axis-convention).
"""
