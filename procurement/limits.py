"""Limits shared by the models, forms, serializers, URL routes and the scenario document: each one once.

Pure Python (no Django), so the scenario document's rules, the models and the API of every app use the
same numbers. Migrations keep their own literals (a migration records history, not the current limit).
"""

from __future__ import annotations

MAX_NAME_CHARS = 200  # a name people type: scenario, team, feature, organization, catalog, engineer, ...

MAX_SLUG_CHARS = 100  # an organization's or a price catalog's slug
SLUG_PATTERN = rf"[-a-zA-Z0-9_]{{1,{MAX_SLUG_CHARS}}}"  # unanchored, for URL routes; anchor it to match

ID_DIGITS = 18  # a longer database id cannot exist in a 64-bit key: such a URL is the API's JSON 404
ID_PATTERN = rf"[0-9]{{1,{ID_DIGITS}}}"  # unanchored, for URL routes; anchor it to match a whole string
