"""The REST API of forecast runs: start a run of a scenario, follow it, read its result."""
