"""Preview applying a usage fit (docs/usage-import.md#applying-a-fit):

    POST /api/v1/usage-imports/{id}/preview/   the apply body ({"scenario": id, "team": "name"} or
                                               {"scenario": id, "feature": "name", "fit": "workspace"})
                                               -> 200: each changed input before and after, the flags,
                                               and the expected cost over the term without and with it

Nothing is written. It runs a quick forecast (`forecasting.services.preview`), so it is served here and not
beside `apply` in `procurement/api/usage_import_views.py`, whose body checks it shares. Editors and admins
only: a preview is the first step of applying, and it computes.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forecasting.services.preview import CostChange, FitPreview, preview_fit
from procurement.api.access import require_edit
from procurement.api.base import JsonApiMixin
from procurement.api.docs import error_responses
from procurement.api.usage_import_serializers import ApplySerializer
from procurement.api.usage_import_views import apply_body, apply_target, fit_choice
from procurement.models.usage import UsageImport


class _ChangeSerializer(serializers.Serializer[Any]):
    path = serializers.CharField(
        help_text="The field's path in the scenario document, e.g. teams[1].usage_growth."
    )
    field = serializers.CharField()
    before = serializers.JSONField(help_text="The scenario's value now (a preset team's: its preset's).")
    after = serializers.JSONField(help_text="The value once the fit is applied.")
    interval = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="The fit's own 90% interval of the value, when it reports one.",
    )


class _FlagSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    value = serializers.FloatField()
    threshold = serializers.FloatField()
    message = serializers.CharField()


class _CostSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(help_text="What the cost is, e.g. “Web: expected seat cost …”.")
    before = serializers.FloatField(help_text="USD over the term without the fit.")
    after = serializers.FloatField(help_text="USD over the term with the fit.")
    change = serializers.FloatField(help_text="after − before, USD.")
    relative = serializers.FloatField(allow_null=True, help_text="change / before (null when before is 0).")


class _CommitmentsSerializer(serializers.Serializer[Any]):
    before = serializers.ListField(child=serializers.FloatField())
    after = serializers.ListField(child=serializers.FloatField())


class _SimulationSerializer(serializers.Serializer[Any]):
    trials = serializers.IntegerField()
    seed = serializers.IntegerField()
    seconds = serializers.FloatField(help_text="Wall-clock seconds of the preview (both forecasts).")


class _TermGrowthSerializer(serializers.Serializer[Any]):
    months = serializers.IntegerField(help_text="The scenario's term.")
    multiplier = serializers.FloatField(
        help_text="Usage in the term's last month / its first, (1 + g)^(T - 1)."
    )
    low = serializers.FloatField(help_text="The multiplier at the 5th percentile of the growth.")
    high = serializers.FloatField(help_text="The multiplier at the 95th percentile of the growth.")


class FitPreviewSerializer(serializers.Serializer[Any]):
    """The response of a preview (documentation: the view builds the body)."""

    usage_import = serializers.IntegerField()
    scenario = serializers.IntegerField()
    kind = serializers.CharField(help_text="`team` or `feature`: which the fit is.")
    target = serializers.CharField(help_text="The scenario's team or feature, as the scenario spells it.")
    fit = serializers.CharField(help_text="The import's fit.")
    level = serializers.CharField(
        help_text="`after` (the fit) or `before` (the level before the shift the guard found)."
    )
    changes = _ChangeSerializer(many=True)
    flags = _FlagSerializer(many=True, help_text="Implausible fitted values: a warning, not a refusal.")
    warnings = serializers.ListField(child=serializers.CharField(), help_text="The import's warnings.")
    growth_over_term = _TermGrowthSerializer(
        allow_null=True,
        help_text="The applied growth compounded over the term, with its 90% interval (null: no growth).",
    )
    subject_cost = _CostSerializer(help_text="The team's seat cost or the feature's list API spend.")
    total_cost = _CostSerializer()
    api_commitments = _CommitmentsSerializer(help_text="The recommended API commitment per period, USD.")
    simulation = _SimulationSerializer()
    applied = serializers.BooleanField(help_text="Always false: a preview writes nothing.")


class FitPreviewApi(JsonApiMixin, APIView):
    """Preview applying a usage fit to a scenario: nothing is written."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="usage_imports_preview_create",
        tags=["usage-imports"],
        summary="Preview applying a fit: changed inputs, flags and the cost change (writes nothing)",
        description="A quick forecast of the scenario without and with the fit (5,000 trials, the same "
        "fixed seed both times, forecast and decisions only) gives the team's or feature's expected cost "
        "over the term before and after. Flags: growth beyond ±5%/month, p90/median beyond 20, a team fit "
        "from fewer than 10 engineers.",
        request=ApplySerializer,
        responses={200: FitPreviewSerializer, **error_responses(400, 401, 403, 404, 415)},
    )
    def post(self, request: Request, usage_import_id: str) -> Response:
        imports = UsageImport.objects.visible_to(request.user).select_related("organization")
        usage_import = get_object_or_404(imports, pk=usage_import_id)
        require_edit(request.user, usage_import.organization)
        body = apply_body(request.data)
        scenario = apply_target(request, usage_import, body)
        preview = preview_fit(usage_import, scenario, **fit_choice(body))
        return Response(preview_representation(preview))


def preview_representation(preview: FitPreview) -> dict[str, Any]:
    plan = preview.plan
    return {
        "usage_import": plan.usage_import.pk,
        "scenario": plan.scenario_id,
        "kind": plan.noun,
        "target": plan.target,
        "fit": plan.fit_name,
        "level": plan.level,
        "changes": [
            {
                "path": c.path,
                "field": c.field,
                "before": c.before,
                "after": c.after,
                "interval": None if c.interval is None else list(c.interval),
            }
            for c in plan.changes
        ],
        "flags": [
            {"field": f.field, "value": f.value, "threshold": f.threshold, "message": f.message}
            for f in plan.flags
        ],
        "warnings": list(plan.warnings),
        "growth_over_term": None
        if (g := plan.growth_over_term) is None
        else {
            "months": g.months,
            "multiplier": g.multiplier,
            "low": g.low,
            "high": g.high,
        },
        "subject_cost": _cost(preview.subject),
        "total_cost": _cost(preview.total),
        "api_commitments": {
            "before": list(preview.commitments_before),
            "after": list(preview.commitments_after),
        },
        "simulation": {"trials": preview.trials, "seed": preview.seed, "seconds": preview.seconds},
        "applied": False,
    }


def _cost(cost: CostChange) -> dict[str, Any]:
    return {
        "description": cost.label,
        "before": cost.before,
        "after": cost.after,
        "change": cost.change,
        "relative": cost.relative,
    }
