"""`manage.py import_usage`: files in, fits and warnings printed and written; a bad file stops it and nothing
is saved."""

from __future__ import annotations

import json
import math
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from procurement.models import Organization
from procurement.models.usage import UsageImport
from tests.usage.conftest import (
    ADMIN_REPORTS,
    CCUSAGE_PATHS,
    USAGE_DIR,
    file_total_cost_usd,
    stored_row_counts,
)

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_usage", *args, stdout=out)
    return out.getvalue()


def test_ccusage_files_form_one_team_whose_fits_are_printed_and_written(
    organization: Organization, tmp_path: Path
) -> None:
    output = tmp_path / "fits.json"
    printed = run(*map(str, CCUSAGE_PATHS), "--org", "acme", "--team", "Platform", "--output", str(output))
    usage_import = UsageImport.objects.get()
    assert printed.startswith(f"Imported usage import #{usage_import.pk} priced with anthropic-list-2026-11.")
    assert json.loads(output.read_text()) == usage_import.fits
    assert '"name": "Platform"' in printed
    assert "eng-12: 40 days of history" in printed
    stored = math.fsum(m.cost_usd for m in usage_import.engineer_months.all())
    expected = math.fsum(file_total_cost_usd(f"ccusage/{p.name}") for p in CCUSAGE_PATHS)
    assert abs(stored - expected) < 0.005  # to the cent over all 13 files


def test_running_it_again_saves_nothing_new(organization: Organization) -> None:
    paths = [str(USAGE_DIR / name) for name in ADMIN_REPORTS]
    run(*paths, "--org", "acme")
    counts = stored_row_counts()
    assert run(*paths, "--org", "acme").startswith("Already imported (nothing new saved): usage import #")
    assert stored_row_counts() == counts


def test_a_feature_map_file_names_the_features(organization: Organization, tmp_path: Path) -> None:
    mapping = tmp_path / "features.json"
    mapping.write_text(json.dumps({"wrkspc_01xN21dyJcTw7fHnthrWuag2": "Code review bot"}))
    run(str(USAGE_DIR / ADMIN_REPORTS[0]), "--org", "acme", "--feature-map", str(mapping))
    names = {fit["name"] for fit in UsageImport.objects.get().fits["features"]}
    assert "Code review bot" in names
    assert len(names) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["bad/negative-tokens.daily.json"],
            "negative-tokens.daily.json: daily[3].outputTokens: negative token",
        ),
        (["bad/truncated.daily.json"], "truncated.daily.json: not valid JSON"),
        (["ccusage/eng-01.daily.json", "--catalog", "nope"], "No price catalog with slug 'nope'."),
        (["ccusage/eng-01.daily.json", "--org", "nobody"], "No organization with slug 'nobody'."),
        (["no-such-file.json"], "no-such-file.json: cannot read it"),
    ],
)
def test_bad_input_stops_with_its_reason_and_saves_nothing(
    organization: Organization, args: list[str], message: str
) -> None:
    files = [str(USAGE_DIR / a) if a.endswith(".json") else a for a in args]
    org = [] if "--org" in args else ["--org", "acme"]
    with pytest.raises(CommandError) as caught:
        run(*files, *org)
    assert message in str(caught.value)
    assert stored_row_counts() == (0, 0, 0, 0)
