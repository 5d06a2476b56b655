"""The API's documentation pages, kept to this server: everything they load is served from here.

drf-spectacular-sidecar serves the scripts and our Redoc template drops Google Fonts, but Redoc's bundle
still draws its "API docs by Redocly" logo from cdn.redoc.ly. A Content-Security-Policy keeps the browser
from fetching anything from elsewhere (Redoc hides the logo when it cannot load).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

# Inline scripts and styles: the docs' own bootstrap code; blob: for Redoc's search worker.
SELF_ONLY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' blob:",
        "worker-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
    ]
)


class _SelfOnly:
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().get(request, *args, **kwargs)  # type: ignore[misc]
        response["Content-Security-Policy"] = SELF_ONLY_POLICY
        return response


class RedocView(_SelfOnly, SpectacularRedocView):
    schema = None  # a page about the API, not an operation of it


class SwaggerView(_SelfOnly, SpectacularSwaggerView):
    schema = None
