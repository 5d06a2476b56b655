"""Admin pages in tests: a logged-in client, the fields of a change form read from its HTML (to post the
form back as a browser would), the scenario change form fetched and posted."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client
from django.urls import reverse

from procurement.models import Scenario


class _FormFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str | list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name", "")
        if tag == "input" and name and attributes.get("type") not in ("submit", "button", "file"):
            if attributes.get("type") != "checkbox" or "checked" in attributes:
                value = attributes.get("value", "on" if attributes.get("type") == "checkbox" else "")
                previous = self.fields.get(name)
                if attributes.get("type") == "checkbox" and previous is not None:  # several checked boxes
                    self.fields[name] = [*([previous] if isinstance(previous, str) else previous), value]
                else:
                    self.fields[name] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.fields[self._select] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            text = self.fields[self._textarea]
            assert isinstance(text, str)
            self.fields[self._textarea] = text + (data.removeprefix("\n") if not text else data)


def form_fields(html: str) -> dict[str, str | list[str]]:
    """Name -> value of every field a browser would submit (a list for several checked boxes of one name;
    templates for new inline rows excluded)."""
    parser = _FormFields()
    parser.feed(html)
    return {name: value for name, value in parser.fields.items() if "__prefix__" not in name}


def logged_in(user: Any) -> Client:
    """A test client with `user` logged in to the admin."""
    client = Client()
    client.force_login(user)
    return client


def procurement_url(name: str, *args: Any) -> str:
    """An admin URL of the procurement app (`scenario_change`, `team_changelist`, ...)."""
    return reverse(f"admin:procurement_{name}", args=args)


def scenario_fields(client: Client, scenario: Scenario) -> dict[str, Any]:
    """The fields of the scenario's change form as `client` sees it."""
    return form_fields(client.get(procurement_url("scenario_change", scenario.pk)).content.decode())


def post_scenario(client: Client, scenario: Scenario, fields: dict[str, Any]) -> Any:
    """The scenario's change form posted with `fields` ("Save")."""
    return client.post(procurement_url("scenario_change", scenario.pk), {**fields, "_save": "Save"})


def numbers(value: Any, path: str = "") -> dict[str, float]:
    """Every number in a document by its path (`.teams[0].adoption_now`)."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in numbers(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in numbers(item, f"{path}[{i}]").items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {path: float(value)}
    return {}
