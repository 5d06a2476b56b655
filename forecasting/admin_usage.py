"""The usage import admin with the quick forecast in its apply preview, registered here.

`procurement/admin/usage.py` holds the admin (upload, the import's page, apply in two steps) but cannot
forecast: `procurement` may not import `forecasting`'s services (docs/architecture.md#dependencies). This
subclass fills the preview's cost from `forecasting.services.preview` and is the one registration of
`UsageImport`, as `reports/admin.py` assembles the run admin. Loaded by `forecasting/admin.py`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from forecasting.services.preview import CostChange, preview_fit
from procurement.admin.usage import UsageImportAdmin
from procurement.models import Scenario
from procurement.models.usage import UsageImport


class UsageImportPreviewAdmin(UsageImportAdmin):
    def fit_preview(
        self, usage_import: UsageImport, scenario: Scenario, *, fit: str, **where: str
    ) -> dict[str, Any]:
        preview = preview_fit(usage_import, scenario, fit=fit, **where)
        before = ", ".join(_usd(c) for c in preview.commitments_before)
        after = ", ".join(_usd(c) for c in preview.commitments_after)
        change = ", ".join(
            _signed_usd(b, a)
            for b, a in zip(preview.commitments_before, preview.commitments_after, strict=True)
        )
        rows = [_row(preview.subject), _row(preview.total)]
        rows.append(("recommended API commitment per period", before, after, change))
        cost = {
            "rows": rows,
            "trials": f"{preview.trials:,}",
            "seed": preview.seed,
            "seconds": f"{preview.seconds:.2f}",
        }
        return {"plan": preview.plan, "cost": cost}


def _row(cost: CostChange) -> tuple[str, str, str, str]:
    relative = "" if cost.relative is None else f" ({cost.relative:+.1%})"
    return cost.label, _usd(cost.before), _usd(cost.after), _signed_usd(cost.before, cost.after) + relative


def _usd(value: float) -> str:
    return f"${value:,.0f}"


def _signed_usd(before: float, after: float) -> str:
    change = after - before
    return f"{'+' if change >= 0 else '−'}${abs(change):,.0f}"


admin.site.register(UsageImport, UsageImportPreviewAdmin)
