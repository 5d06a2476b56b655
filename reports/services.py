"""The brief of a stored forecast run: ORM rows to plain `BriefData`, then PDF bytes.

The brief is built from the run's stored result and catalog snapshot only, dated with the run's finish
date, so the same run always gives the same document (docs/operations.md#running-forecasts: a run records the
exact prices it used). `write_brief_for_document` serves the CLI (`manage.py forecast --pdf`), which has a
result but no run row.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from forecasting.models import ForecastRun
from reports.brief import render_brief
from reports.brief_data import BriefData, models_used, stored_result
from reports.workbook import result_workbook

__all__ = [
    "BriefNotReady",
    "brief_data_for",
    "brief_filename",
    "brief_pdf_for",
    "workbook_filename",
    "workbook_for",
    "write_brief_for_document",
]


class BriefNotReady(Exception):
    """The run has no result to show (it is queued, running or failed)."""

    def __init__(self, run: ForecastRun) -> None:
        super().__init__(not_ready_message(run))
        self.status = run.status


def not_ready_message(run: ForecastRun) -> str:
    """Why there is no brief yet, in words a procurement lead can act on."""
    if run.status == ForecastRun.Status.FAILED:
        return "This forecast run failed, so it has no brief; start a new run of the scenario."
    return (
        f"This forecast run is {run.status} ({run.progress:.0%} done): "
        "its brief can be downloaded once the run has succeeded."
    )


def brief_data_for(run: ForecastRun) -> BriefData:
    """The plain data of the run's brief; `BriefNotReady` unless the run succeeded."""
    if run.status != ForecastRun.Status.SUCCEEDED or run.result is None:
        raise BriefNotReady(run)
    finished = run.finished_at or run.created_at
    return BriefData(
        organization_name=run.organization.name,
        scenario_name=run.scenario_name,
        run_id=run.pk,
        generated_on=_utc_date(finished),
        catalog=run.catalog_snapshot,
        result=stored_result(run.result),
        models_used=models_used(run.scenario_snapshot),
        scenario=run.scenario_snapshot,
        input_sources=fitted_sources(run),
    )


# The fields applying a fit writes (docs/usage-import.md#applying-a-fit), by kind of subject.
FITTED_FIELDS = {
    "team": ("usage_median_usd", "usage_p90_usd", "usage_persistence", "usage_growth", "usage_growth_sd"),
    "feature": ("requests_per_month", "growth", "growth_sd", "input_tokens", "output_tokens", "model_mix"),
}


def fitted_sources(run: ForecastRun) -> dict[str, str]:
    """`{"team:Platform": "fitted from usage import #3"}` for each team or feature of the run's scenario
    whose inputs, as run, are the ones an applied fit wrote (the newest such revision before the run).

    A revision changed a subject when the subject's fitted fields differ between its documents; the run
    still carries that fit when its snapshot's fields equal the revision's. An edit or undo since then
    leaves the subject's fields different, so it is then shown as the scenario's own.
    """
    from procurement.models import ScenarioRevision

    if run.scenario_id is None:
        return {}
    revisions = ScenarioRevision.objects.filter(
        scenario_id=run.scenario_id, kind=ScenarioRevision.Kind.APPLY, created_at__lte=run.created_at
    ).order_by("-created_at", "-id")
    snapshot = run.scenario_snapshot or {}
    sources: dict[str, str] = {}
    for revision in revisions[:50]:
        for kind, fields in FITTED_FIELDS.items():
            before = _by_name(revision.previous_document, f"{kind}s")
            after = _by_name(revision.document, f"{kind}s")
            for name, row in _by_name(snapshot, f"{kind}s").items():
                key = f"{kind}:{row.get('name')}"
                if key in sources or name not in after:
                    continue
                picked = [(f, after[name].get(f)) for f in fields]
                changed = any(before.get(name, {}).get(f) != value for f, value in picked)
                if changed and all(row.get(f) == value for f, value in picked):
                    number = revision.usage_import_id
                    sources[key] = (
                        f"fitted from usage import #{number}" if number else "fitted from a usage import"
                    )
    return sources


def _by_name(document: Any, key: str) -> dict[str, dict[str, Any]]:
    rows = document.get(key) if isinstance(document, Mapping) else None
    return {
        str(row.get("name", "")).casefold(): row
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, dict)
    }


def brief_pdf_for(run: ForecastRun) -> bytes:
    """The run's brief as PDF bytes (the same bytes every time for the same run)."""
    return render_brief(brief_data_for(run))


def workbook_for(run: ForecastRun) -> bytes:
    """The run's result as an .xlsx workbook (reports/workbook.py); `BriefNotReady` unless it succeeded."""
    data = brief_data_for(run)
    return result_workbook(
        data.result,
        organization_name=data.organization_name,
        scenario_name=data.scenario_name,
        run_id=run.pk,
        catalog=data.catalog,
        scenario=data.scenario,
    )


def workbook_filename(run: ForecastRun) -> str:
    """`result-run-42.xlsx` (ASCII only, like the brief's)."""
    return f"result-run-{run.pk}.xlsx"


def brief_filename(run: ForecastRun) -> str:
    """`brief-run-42.pdf`: ASCII only, so it is safe in a Content-Disposition header whatever the names."""
    return f"brief-run-{run.pk}.pdf"


def write_brief_for_document(
    result: Mapping[str, object],
    document: Mapping[str, Any],
    catalog_snapshot: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    organization_name: str = "",
    run_id: int | str = "cli",
) -> None:
    """Write the brief of a result computed outside a run (the CLI) to `path`.

    The scenario's name comes from the document; the date is today's (UTC), the day the result was
    computed. The file is written to a temporary name beside `path` and renamed, so a failed render never
    leaves a truncated PDF behind.
    """
    data = BriefData(
        organization_name=organization_name,
        scenario_name=str(document.get("name", "")),
        run_id=run_id,
        generated_on=datetime.datetime.now(tz=datetime.UTC).date().isoformat(),
        catalog=catalog_snapshot,
        result=stored_result(result),
        models_used=models_used(document),
        scenario=document,
    )
    pdf = render_brief(data)
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(pdf)
    partial.replace(target)


def _utc_date(moment: datetime.datetime) -> str:
    """The calendar date in UTC: independent of the server's or the reader's time zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    return moment.date().isoformat()
