"""Usage import workflows (docs/usage-import.md): `importing` creates an import from uploaded files,
`applying` writes one of its fits into a scenario."""
