"""A scenario's history (docs/usage-import.md#applying-a-fit): each change made by applying a fit, or by
undoing one, keeps the whole scenario document as it was before and as it became.

A document snapshot rather than per-row history (django-simple-history and the like): applying a fit
changes one Team or Feature row, but undoing goes back through `save_scenario`, which validates the whole
document and recreates the child rows, so row ids do not survive and per-row histories could not be put
back together. The document is the scenario's own exchange format (docs/scenario.md), so a revision can
also be downloaded and read as one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from procurement.models.organizations import Organization
from procurement.models.scenarios import Scenario


class ScenarioRevisionQuerySet(models.QuerySet["ScenarioRevision"]):
    def visible_to(self, user: Any) -> ScenarioRevisionQuerySet:
        """Revisions of scenarios of the organizations the user belongs to."""
        return self.filter(scenario__organization__in=Organization.objects.for_user(user))


class ScenarioRevision(models.Model):
    """One recorded change of a scenario: the document before (what undo restores) and after it."""

    class Kind(models.TextChoices):
        APPLY = "apply", "A usage fit applied"
        UNDO = "undo", "An earlier change undone"

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="revisions")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(
        max_length=500, help_text="What changed, e.g. “applied team fit Platform of usage import #3 to Web”."
    )
    usage_import = models.ForeignKey(
        "procurement.UsageImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The import whose fit was applied (kept empty once the import is deleted).",
    )
    undoes = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The revision an undo reverted.",
    )
    previous_document = models.JSONField(help_text="The scenario document before the change.")
    document = models.JSONField(help_text="The scenario document the change produced.")

    objects = ScenarioRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scenario", "-created_at"], name="scenario_revision_recent")]

    def __str__(self) -> str:
        return f"Revision #{self.pk} of {self.scenario}"
