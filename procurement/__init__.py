"""Procurement: the Django project package and the input domain (organizations, catalogs, scenarios)."""

from procurement.celery import app as celery_app

__all__ = ("celery_app",)
