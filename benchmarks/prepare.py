"""Prepare benchmark inputs: the default catalog snapshot and the normalised demo and large scenarios.

Runs Django once against a throwaway SQLite database (migrations install the shipped catalog), validates
the scenario files with the same validator the API uses, and writes plain JSON under
`benchmarks/results/`, so the timed cases import only the engine.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "results"
SCENARIOS = {
    "demo": HERE.parent / "procurement" / "demo" / "demo_scenario.json",
    "large": HERE / "scenarios" / "large.json",
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from procurement.models import PriceCatalog, catalog_snapshot
        from procurement.scenario_document import validate_scenario_document

        call_command("migrate", verbosity=0)
        catalog = PriceCatalog.objects.default()
        if catalog is None:
            raise SystemExit("no default price catalog after migrate")
        (OUT / "catalog.json").write_text(json.dumps(catalog_snapshot(catalog)))
        for name, path in SCENARIOS.items():
            document = validate_scenario_document(
                json.loads(path.read_text()), catalog_keys=catalog.catalog_keys()
            )
            (OUT / f"{name}.json").write_text(json.dumps(document))
    print(f"prepared {', '.join(SCENARIOS)} and the catalog in {OUT}")


if __name__ == "__main__":
    main()
