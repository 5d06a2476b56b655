"""A scenario's history in the admin (docs/usage-import.md#applying-a-fit): each applied fit or undo with
the documents before and after, and "Undo", which puts the earlier document back through the scenario
validator (`procurement.usage.applying.undo_revision`). Revisions are records: never added or edited here.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from procurement.admin.permissions import OrganizationScopedMixin
from procurement.models import ScenarioRevision
from procurement.scenario_document import ScenarioValidationError
from procurement.usage.applying import can_undo, undo_revision

_SHOWN_FIELDS = (
    "scenario",
    "kind",
    "reason",
    "created_by_name",
    "created_at",
    "usage_import",
    "undoes",
    "changed_fields",
    "previous_json",
)


@admin.register(ScenarioRevision)
class ScenarioRevisionAdmin(OrganizationScopedMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    organization_path = "scenario__organization"
    list_display = ["__str__", "scenario", "kind", "reason", "created_by_name", "created_at"]
    list_filter = ["kind", ("scenario__organization", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["scenario", "scenario__organization", "created_by"]
    search_fields = ["reason", "scenario__name"]
    readonly_fields = _SHOWN_FIELDS
    fieldsets = [
        (None, {"fields": _SHOWN_FIELDS[:-1]}),
        # Collapsed: a whole scenario document is thousands of pixels; "what changed" above is the point.
        ("Scenario before the change", {"classes": ["collapse"], "fields": ["previous_json"]}),
    ]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # a record of what happened; "Undo" makes a new one

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        undo = self.admin_site.admin_view(require_POST(self.undo_view))
        own = [path("<path:object_id>/undo/", undo, name="procurement_scenariorevision_undo")]
        return own + super().get_urls()

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        revision = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if revision is not None:
            context["can_undo"] = self._may_undo(request, revision) and can_undo(revision)
        return super().change_view(request, object_id, form_url, context)

    def undo_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        revision = self.get_object(request, unquote(object_id))
        if revision is None:
            raise Http404("No such revision.")
        if not self._may_undo(request, revision):
            raise PermissionDenied
        try:
            undone = undo_revision(revision, user=request.user)
        except ScenarioValidationError as error:
            problems = "; ".join(text for texts in error.errors.values() for text in texts)
            self.message_user(request, f"Nothing was undone: {problems}", messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:procurement_scenariorevision_change", args=[quote(revision.pk)])
            )
        again = reverse("admin:procurement_scenariorevision_change", args=[quote(undone.pk)])
        text = 'Undone: {}. The scenario is as it was before. <a href="{}">Undo this undo</a>'
        self.message_user(request, format_html(text, revision.reason, again), messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:procurement_scenario_change", args=[quote(revision.scenario_id)])
        )

    def _may_undo(self, request: HttpRequest, revision: ScenarioRevision) -> bool:
        return OrganizationScopedMixin.has_change_permission(self, request, revision)

    @admin.display(description="by")
    def created_by_name(self, revision: ScenarioRevision) -> str:
        return revision.created_by.get_username() if revision.created_by is not None else "—"

    @admin.display(description="what changed")
    def changed_fields(self, revision: ScenarioRevision) -> SafeString:
        rows = _differences(revision.previous_document, revision.document)
        if not rows:
            return format_html("<p>{}</p>", "Nothing.")
        body = SafeString(
            "".join(
                format_html("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", *row) for row in rows
            )
        )
        head = SafeString("<tr><th>field</th><th>before</th><th>after</th></tr>")
        return format_html('<table id="revision-changes">{}{}</table>', head, body)

    @admin.display(description="scenario before the change")
    def previous_json(self, revision: ScenarioRevision) -> SafeString:
        return format_html(
            "<pre>{}</pre>", json.dumps(revision.previous_document, indent=2, ensure_ascii=False)
        )


def _differences(before: Any, after: Any, path: str = "") -> list[tuple[str, str, str]]:
    """(path, before, after) of every leaf that differs between two documents."""
    if isinstance(before, dict) and isinstance(after, dict) and not path.endswith("model_mix"):
        rows: list[tuple[str, str, str]] = []
        for key in dict.fromkeys([*before, *after]):
            rows += _differences(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        return rows
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            row
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for row in _differences(b, a, f"{path}[{i}]")
        ]
    return [] if before == after else [(path, json.dumps(before), json.dumps(after))]
