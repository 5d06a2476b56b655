"""The usage import admin's forms: the upload (files, team, feature map, plans) and the fit to apply."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import QuerySet

from procurement.limits import MAX_NAME_CHARS
from procurement.models import Organization, PriceCatalog, Scenario
from procurement.models.usage import UsageImport
from procurement.usage.importing import max_upload_bytes


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        clean_one = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        if not files:  # no file chosen: the input sends an empty list, which no single-file clean sees
            files = [None]
        return [clean_one(item, initial) for item in files]


class UploadForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none())
    usage_files = MultipleFileField(
        label="Files",
        help_text="ccusage JSON reports (one per engineer), Admin API usage or cost reports, Claude Code "
        "Analytics records, or zips of them. Files uploaded together form one team (ccusage) or one "
        "organization's features (Admin API).",
    )
    team = forms.CharField(
        required=False, max_length=MAX_NAME_CHARS, help_text="Name of the team, e.g. “Platform”."
    )
    engineer = forms.CharField(
        required=False,
        max_length=MAX_NAME_CHARS,
        help_text="Whose usage a single ccusage file is (default: its file name).",
    )
    feature_map = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='JSON: workspace or API key id → feature name, e.g. {"wrkspc_01…": "Support summariser"}.',
    )
    plans = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='JSON: engineer → seat plan key, e.g. {"eng-01": "max_5x"}. Months of an engineer whose '
        "plan blocks usage beyond its capacity, at 95% of it or more, are fitted as censored "
        "(docs/usage-import.md#capped-usage).",
    )
    catalog = forms.ModelChoiceField(
        queryset=PriceCatalog.objects.all(),
        required=False,
        help_text="Prices used to recompute every cost (default: the default catalog).",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organizations = Organization.objects.editable_by(user)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["organization"].initial = _only(organizations)
        self.fields["catalog"].initial = PriceCatalog.objects.default()

    def clean_usage_files(self) -> list[Any]:
        files: list[Any] = self.cleaned_data["usage_files"]
        total = sum(upload.size for upload in files)
        if total > max_upload_bytes():
            raise forms.ValidationError(
                f"The files are {total:,} bytes; the limit is {max_upload_bytes():,}."
            )
        return files

    def clean_feature_map(self) -> dict[str, str]:
        raw = self.cleaned_data["feature_map"].strip()
        try:
            value = json.loads(raw) if raw else {}
        except (json.JSONDecodeError, RecursionError) as error:
            raise forms.ValidationError(f"Not valid JSON: {error}") from error
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise forms.ValidationError('Give a JSON object of ids to names, e.g. {"wrkspc_01": "Bot"}.')
        return value

    def clean_plans(self) -> dict[str, str]:
        raw = self.cleaned_data["plans"].strip()
        try:
            value = json.loads(raw) if raw else {}
        except (json.JSONDecodeError, RecursionError) as error:
            raise forms.ValidationError(f"Not valid JSON: {error}") from error
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise forms.ValidationError(
                'Give a JSON object of engineers to plan keys, e.g. {"eng-01": "pro"}.'
            )
        return value


class ApplyForm(forms.Form):
    fit = forms.ChoiceField(help_text="The fit of this import to apply.")
    scenario = forms.ModelChoiceField(queryset=Scenario.objects.none())
    target = forms.CharField(
        max_length=MAX_NAME_CHARS,
        label="Team or feature",
        help_text="The scenario's team (for a team fit) or feature (for a feature fit) to update.",
    )

    level = forms.ChoiceField(
        choices=[
            ("after", "The fit (after a level shift, if the import found one)"),
            ("before", "The level before the shift (for a fit whose import found one)"),
        ],
        initial="after",
        required=False,  # not sent: the fit itself
        label="Level",
        help_text="The stale-data guard fits the level after a shift it finds and offers the level "
        "before it; the import's page shows any shift, with its date and both levels.",
    )

    def __init__(self, *args: Any, usage_import: UsageImport, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (f"{kind}:{fit['name']}", f"{kind[:-1]}: {fit['name']}")
            for kind in ("teams", "features")
            for fit in usage_import.fits.get(kind, [])
        ]
        self.fields["fit"].choices = choices  # type: ignore[attr-defined]
        fits = [fit for kind in ("teams", "features") for fit in usage_import.fits.get(kind, [])]
        if not any("alternative" in fit for fit in fits):
            del self.fields["level"]  # no level shift found: only the fit itself to apply
        scenarios = Scenario.objects.editable_by(user).filter(organization=usage_import.organization)
        self.fields["scenario"].queryset = scenarios  # type: ignore[attr-defined]
        self.fields["scenario"].initial = _only(scenarios)


def _only(choices: QuerySet[Any]) -> Any:
    """The one choice when there is exactly one (preselected), else None."""
    first_two = list(choices[:2])
    return first_two[0] if len(first_two) == 1 else None
