"""Read the fields of an admin change form from its HTML, to post the form back as a browser would."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client


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
