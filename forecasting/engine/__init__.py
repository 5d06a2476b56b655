"""The forecasting engine: pure NumPy/SciPy Monte Carlo and decisions (DESIGN sections 5-7).

Frozen dataclasses in, frozen dataclasses out; randomness only through explicit generators derived from
`numpy.random.SeedSequence(seed)`. Nothing here imports Django or touches global random state.
"""
