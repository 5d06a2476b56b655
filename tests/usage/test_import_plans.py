"""Usage capped by a plan, end to end (docs/usage-import.md#capped-usage): an upload with an engineer -> plan
mapping fits the months at a blocking plan's capacity as censored, through the API and the import service.
"""

from __future__ import annotations

import json
import math
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from procurement.imports.calendar_span import AVERAGE_MONTH_WEEKDAYS
from procurement.imports.plan_caps import CENSOR_SHARE
from procurement.models import Organization, PriceCatalog
from procurement.models.usage import UsageImport
from procurement.usage.importing import ImportOptionError, Upload, import_usage
from tests.imports.builders import ccusage_daily, weekdays
from tests.procurement.admin_forms import logged_in
from tests.usage.conftest import usageimport_url

pytestmark = pytest.mark.django_db
URL = "/api/v1/usage-imports/"
Z90 = 1.2815515655446004
MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
USD_PER_TOKEN = 3e-6  # the builders' ccusage rows: uncached Sonnet 4.5 input only


def _team(seed: int = 5, engineers: int = 40, capped: int = 30) -> tuple[list[Upload], dict[str, str], float]:
    """ccusage daily files of a stationary team from the engine's model (median 220, p90 900, persistence
    0.7); the first `capped` engineers are on Max 5x and cannot use more than its capacity in a month.
    Returns the uploads, the plan mapping and the number of months at CENSOR_SHARE of the cap or above."""
    catalog = PriceCatalog.objects.default()
    assert catalog is not None
    cap = catalog.seat_plans.get(key="max_5x").capacity_usd
    rng = np.random.default_rng(seed)
    mu, sigma, omega = math.log(220), math.log(900 / 220) / Z90, 0.7
    uploads, plans, at_cap = [], {}, 0
    for i in range(engineers):
        name = f"eng-{i:02d}"
        effect = rng.standard_normal()
        days: list[tuple[date, int]] = []
        for month in MONTHS:
            demand = math.exp(
                mu + sigma * (math.sqrt(omega) * effect + math.sqrt(1 - omega) * rng.standard_normal())
            )
            used = min(demand, cap) if i < capped else demand
            at_cap += int(i < capped and demand >= CENSOR_SHARE * cap)
            first = date.fromisoformat(f"{month}-01")
            last = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            month_days = [d for d in weekdays(first, last) if d < last]
            # an average month's usage, spread over the weekdays (the importer scales a month to the
            # average month's 21.74 weekdays, so this month's full-month usage is `used`)
            tokens = round(used / AVERAGE_MONTH_WEEKDAYS / USD_PER_TOKEN)
            days += [(d, tokens + i) for d in month_days]  # + i: no two engineers' files alike
        uploads.append(Upload(name=f"{name}.daily.json", content=ccusage_daily(days)))
        if i < capped:
            plans[name] = "max_5x"
    return uploads, plans, at_cap


@pytest.fixture
def blocking_max_5x() -> PriceCatalog:
    """The default catalog with Max 5x refusing usage beyond its capacity (a company without extra usage)."""
    catalog = PriceCatalog.objects.default()
    assert catalog is not None
    catalog.seat_plans.filter(key="max_5x").update(overflow="blocked")
    return catalog


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_upload_with_plans_fits_uncapped_demand_and_names_the_capped_months(
    editor: Any, other_organization: Organization, blocking_max_5x: PriceCatalog
) -> None:
    uploads, plans, at_cap = _team()
    assert at_cap >= 20  # the cap binds in about a fifth of the capped engineers' months
    body = {
        "files": [SimpleUploadedFile(u.name, u.content) for u in uploads],
        "team": "Platform",
        "plans": json.dumps(plans),
    }
    response = _client(editor).post(URL, body, format="multipart")
    assert response.status_code == 201, response.json()
    data = response.json()
    (team,) = data["fits"]["teams"]
    assert team["fit"]["method"] == "censored-ml"
    assert team["fit"]["censored_months"] == at_cap  # at the cap, or within 5% below it
    (warning,) = [w for w in data["fits"]["warnings"] if "treated as censored" in w]
    assert warning.startswith(
        f"Platform: {at_cap} of 240 engineer-months reached 95% of their plan's capacity"
    )
    capped_months = {
        (row["engineer"], row["month"])
        for row in data["engineer_months"]
        if row["engineer"] in plans and row["full_month_usd"] >= CENSOR_SHARE * 525.0
    }
    assert len(capped_months) == at_cap
    named = warning.split("(", 1)[1].split(")", 1)[0].split(", ")[:8]
    assert all((n.split(" ")[0], n.split(" ")[1]) in capped_months for n in named)

    # The same files without plans (another organization): the capped months taken as demand
    naive = import_usage(other_organization, uploads, team="Platform").usage_import.fits["teams"][0]
    assert naive["fit"]["method"] != "censored-ml"
    assert "censored_months" not in naive["fit"] or naive["fit"]["censored_months"] == 0
    # Censoring restores the spread the cap had cut (this draw: p90 989 against 741 naive, the model's
    # 900; median 229 against 206, the model's 220)
    assert team["usage_p90_usd"] > naive["usage_p90_usd"] * 1.1
    assert team["usage_median_usd"] > naive["usage_median_usd"]


def test_a_plan_that_does_not_block_is_not_censored(organization: Organization) -> None:
    uploads, plans, _ = _team(engineers=12, capped=12)  # Max 5x in the shipped catalog: extra usage
    result = import_usage(organization, uploads, team="Platform", plans=plans)
    fits = result.usage_import.fits
    assert fits["teams"][0]["fit"].get("censored_months", 0) == 0
    assert any("plan max_5x does not cap usage" in w for w in fits["warnings"])


def test_an_unknown_plan_key_refuses_the_upload(organization: Organization, editor: Any) -> None:
    uploads, _, _ = _team(engineers=2, capped=0)
    with pytest.raises(ImportOptionError) as error:
        import_usage(organization, uploads, plans={"eng-00": "max_50x"})
    assert error.value.field == "plans"
    assert "no plan 'max_50x' in the catalog" in error.value.message
    body = {"files": [SimpleUploadedFile(u.name, u.content) for u in uploads], "plans": '{"eng-00": 5}'}
    response = _client(editor).post(URL, body, format="multipart")
    assert response.status_code == 400
    assert "plans" in json.dumps(response.json())


def test_the_admin_upload_form_takes_plans_and_shows_the_censored_months(
    editor: Any, organization: Organization, blocking_max_5x: PriceCatalog
) -> None:
    uploads, plans, at_cap = _team(engineers=20, capped=20)
    client = logged_in(editor)
    form = {
        "organization": organization.pk,
        "usage_files": [SimpleUploadedFile(u.name, u.content) for u in uploads],
        "team": "Platform",
        "plans": json.dumps(plans),
    }
    response = client.post(usageimport_url("upload"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"]).content.decode()
    assert f"Platform: {at_cap} of 120 engineer-months reached 95% of their plan" in page
    (team,) = UsageImport.objects.get().fits["teams"]
    assert team["fit"]["censored_months"] == at_cap
    # a plan key the catalog does not have: shown at the field, nothing imported
    form |= {
        "plans": '{"eng-00": "max_50x"}',
        "usage_files": [SimpleUploadedFile("x.daily.json", uploads[0].content + b" ")],
    }
    refused = client.post(usageimport_url("upload"), form)
    assert refused.status_code == 400
    assert "no plan &#x27;max_50x&#x27; in the catalog" in refused.content.decode()
    assert UsageImport.objects.count() == 1


def test_the_command_reads_plans_from_a_json_file(
    organization: Organization, blocking_max_5x: PriceCatalog, tmp_path: Path
) -> None:
    uploads, plans, at_cap = _team(engineers=20, capped=20)
    paths = []
    for item in uploads:
        paths.append(tmp_path / item.name)
        paths[-1].write_bytes(item.content)
    plan_file = tmp_path / "plans.json"
    plan_file.write_text(json.dumps(plans))
    out = StringIO()
    call_command(
        "import_usage",
        *map(str, paths),
        "--org",
        "acme",
        "--team",
        "P",
        "--plans",
        str(plan_file),
        stdout=out,
    )
    assert f"P: {at_cap} of 120 engineer-months reached 95%" in out.getvalue()
    plan_file.write_text('["max_5x"]')
    with pytest.raises(CommandError, match=r"--plans .*: give a JSON object"):
        call_command(
            "import_usage", str(paths[0]), "--org", "acme", "--plans", str(plan_file), stdout=StringIO()
        )
