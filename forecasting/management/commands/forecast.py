"""`manage.py forecast SCENARIO.json --output RESULT.json`: the forecast service in this process, no broker.

Validates the file once, as a run's start does (`prepare_document`; errors by field path, exit status 1),
runs the same engine path as a forecast run, prints progress and a short summary, and writes the result
JSON (docs/result.md). `--pdf` also writes the negotiation brief: this command is an interface, and the
only module of `forecasting` that imports `reports` (an ignored import of the layers contract in
pyproject.toml).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forecasting.services import PreparedDocument, forecast_prepared, prepare_document
from forecasting.services.summary import summary_lines
from procurement.models import catalog_snapshot
from procurement.scenario_document import ScenarioValidationError
from reports.services import write_brief_for_document


class Command(BaseCommand):
    help = "Forecast a scenario JSON file in this process and write the result JSON (and the PDF brief)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", type=Path, help="Scenario document (docs/scenario.md), JSON.")
        parser.add_argument("--output", type=Path, required=True, help="Where to write the result JSON.")
        parser.add_argument("--pdf", type=Path, help="Also write the negotiation brief PDF here.")
        parser.add_argument("--trials", type=int, help="Monte Carlo trials (default: the document's).")
        parser.add_argument("--seed", type=int, help="Random seed (default: the document's, else a new one).")
        parser.add_argument("--catalog", help="Price catalog slug (default: the document's).")
        parser.add_argument("--organization", default="", help="Organization name shown on the brief.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.organization = str(options["organization"])
        document = _read_scenario(options["scenario"])
        if options["catalog"] is not None:
            if not isinstance(document, dict):
                raise CommandError(f"{options['scenario']}: a scenario is a JSON object")
            document = {**document, "price_catalog": options["catalog"]}
        try:
            prepared = prepare_document(document, trials=options["trials"], seed=options["seed"])
        except ScenarioValidationError as error:
            raise CommandError(_invalid(options["scenario"], error)) from error
        result = forecast_prepared(prepared, on_progress=self._progress)
        _write_json(options["output"], result)
        self._summary(prepared.document, result)
        self.stdout.write(f"Result written to {options['output']}")
        if options["pdf"] is not None:
            self._write_pdf(options["pdf"], result, prepared)

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  simulated block {done} of {total} ({done / total:.0%})")

    def _summary(self, document: dict[str, Any], result: dict[str, Any]) -> None:
        simulation = result["simulation"]
        self.stdout.write(
            f"\n{document['name']}: {simulation['trials']:,} trials, seed {simulation['seed']}, "
            f"{simulation['seconds']:.1f} s"
        )
        for line in summary_lines(result):
            self.stdout.write(line)

    def _write_pdf(self, path: Path, result: dict[str, Any], prepared: PreparedDocument) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = catalog_snapshot(prepared.catalog)
        write_brief_for_document(
            result, prepared.document, catalog, path, organization_name=self.organization
        )
        self.stdout.write(f"Brief written to {path}")


def _invalid(path: Path, error: ScenarioValidationError) -> str:
    lines = [f"  {field or '(document)'}: {msg}" for field, msgs in error.errors.items() for msg in msgs]
    return "\n".join([f"{path} is not a valid scenario:", *lines])


def _read_scenario(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CommandError(f"{path} is not JSON: {error}") from error


def _write_json(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")  # never a truncated result file at `path`
    partial.write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    partial.replace(path)
