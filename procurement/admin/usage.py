"""Usage import admin: upload files, preview the fits and warnings on the import's page, apply a fit to a team
or feature of a scenario. Imports are read-only once made (delete one to import its files again).

Applying takes two steps (docs/usage-import.md#applying-a-fit): the form's choice is first previewed (each
changed input before and after, the plausibility flags, and the cost change from a quick forecast), and
only the preview's "Apply" writes, recording a revision that can be undone (admin/revisions.py). The quick
forecast belongs to `forecasting`, which this app cannot import: `UsageImportAdmin.fit_preview` shows the
inputs only, and `forecasting/admin_usage.py` registers this admin with the forecast's costs added, as
`reports/admin.py` assembles the run admin (docs/architecture.md#dependencies).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import AdminForm
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from procurement.admin.permissions import OrganizationScopedMixin, is_member
from procurement.admin.usage_forms import ApplyForm, UploadForm
from procurement.imports import UsageFileError
from procurement.models import Membership, Scenario
from procurement.models.usage import EngineerMonthUsage, FeatureMonthUsage, UsageFile, UsageImport
from procurement.scenario_document import ScenarioValidationError
from procurement.usage.applying import FitPlan, plan_fit, record_fit
from procurement.usage.importing import ImportOptionError, Upload, import_usage


class _ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """Rows of an import: shown, never edited (permissions follow the import's organization)."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_member(request)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class UsageFileInline(_ReadOnlyInline):
    model = UsageFile
    fields = ["name", "format", "report", "engineer", "first_day", "last_day", "size_bytes", "sha256"]


class EngineerMonthInline(_ReadOnlyInline):
    model = EngineerMonthUsage
    fields = [
        "engineer",
        "month",
        "cost_usd",
        "reported_cost_usd",
        "active_days",
        "coverage",
        "full_month_usd",
    ]


class FeatureMonthInline(_ReadOnlyInline):
    model = FeatureMonthUsage
    fields = ["feature", "month", "cost_usd", "reported_cost_usd", "uncached_input_tokens", "output_tokens"]
    fields += ["cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "web_search_requests"]


_SHOWN_FIELDS: tuple[str, ...] = ("organization", "created_at", "created_by_name", "price_catalog")
_SHOWN_FIELDS += ("team_name", "feature_map", "checksum", "fits_preview", "warnings_list")


class UsageImportAdmin(OrganizationScopedMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "organization", "created_at", "team_name", "price_catalog", "fit_count"]
    list_display += ["warning_count"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter)]
    fields = _SHOWN_FIELDS
    readonly_fields = _SHOWN_FIELDS
    inlines = [UsageFileInline, EngineerMonthInline, FeatureMonthInline]
    actions = ["apply_fit_action"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # an import is what the files said: read-only

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return OrganizationScopedMixin.has_change_permission(self, request, obj)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:procurement_usageimport_upload"))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        own = [
            path("upload/", view(self.upload_view), name="procurement_usageimport_upload"),
            path("<path:object_id>/apply/", view(self.apply_view), name="procurement_usageimport_apply"),
        ]
        return own + super().get_urls()

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        obj = kwargs.get("obj") or context.get("original")
        context["can_apply"] = obj is not None and _can_edit(request, obj)
        return super().render_change_form(request, context, *args, **kwargs)

    @admin.display(description="Created by")
    def created_by_name(self, obj: UsageImport) -> str:
        """The username as text: the user admin is for superusers only, so a link would answer 403."""
        return obj.created_by.get_username() if obj.created_by is not None else "—"

    @admin.display(description="fits")
    def fit_count(self, obj: UsageImport) -> str:
        return f"{len(obj.fits.get('teams', []))} team(s), {len(obj.fits.get('features', []))} feature(s)"

    @admin.display(description="warnings")
    def warning_count(self, obj: UsageImport) -> int:
        return len(obj.warnings)

    @admin.display(description="Fits (scenario fields, and how well they fit)")
    def fits_preview(self, obj: UsageImport) -> SafeString:
        rows = [(kind[:-1], fit) for kind in ("teams", "features") for fit in obj.fits.get(kind, [])]
        if not rows:
            return format_html("<p>{}</p>", "Nothing could be fitted: see the warnings.")
        body = format_html_join(
            "",
            "<tr><td>{}</td><td><strong>{}</strong></td><td>{}</td><td>{}</td></tr>",
            ((kind, fit["name"], _pairs(_fields(fit)), _pairs(fit.get("fit", {}))) for kind, fit in rows),
        )
        head = "<tr><th>kind</th><th>name</th><th>scenario fields</th><th>fit</th></tr>"
        return format_html('<table id="usage-fits">{}{}</table>', SafeString(head), body)

    @admin.display(description="Warnings")
    def warnings_list(self, obj: UsageImport) -> SafeString:
        if not obj.warnings:
            return format_html("<p>{}</p>", "None.")
        items = format_html_join("", "<li>{}</li>", ((w,) for w in obj.warnings))
        return format_html('<ul id="usage-warnings">{}</ul>', items)

    @admin.action(description="Apply a fit of the selected import to a scenario")
    def apply_fit_action(self, request: HttpRequest, queryset: QuerySet[UsageImport]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one import to apply.", messages.WARNING)
            return None
        chosen = queryset.get()
        return HttpResponseRedirect(reverse("admin:procurement_usageimport_apply", args=[chosen.pk]))

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                result = _import(request, form.cleaned_data)
            except ImportOptionError as error:
                field = _OPTION_FIELDS.get(error.field)
                form.add_error(field, error.message if field else f"Nothing was imported. {error}")
            except UsageFileError as error:
                form.add_error(None, f"Nothing was imported. {error}")
            else:
                verb = "imported" if result.created else "were imported before; here is that import"
                messages.success(request, f"{len(form.cleaned_data['usage_files'])} upload(s) {verb}.")
                target = reverse("admin:procurement_usageimport_change", args=[result.usage_import.pk])
                return HttpResponseRedirect(target)
        return self._render(request, "upload.html", "Upload usage files", form)

    def apply_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        usage_import = self.get_object(request, object_id)
        if usage_import is None:
            raise Http404("No such usage import.")
        if not _can_edit(request, usage_import):
            raise PermissionDenied
        form = ApplyForm(request.POST or None, usage_import=usage_import, user=request.user)
        if request.method == "POST" and form.is_valid():
            kind, fit = form.cleaned_data["fit"].split(":", 1)
            scenario, target = form.cleaned_data["scenario"], form.cleaned_data["target"]
            where = {"team": target} if kind == "teams" else {"feature": target}
            where["level"] = form.cleaned_data.get("level") or "after"
            try:
                # Step 1, the preview, writes nothing. Its Apply carries the scenario's updated_at as it was
                # previewed: a scenario changed since then is previewed again rather than applied unseen.
                if request.POST.get("previewed") != _stamp(scenario):
                    if "_confirm" in request.POST:
                        messages.warning(request, "The scenario changed since the preview: check it again.")
                    preview = self.fit_preview(usage_import, scenario, fit=fit, **where)
                    return self._render_preview(request, usage_import, form, preview)
                revision = record_fit(usage_import, scenario, fit=fit, user=request.user, **where)
            except ScenarioValidationError as error:
                for field, problems in error.errors.items():
                    form.add_error(None, "; ".join(f"{field}: {p}" for p in problems))
            else:
                undo = reverse("admin:procurement_scenariorevision_change", args=[revision.pk])
                text = 'The {} fit “{}” was applied to “{}” of “{}”. <a href="{}">Undo</a>'
                messages.success(request, format_html(text, kind[:-1], fit, target, scenario, undo))
                return HttpResponseRedirect(reverse("admin:procurement_scenario_change", args=[scenario.pk]))
        return self._render(request, "apply.html", f"Apply a fit of {usage_import}", form, usage_import)

    def fit_preview(
        self, usage_import: UsageImport, scenario: Scenario, *, fit: str, **where: str
    ) -> dict[str, Any]:
        """The preview page's context: `plan` (changes, flags, warnings); a subclass that can forecast adds
        `cost` (forecasting/admin_usage.py). Raises ScenarioValidationError as applying would."""
        return {"plan": plan_fit(usage_import, scenario, fit=fit, **where)}

    def _render_preview(
        self, request: HttpRequest, usage_import: UsageImport, form: forms.Form, preview: dict[str, Any]
    ) -> HttpResponse:
        plan: FitPlan = preview["plan"]
        context = {
            **self.admin_site.each_context(request),
            "opts": UsageImport._meta,
            "title": f"Preview: apply a fit of {usage_import}",
            "form": form,
            "original": usage_import,
            "choice": {
                **{name: form.data[name] for name in ("fit", "scenario", "target")},
                "level": form.cleaned_data.get("level") or "after",
                "previewed": _stamp(form.cleaned_data["scenario"]),
            },
            "changes": [
                (c.path, _before_after(c.before), _before_after(c.after), _interval_shown(c.interval))
                for c in plan.changes
            ],
            **preview,
        }
        return TemplateResponse(request, "admin/procurement/usageimport/apply_preview.html", context)

    def _render(
        self, request: HttpRequest, template: str, title: str, form: forms.Form, original: Any = None
    ) -> HttpResponse:
        fieldsets = [(None, {"fields": list(form.fields)})]
        context = {
            **self.admin_site.each_context(request),
            "opts": UsageImport._meta,
            "title": title,
            "form": form,
            # The admin's own field markup (admin/includes/fieldset.html); AdminForm only reads the
            # form's fields and errors, so a plain Form does (its stubs ask for a ModelForm).
            "adminform": AdminForm(form, fieldsets, {}, model_admin=self),  # type: ignore[arg-type]
            "original": original,
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, f"admin/procurement/usageimport/{template}", context, status=status)


# ImportOptionError.field -> the upload form's field it is about (each error is shown once, at its field).
_OPTION_FIELDS = {
    "files": "usage_files",
    "engineer": "engineer",
    "team": "team",
    "feature_map": "feature_map",
    "plans": "plans",
    "catalog": "catalog",
}


def _can_edit(request: HttpRequest, usage_import: UsageImport) -> bool:
    return bool(request.user.is_staff and Membership.can_edit(request.user, usage_import.organization))


def _import(request: HttpRequest, data: dict[str, Any]) -> Any:
    uploads = [Upload(name=f.name or "upload", content=f.read()) for f in data["usage_files"]]
    return import_usage(
        data["organization"],
        uploads,
        catalog=data["catalog"],
        team=data["team"] or None,
        engineer=data["engineer"] or None,
        feature_map=data["feature_map"],
        plans=data["plans"],
        user=request.user,
    )


def _fields(fit: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fit.items() if key not in ("name", "fit")}


def _pairs(values: dict[str, Any]) -> SafeString:
    return format_html_join(", ", "<code>{}</code>&nbsp;{}", ((k, _shown(v)) for k, v in values.items()))


def _before_after(value: Any) -> str:
    """A preview's value: "—" for none (a preset's numbers, a field left to its default)."""
    return "—" if value is None else _shown(value)


def _stamp(scenario: Scenario) -> str:
    """The scenario's version as the preview saw it (its updated_at, which every change bumps)."""
    return scenario.updated_at.isoformat()


def _interval_shown(interval: tuple[float, float] | None) -> str:
    return "" if interval is None else f"{_shown(interval[0])} … {_shown(interval[1])}"


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1_000 else f"{value:,.0f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_shown(v)}" for k, v in value.items())
    return str(value)
