"""The usage import admin pages in the admin's own markup: each error shown once, at one place, and the
import's "Created by" as plain text (the user admin answers 403 to staff members who are not superusers)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from procurement.models import Organization, Role, Scenario
from procurement.models.usage import UsageImport
from procurement.usage.importing import import_usage
from tests.factories import MembershipFactory, OrganizationFactory, UsageImportFactory, UserFactory, member
from tests.procurement.admin_forms import logged_in
from tests.usage.conftest import upload, uploaded, usageimport_url

pytestmark = pytest.mark.django_db

BAD_FILE_ERROR = "negative-tokens.daily.json: daily[3].outputTokens: negative token count"


class _FormRows(HTMLParser):
    """The class of every `.form-row` and the text of every errorlist item, with the row it sits in."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self.errors: list[tuple[str | None, str]] = []  # (enclosing form-row's classes or None, text)
        self._stack: list[str | None] = []  # per open div: its form-row classes, else None
        self._in_error_item = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag == "div":
            row = classes if "form-row" in classes.split() else None
            self._stack.append(row)
            if row:
                self.rows.append(row)
        elif tag == "li" and self._error_list_open:
            self._in_error_item = True
            self.errors.append((self._row, ""))
        elif tag == "ul":
            self._error_list_open = "errorlist" in classes.split()

    _error_list_open = False

    @property
    def _row(self) -> str | None:
        return next((row for row in reversed(self._stack) if row), None)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._stack:
            self._stack.pop()
        elif tag == "li":
            self._in_error_item = False
        elif tag == "ul":
            self._error_list_open = False

    def handle_data(self, data: str) -> None:
        if self._in_error_item:
            row, text = self.errors[-1]
            self.errors[-1] = (row, text + data)


def _form_rows(page: str) -> _FormRows:
    parser = _FormRows()
    parser.feed(page)
    return parser


@pytest.fixture
def editor(organization: Organization) -> Any:
    """Acme's editor, under a name the "Created by" row shows."""
    return member(organization, Role.EDITOR, username="pat.procurement")


@pytest.fixture
def team_import(organization: Organization, editor: Any) -> UsageImport:
    uploads = [upload(f"ccusage/eng-0{n}.daily.json") for n in (1, 2, 3)]
    return UsageImportFactory.create(organization=organization, uploads=uploads, user=editor)


# --- the upload form ---------------------------------------------------------------------------------


def test_the_upload_form_is_in_the_admins_markup(editor: Any) -> None:
    page = logged_in(editor).get(usageimport_url("upload")).content.decode()
    assert '<fieldset class="module aligned ">' in page
    rows = _form_rows(page).rows
    fields = ["organization", "usage_files", "team", "engineer", "feature_map", "plans", "catalog"]
    assert [re.search(r"field-(\w+)", row).group(1) for row in rows] == fields  # type: ignore[union-attr]
    assert all("errors" not in row.split() for row in rows)  # an unposted form has no errors
    assert page.count('<div class="help"') == 6  # every field but the organization has help
    assert '<div class="help" id="id_team_helptext">' in page
    assert 'class="helptext"' not in page  # not the plain form's help markup
    assert '<label class="required" for="id_organization">Organization:</label>' in page
    assert '<div class="submit-row"><input type="submit" value="Import" class="default" name="_save">' in page
    assert 'enctype="multipart/form-data"' in page
    breadcrumbs = page[page.index('<div class="breadcrumbs">') :].split("</div>", 1)[0]
    assert f'<a href="{reverse("admin:index")}">Home</a>' in breadcrumbs
    assert f'<a href="{usageimport_url("changelist")}">Usage imports</a>' in breadcrumbs
    assert breadcrumbs.rstrip().endswith("Upload usage files")
    assert "change-form" in re.search(r'<body class="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    assert "errornote" not in page


def test_a_bad_file_is_reported_once_above_the_fields(editor: Any, organization: Organization) -> None:
    files = [uploaded("ccusage/eng-01.daily.json"), uploaded("bad/negative-tokens.daily.json")]
    response = logged_in(editor).post(
        usageimport_url("upload"), {"organization": organization.pk, "usage_files": files}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count(BAD_FILE_ERROR) == 1
    assert page.count('class="errornote"') == 1
    assert page.count('<ul class="errorlist') == 1
    errors = _form_rows(page).errors
    assert len(errors) == 1
    row, text = errors[0]
    assert row is None  # above the fields, not inside a field's row
    assert text.startswith("Nothing was imported. ")
    assert BAD_FILE_ERROR in text
    assert "<title>Error: " in page
    assert not UsageImport.objects.exists()


def test_a_field_error_is_shown_once_in_its_row(editor: Any, organization: Organization) -> None:
    data = {
        "organization": organization.pk,
        "usage_files": [uploaded("claude-code-analytics.json")],
        "feature_map": '{"wrkspc_01": 3}',
    }
    page = logged_in(editor).post(usageimport_url("upload"), data).content.decode()
    message = 'Give a JSON object of ids to names, e.g. {"wrkspc_01": "Bot"}.'
    shown = message.replace('"', "&quot;")
    assert page.count(shown) == 1
    parsed = _form_rows(page)
    assert [(row, text) for row, text in parsed.errors] == [("form-row errors field-feature_map", message)]
    assert [row for row in parsed.rows if "errors" in row.split()] == ["form-row errors field-feature_map"]
    assert page.count('class="errornote"') == 1
    assert 'id="upload-errors"' not in page  # no non-field errors, so no empty list above the fields


def test_a_missing_file_is_one_error_at_the_files_field(editor: Any, organization: Organization) -> None:
    page = (
        logged_in(editor).post(usageimport_url("upload"), {"organization": organization.pk}).content.decode()
    )
    assert page.count("This field is required.") == 1
    assert _form_rows(page).errors == [("form-row errors field-usage_files", "This field is required.")]


def test_an_option_error_of_the_importer_is_shown_once_at_its_field(
    editor: Any, organization: Organization
) -> None:
    files = [uploaded("ccusage/eng-01.daily.json"), uploaded("ccusage/eng-02.daily.json")]
    data = {"organization": organization.pk, "usage_files": files, "engineer": "Ada"}
    response = logged_in(editor).post(usageimport_url("upload"), data)
    text = "name the engineer only when uploading one file (not a zip)"
    assert response.status_code == 400
    assert response.content.decode().count(text) == 1
    assert _form_rows(response.content.decode()).errors == [("form-row errors field-engineer", text)]
    assert not UsageImport.objects.exists()


def test_a_successful_upload_says_so_once_on_the_imports_page(
    editor: Any, organization: Organization
) -> None:
    files = [uploaded("ccusage/eng-01.daily.json"), uploaded("ccusage/eng-02.daily.json")]
    response = logged_in(editor).post(
        usageimport_url("upload"),
        {"organization": organization.pk, "usage_files": files, "team": "Platform"},
        follow=True,
    )
    usage_import = UsageImport.objects.get()
    assert response.redirect_chain == [(usageimport_url("change", usage_import.pk), 302)]
    assert response.content.decode().count("2 upload(s) imported.") == 1
    assert usage_import.files.count() == 2


# --- the apply page ----------------------------------------------------------------------------------


def test_the_apply_page_is_in_the_admins_markup(editor: Any, team_import: UsageImport) -> None:
    page = logged_in(editor).get(usageimport_url("apply", team_import.pk)).content.decode()
    assert [row.split()[-1] for row in _form_rows(page).rows] == [
        "field-fit",
        "field-scenario",
        "field-target",
    ]
    assert page.count('<div class="help"') == 2  # fit and target
    # the form previews first (tests/usage/test_apply_admin.py); the preview page's button applies
    submit = '<div class="submit-row"><input type="submit" value="Preview" class="default" name="_save">'
    assert submit in page
    breadcrumbs = page[page.index('<div class="breadcrumbs">') :].split("</div>", 1)[0]
    assert f'<a href="{usageimport_url("change", team_import.pk)}">{team_import}</a>' in breadcrumbs
    assert breadcrumbs.rstrip().endswith("Apply a fit")
    assert '<option value="teams:Platform">team: Platform</option>' in page


def test_an_apply_refusal_is_shown_once_and_changes_nothing(
    editor: Any, team_import: UsageImport, scenario: Scenario
) -> None:
    response = logged_in(editor).post(
        usageimport_url("apply", team_import.pk),
        {"fit": "teams:Platform", "scenario": scenario.pk, "target": "Mobile"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("the scenario has no team named") == 1
    assert page.count("The fit was not applied and nothing was changed.") == 1
    errors = _form_rows(page).errors
    assert len(errors) == 1
    assert errors[0][0] is None
    assert "the scenario has no team named" in errors[0][1]
    assert scenario.teams.get(name="Web").usage_preset == "light"


def test_an_apply_without_a_target_names_the_field_once(
    editor: Any, team_import: UsageImport, scenario: Scenario
) -> None:
    response = logged_in(editor).post(
        usageimport_url("apply", team_import.pk),
        {"fit": "teams:Platform", "scenario": scenario.pk, "target": ""},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("This field is required.") == 1
    assert _form_rows(page).errors == [("form-row errors field-target", "This field is required.")]


# --- defect 4: "Created by" ----------------------------------------------------------------------------


def test_created_by_is_the_username_as_text_not_a_link_to_the_user_admin(
    editor: Any, team_import: UsageImport
) -> None:
    response = logged_in(editor).get(usageimport_url("change", team_import.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "/admin/auth/user/" not in page
    assert re.search(r'<label>Created by:</label>\s*<div class="readonly">pat\.procurement</div>', page), (
        "the username is shown in the Created by row"
    )
    # what the link led to: a staff member with an organization role may not open the user admin
    assert logged_in(editor).get(reverse("admin:auth_user_change", args=[editor.pk])).status_code == 403


def test_created_by_is_plain_text_for_a_superuser_too_and_a_dash_when_unknown(
    organization: Organization, editor: Any, team_import: UsageImport
) -> None:
    client = logged_in(UserFactory.create(username="root", is_superuser=True))
    page = client.get(usageimport_url("change", team_import.pk)).content.decode()
    assert reverse("admin:auth_user_change", args=[editor.pk]) not in page  # (the sidebar lists Users)
    assert re.search(r'<label>Created by:</label>\s*<div class="readonly">pat\.procurement</div>', page)
    anonymous = import_usage(organization, [upload("claude-code-analytics.json")], user=None).usage_import
    page = client.get(usageimport_url("change", anonymous.pk)).content.decode()
    assert re.search(r'<label>Created by:</label>\s*<div class="readonly">—</div>', page)


def test_the_only_organization_and_scenario_are_preselected(
    editor: Any, organization: Organization, team_import: UsageImport, scenario: Scenario
) -> None:
    client = logged_in(editor)
    upload_page = client.get(usageimport_url("upload")).content.decode()
    assert f'<option value="{organization.pk}" selected>Acme</option>' in upload_page
    apply_page = client.get(usageimport_url("apply", team_import.pk)).content.decode()
    assert f'<option value="{scenario.pk}" selected>{scenario}</option>' in apply_page
    MembershipFactory.create(
        user=editor, organization=OrganizationFactory.create(name="Beta"), role=Role.EDITOR
    )
    two = (
        client.get(usageimport_url("upload"))
        .content.decode()
        .split('id="id_organization"')[1]
        .split("</select>")[0]
    )
    assert '<option value="" selected>---------</option>' in two  # two to choose from: none chosen
    assert f'<option value="{organization.pk}">Acme</option>' in two
