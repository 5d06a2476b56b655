"""`manage.py import_usage FILE [FILE ...] --org SLUG [--catalog SLUG] [--team NAME] [--plans PLANS.json]
[--output FITS.json]`.

Imports the files as one usage import (one team of ccusage engineers, or one organization's Admin API
features), prints the fits in the scenario's field names and the warnings, and optionally writes the fits
document to a JSON file. A refused file stops the command with its reason; nothing is saved then.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from procurement.imports import UsageFileError
from procurement.models import Organization, PriceCatalog
from procurement.usage.importing import ImportOptionError, Upload, import_usage, max_upload_bytes


class Command(BaseCommand):
    help = "Import usage files (ccusage, Admin API, Claude Code Analytics, or zips) and print the fits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="Usage files or zips of them.")
        parser.add_argument("--org", required=True, help="Slug of the organization the usage belongs to.")
        parser.add_argument("--catalog", help="Price catalog slug (default: the default catalog).")
        parser.add_argument("--team", help="Name of the team the engineers' files form, e.g. Platform.")
        parser.add_argument("--engineer", help="Whose usage a single ccusage file is (default: its name).")
        parser.add_argument(
            "--feature-map",
            type=Path,
            help='JSON file: workspace or API key id -> feature name, {"id": "name"}.',
        )
        parser.add_argument(
            "--plans",
            type=Path,
            help='JSON file: engineer -> seat plan key, {"eng-01": "max_5x"}; months at a blocking plan\'s '
            "capacity are fitted as censored (docs/usage-import.md#capped-usage).",
        )
        parser.add_argument("--output", type=Path, help="Write the fits document (JSON) to this file.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        catalog = None
        if options["catalog"]:
            catalog = PriceCatalog.objects.filter(slug=options["catalog"]).first()
            if catalog is None:
                raise CommandError(f"No price catalog with slug {options['catalog']!r}.")
        try:
            result = import_usage(
                organization,
                [_read(path) for path in options["files"]],
                catalog=catalog,
                team=options["team"],
                engineer=options["engineer"],
                feature_map=_feature_map(options["feature_map"]),
                plans=_json_object(options["plans"], "--plans", '{"engineer": "plan key"}'),
            )
        except (UsageFileError, ImportOptionError) as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        usage_import = result.usage_import
        verb = "Imported" if result.created else "Already imported (nothing new saved):"
        self.stdout.write(f"{verb} usage import #{usage_import.pk} priced with {usage_import.price_catalog}.")
        self.stdout.write(json.dumps(usage_import.fits, indent=2, ensure_ascii=False))
        self.stdout.write(f"{len(usage_import.warnings)} warning(s):")
        for warning in usage_import.warnings:
            self.stdout.write(f"  - {warning}")
        if options["output"]:
            options["output"].write_text(json.dumps(usage_import.fits, indent=2, ensure_ascii=False) + "\n")
            self.stdout.write(f"Fits written to {options['output']}.")


def _read(path: Path) -> Upload:
    try:
        size = path.stat().st_size
        if size > max_upload_bytes():  # refuse before reading a huge file into memory
            raise CommandError(f"{path}: {size:,} bytes, over the {max_upload_bytes():,}-byte upload limit.")
        return Upload(name=path.name, content=path.read_bytes())
    except OSError as error:
        raise CommandError(f"{path}: cannot read it ({error.strerror}).") from error


def _json_object(path: Path | None, option: str, shape: str) -> dict[str, str] | None:
    """A JSON object of strings from a file (the --plans mapping)."""
    if path is None:
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"{option} {path}: not a readable JSON file ({error}).") from error
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CommandError(f"{option} {path}: give a JSON object {shape}.")
    return value


def _feature_map(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"--feature-map {path}: not a readable JSON file ({error}).") from error
    if not isinstance(value, dict):
        raise CommandError(f'--feature-map {path}: give a JSON object {{"id": "feature name"}}.')
    return value
