"""`/`: a landing page that leads to the admin and the API docs (the admin's "View site" comes here)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")
