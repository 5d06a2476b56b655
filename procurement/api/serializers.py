"""Representations: scenarios as their document plus an envelope, catalogs as their snapshot, errors."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.reverse import reverse

from procurement.models import Feature, ModelPrice, PriceCatalog, Scenario, SeatPlan, Team, UsagePreset
from procurement.services import scenario_to_document

_DATETIME = serializers.DateTimeField()


class ErrorSerializer(serializers.Serializer[Any]):
    """The one error shape of the API (see procurement.api.errors)."""

    detail = serializers.CharField(help_text="One sentence for people.")
    code = serializers.CharField(help_text="Stable machine code, e.g. invalid, not_found, throttled.")
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field path such as `teams[2].usage_p90_usd`; `document` is the whole "
        "body; empty when no field is at fault.",
    )


def scenarios_for_listing(queryset: Any) -> Any:
    """Teams and features prefetched in document order, so a page costs a fixed number of queries."""
    return queryset.select_related("organization", "price_catalog").prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("position", "id")),
        Prefetch("features", queryset=Feature.objects.order_by("position", "id")),
    )


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """scenario_to_document, reusing teams and features prefetched by scenarios_for_listing."""
    cache = getattr(scenario, "_prefetched_objects_cache", {})
    if "teams" not in cache or "features" not in cache:
        return scenario_to_document(scenario)
    document = scenario.as_document()
    document["teams"] = [team.as_document() for team in scenario.teams.all()]
    document["features"] = [feature.as_document() for feature in scenario.features.all()]
    return document


def scenario_representation(scenario: Scenario, request: Request) -> dict[str, Any]:
    return {
        "id": scenario.pk,
        "url": reverse("api:scenario-detail", args=[scenario.pk], request=request),
        "organization": scenario.organization.slug,
        "created_at": _DATETIME.to_representation(scenario.created_at),
        "updated_at": _DATETIME.to_representation(scenario.updated_at),
        **scenario_document(scenario),
    }


class CatalogSummarySerializer(serializers.ModelSerializer[PriceCatalog]):
    url = serializers.HyperlinkedIdentityField(view_name="api:catalog-detail", lookup_field="slug")

    class Meta:
        model = PriceCatalog
        fields = ["slug", "url", "name", "as_of", "notes", "is_default", "updated_at"]


class _ModelPriceSerializer(serializers.ModelSerializer[ModelPrice]):
    class Meta:
        model = ModelPrice
        exclude = ["id", "catalog"]


class _SeatPlanSerializer(serializers.ModelSerializer[SeatPlan]):
    class Meta:
        model = SeatPlan
        exclude = ["id", "catalog"]


class _UsagePresetSerializer(serializers.ModelSerializer[UsagePreset]):
    class Meta:
        model = UsagePreset
        exclude = ["id", "catalog"]


class CatalogSerializer(CatalogSummarySerializer):
    """Every row with its source: the same data a forecast run snapshots (catalog_snapshot)."""

    models = _ModelPriceSerializer(source="model_prices", many=True, read_only=True)
    plans = _SeatPlanSerializer(source="seat_plans", many=True, read_only=True)
    usage_presets = _UsagePresetSerializer(many=True, read_only=True)

    class Meta(CatalogSummarySerializer.Meta):
        fields = [*CatalogSummarySerializer.Meta.fields, "models", "plans", "usage_presets"]


def catalogs_with_rows(queryset: Any) -> Any:
    """Rows in catalog_snapshot's order."""
    return queryset.prefetch_related(
        Prefetch("model_prices", queryset=ModelPrice.objects.order_by("key")),
        Prefetch("seat_plans", queryset=SeatPlan.objects.order_by("position", "key", "valid_from")),
        Prefetch("usage_presets", queryset=UsagePreset.objects.order_by("median_usd")),
    )
