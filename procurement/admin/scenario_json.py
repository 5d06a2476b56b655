"""Admin views: create or replace a scenario from an uploaded JSON file, download one as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify
from django.views import View

from procurement.models import Organization, Scenario
from procurement.scenario_document import ScenarioValidationError
from procurement.services import save_scenario, scenario_to_document

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a 1,000-feature scenario is about 1 MB of JSON


class ScenarioUploadForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), help_text="The organization the new scenario belongs to."
    )
    file = forms.FileField(help_text="A scenario JSON document (docs/scenario.md), at most 2 MB.")

    def __init__(self, *args: Any, user: Any, replacing: Scenario | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if replacing is None:
            self.fields["organization"].queryset = Organization.objects.editable_by(user)  # type: ignore[attr-defined]
        else:
            del self.fields["organization"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {MAX_UPLOAD_BYTES:,}.",
            )
        try:
            return json.loads(upload.read().decode("utf-8"))
        except UnicodeDecodeError as error:
            raise forms.ValidationError("The file is not UTF-8 text.") from error
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"Not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
            ) from error
        except RecursionError as error:
            raise forms.ValidationError("The JSON is nested too deeply.") from error


class UploadView(View):
    """GET shows the form; POST validates and saves in one transaction, or lists errors per field path."""

    model_admin: Any = None

    def dispatch(
        self, request: HttpRequest, *args: Any, object_id: str | None = None, **kwargs: Any
    ) -> HttpResponseBase:
        self.replacing = _editable_scenario(self.model_admin, request, object_id) if object_id else None
        if object_id is None and not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, ScenarioUploadForm(user=request.user, replacing=self.replacing), {})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ScenarioUploadForm(request.POST, request.FILES, user=request.user, replacing=self.replacing)
        if not form.is_valid():
            return self._render(request, form, {})
        organization = self.replacing.organization if self.replacing else form.cleaned_data["organization"]
        try:
            scenario = save_scenario(organization, form.cleaned_data["file"], scenario=self.replacing)
        except ScenarioValidationError as error:
            return self._render(request, form, error.errors)
        verb = "replaced" if self.replacing else "created"
        messages.success(request, f"Scenario “{scenario.name}” {verb} from the uploaded JSON.")
        return HttpResponseRedirect(reverse("admin:procurement_scenario_change", args=[scenario.pk]))

    def _render(
        self, request: HttpRequest, form: ScenarioUploadForm, errors: dict[str, list[str]]
    ) -> HttpResponse:
        context = {
            **self.model_admin.admin_site.each_context(request),
            "opts": Scenario._meta,
            "title": f"Replace “{self.replacing}” from JSON"
            if self.replacing
            else "Create a scenario from JSON",
            "form": form,
            "document_errors": sorted(errors.items()),
            "replacing": self.replacing,
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, "admin/procurement/scenario/upload.html", context, status=status)


def _editable_scenario(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> Scenario:  # type: ignore[type-arg]
    scenario: Scenario | None = model_admin.get_object(request, object_id)
    if scenario is None:
        raise Http404("No such scenario.")
    if not model_admin.has_change_permission(request, scenario):
        raise PermissionDenied
    return scenario


def download_view(model_admin: admin.ModelAdmin) -> Callable[..., HttpResponse]:  # type: ignore[type-arg]
    def download(request: HttpRequest, object_id: str) -> HttpResponse:
        scenario = model_admin.get_object(request, object_id)
        if scenario is None or not model_admin.has_view_permission(request, scenario):
            raise Http404("No such scenario.")
        response = JsonResponse(
            scenario_to_document(
                scenario,
            ),
            json_dumps_params={"indent": 2, "ensure_ascii": False},
        )
        filename = f"{slugify(scenario.name) or 'scenario'}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    return download
