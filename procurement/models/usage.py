"""Imported usage (docs/usage-import.md): the files, their usage per engineer-month and
feature-month, the fits.

An import is immutable once saved: what the files said, priced with one catalog, fitted once. Its files'
sha256 checksums are unique in the organization, so the same usage is never stored (and counted) twice;
deleting an import frees its files for a new import.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from procurement.imports.records import FORMATS
from procurement.limits import MAX_NAME_CHARS
from procurement.models.catalog import PriceCatalog
from procurement.models.organizations import Organization

_FORMAT_CHOICES = [
    ("ccusage", "ccusage JSON report"),
    ("admin_usage", "Admin API usage report"),
    ("admin_cost", "Admin API cost report"),
    ("claude_code_analytics", "Claude Code Analytics API records"),
]
assert tuple(key for key, _ in _FORMAT_CHOICES) == FORMATS


class UsageImportQuerySet(models.QuerySet["UsageImport"]):
    def visible_to(self, user: Any) -> UsageImportQuerySet:
        """Imports of the organizations the user belongs to."""
        return self.filter(organization__in=Organization.objects.for_user(user))

    def editable_by(self, user: Any) -> UsageImportQuerySet:
        return self.filter(organization__in=Organization.objects.editable_by(user))


class UsageImport(models.Model):
    """One upload: files that were parsed, priced and fitted together (one team, or one organization's
    features)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="usage_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    price_catalog = models.ForeignKey(
        PriceCatalog,
        on_delete=models.PROTECT,
        related_name="usage_imports",
        help_text="The catalog whose list prices recomputed the cost of every token.",
    )
    checksum = models.CharField(
        max_length=64, help_text="sha256 over the sorted sha256 checksums of the import's files."
    )
    team_name = models.CharField(
        max_length=MAX_NAME_CHARS,
        blank=True,
        help_text="The team the engineers of these files form, e.g. “Platform”.",
    )
    feature_map = models.JSONField(
        default=dict,
        blank=True,
        help_text='Workspace or API key id → feature name, e.g. {"wrkspc_01…": "Support summariser"}.',
    )
    fits = models.JSONField(
        default=dict,
        help_text='{"teams": [...], "features": [...], "warnings": [...]} in the scenario\'s field names.',
    )

    objects = UsageImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "checksum"], name="usage_import_unique_checksum_per_organization"
            ),
        ]

    def __str__(self) -> str:
        return f"Usage import #{self.pk} ({self.organization})"

    @property
    def warnings(self) -> list[str]:
        return list(self.fits.get("warnings", []))

    def fit(self, kind: str, name: str | None) -> dict[str, Any] | None:
        """The team or feature fit named `name` (`kind` "teams" or "features"); the only one when `name`
        is None. None when there is no such fit, or several and no name."""
        fits: list[dict[str, Any]] = list(self.fits.get(kind, []))
        if name is None:
            return fits[0] if len(fits) == 1 else None
        return next((fit for fit in fits if fit.get("name") == name), None)


class UsageFile(models.Model):
    """One imported file (a zip's members are files of their own, named `<zip>/<member>`)."""

    usage_import = models.ForeignKey(UsageImport, on_delete=models.CASCADE, related_name="files")
    # Repeated from the import so the database itself keeps one copy of a file per organization.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=30, choices=_FORMAT_CHOICES)
    size_bytes = models.PositiveBigIntegerField()
    report = models.CharField(max_length=10, blank=True, help_text="ccusage: daily, weekly or monthly.")
    engineer = models.CharField(
        max_length=MAX_NAME_CHARS, blank=True, help_text="ccusage: whose usage the file is."
    )
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    reported_total_cost_usd = models.FloatField(
        null=True, blank=True, help_text="The file's own total cost, when it states one."
    )

    class Meta:
        ordering = ["usage_import", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sha256"], name="usage_file_unique_checksum_per_organization"
            ),
            models.CheckConstraint(condition=Q(format__in=list(FORMATS)), name="usage_file_format_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class EngineerMonthUsage(models.Model):
    """One engineer's usage in one calendar month, API-equivalent USD at the import's catalog list prices."""

    usage_import = models.ForeignKey(UsageImport, on_delete=models.CASCADE, related_name="engineer_months")
    engineer = models.CharField(max_length=MAX_NAME_CHARS)
    month = models.DateField(help_text="The first day of the month.")
    cost_usd = models.FloatField(help_text="List cost recomputed from tokens, days observed only.")
    reported_cost_usd = models.FloatField(null=True, blank=True, help_text="The files' own cost, if any.")
    active_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="None: not daily data.")
    coverage = models.FloatField(help_text="Share of the month's effective days the history covers.")
    full_month_usd = models.FloatField(help_text="Usage of an average whole month at this month's rate.")

    class Meta:
        ordering = ["usage_import", "engineer", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["usage_import", "engineer", "month"], name="engineer_month_unique_per_import"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="engineer_month_first_day"),
            models.CheckConstraint(condition=Q(cost_usd__gte=0), name="engineer_month_cost_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.engineer} {self.month:%Y-%m}"


class FeatureMonthUsage(models.Model):
    """One feature's API usage in one calendar month: tokens by type, list cost, the report's own cost."""

    usage_import = models.ForeignKey(UsageImport, on_delete=models.CASCADE, related_name="feature_months")
    feature = models.CharField(
        max_length=MAX_NAME_CHARS, help_text="Feature name, or the workspace / API key id."
    )
    month = models.DateField(help_text="The first day of the month.")
    cost_usd = models.FloatField(
        null=True, blank=True, help_text="List cost from tokens; empty when only a cost report covers it."
    )
    reported_cost_usd = models.FloatField(
        null=True, blank=True, help_text="Cost report amounts in USD; empty without a cost report."
    )
    uncached_input_tokens = models.PositiveBigIntegerField(default=0)
    output_tokens = models.PositiveBigIntegerField(default=0)
    cache_write_5m_tokens = models.PositiveBigIntegerField(default=0)
    cache_write_1h_tokens = models.PositiveBigIntegerField(default=0)
    cache_read_tokens = models.PositiveBigIntegerField(default=0)
    batch_input_tokens = models.PositiveBigIntegerField(default=0)
    web_search_requests = models.PositiveBigIntegerField(default=0)
    model_input_tokens = models.JSONField(default=dict, blank=True, help_text="Catalog model → input tokens.")
    coverage = models.FloatField(help_text="Share of the month's effective days the history covers.")

    class Meta:
        ordering = ["usage_import", "feature", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["usage_import", "feature", "month"], name="feature_month_unique_per_import"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="feature_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.feature} {self.month:%Y-%m}"
