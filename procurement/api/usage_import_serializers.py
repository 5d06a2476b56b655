"""Usage import representations: an import with its files, fits and months; the upload form and the apply
body (documentation and first checks; the services check the rest)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procurement.api.exceptions import InvalidJson
from procurement.api.parsers import parse_strict_json
from procurement.limits import MAX_NAME_CHARS
from procurement.models import Organization, PriceCatalog
from procurement.models.usage import EngineerMonthUsage, FeatureMonthUsage, UsageFile, UsageImport


class UsageFileSerializer(serializers.ModelSerializer[UsageFile]):
    class Meta:
        model = UsageFile
        fields = ["name", "sha256", "format", "size_bytes", "report", "engineer", "first_day", "last_day"]
        fields += ["reported_total_cost_usd"]


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-08"})
class MonthField(serializers.DateField):
    """A calendar month, `YYYY-MM` (stored as its first day); not an OpenAPI `date`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m", **kwargs)


class EngineerMonthSerializer(serializers.ModelSerializer[EngineerMonthUsage]):
    month = MonthField()

    class Meta:
        model = EngineerMonthUsage
        exclude = ["id", "usage_import"]


class FeatureMonthSerializer(serializers.ModelSerializer[FeatureMonthUsage]):
    month = MonthField()

    class Meta:
        model = FeatureMonthUsage
        exclude = ["id", "usage_import"]


class UsageImportSerializer(serializers.ModelSerializer[UsageImport]):
    url = serializers.HyperlinkedIdentityField(view_name="api:usage-import-detail")
    organization: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    price_catalog: serializers.SlugRelatedField[PriceCatalog] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    team = serializers.CharField(source="team_name", help_text="The team the engineers' files form.")
    files = UsageFileSerializer(many=True, read_only=True)
    fits = serializers.JSONField(
        help_text='{"teams": [...], "features": [...], "warnings": [...]} in the scenario\'s field names; '
        "each fit carries its sample size and goodness of fit under `fit`."
    )

    class Meta:
        model = UsageImport
        fields = [
            "id",
            "url",
            "organization",
            "created_at",
            "created_by",
            "price_catalog",
            "checksum",
            "team",
        ]
        fields += ["feature_map", "files", "fits"]


class UsageImportDetailSerializer(UsageImportSerializer):
    engineer_months = EngineerMonthSerializer(many=True, read_only=True)
    feature_months = FeatureMonthSerializer(many=True, read_only=True)

    class Meta(UsageImportSerializer.Meta):
        fields = [*UsageImportSerializer.Meta.fields, "engineer_months", "feature_months"]


def _optional_name(help_text: str) -> serializers.CharField:
    """An optional name of a team, feature, fit or engineer (at most MAX_NAME_CHARS characters)."""
    return serializers.CharField(required=False, max_length=MAX_NAME_CHARS, help_text=help_text)


@extend_schema_field({"type": "string", "example": '{"eng-01": "max_5x", "eng-02": "pro"}'})
class PlanMapField(serializers.Field[dict[str, str], str, dict[str, str], Any]):
    """A JSON object of engineers to seat plan keys, sent as a form field; validated to a dict."""

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if not isinstance(data, str):
            raise serializers.ValidationError("must be a JSON object as text")
        try:
            value = parse_strict_json(data)
        except InvalidJson as error:
            problems = [str(error.detail), *(f"{k}: {m}" for k, ms in error.errors.items() for m in ms)]
            raise serializers.ValidationError(problems) from error
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise serializers.ValidationError(
                'must be a JSON object of engineers to plan keys, e.g. {"eng-01": "max_5x"}'
            )
        return value

    def to_representation(self, value: dict[str, str]) -> dict[str, str]:
        return value


class UploadSerializer(serializers.Serializer[Any]):
    """The multipart form of an upload (documentation and first checks; the service checks the rest)."""

    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        min_length=1,
        max_length=1_000,
        help_text="Usage files: ccusage JSON (one per engineer), Admin API usage or cost reports, Claude "
        "Code Analytics records, or zips of them. Files sent together form one team or one organization's "
        "features.",
    )
    team = _optional_name("Name of the team, e.g. Platform.")
    engineer = _optional_name("Whose usage a single ccusage file is (default: its name).")
    feature_map = serializers.CharField(
        required=False,
        help_text='JSON object: workspace or API key id -> feature name, e.g. {"wrkspc_01": "Bot"}.',
    )
    plans = PlanMapField(
        required=False,
        help_text='JSON object: engineer -> seat plan key of the catalog, e.g. {"eng-01": "max_5x"}. Months '
        "of an engineer whose plan blocks usage beyond its capacity, at 95% of that capacity or more, are "
        "fitted as censored (demand at least that): docs/usage-import.md#capped-usage.",
    )
    catalog = serializers.SlugField(
        required=False, help_text="Price catalog slug (default: the default one)."
    )
    organization = serializers.SlugField(required=False, help_text="Needed when you belong to several.")


class ApplySerializer(serializers.Serializer[Any]):
    scenario = serializers.IntegerField(
        min_value=1, help_text="Id of a scenario of the import's organization."
    )
    team = _optional_name("The scenario's team to update.")
    feature = _optional_name("The scenario's feature to update.")
    fit = _optional_name("The import's team or feature fit (optional when it has one).")
    level = serializers.ChoiceField(
        choices=["after", "before"],
        required=False,
        help_text="`after` (default): the fit, at the level after a shift the stale-data guard found; "
        "`before`: the level before that shift (the fit's `alternative`; only for a fit that has one).",
    )
