"""The seat path (Claude Code seats per team): decisions, fast simulation, brute force. See `seat_path`.

Its face is `TeamBlock`, which follows the engine's trial-axis convention ((n,), (n, T), (K, n);
docs/architecture.md#trial-axis-convention). Between the modules of this package the simulation works
months-major, (T, n), (K, T, n) and (Q, n) for parts of the term (float32 log-levels, demand, usage):
the AR(1) recursion and every per-month pass then run over contiguous rows, and the same arrays feed the
fast path, the brute force and the bill (`accounts.team_block`). That layout never leaves the package.
"""
