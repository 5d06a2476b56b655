"""`manage.py reap_runs`: what Celery beat does every FORECAST_REAPER_SECONDS, once, from a shell or cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from forecasting.services import reap_runs


class Command(BaseCommand):
    help = "Re-enqueue forecast runs left by dead workers or failed publishes; fail those out of attempts."

    def handle(self, *args: Any, **options: Any) -> None:
        report = reap_runs()
        self.stdout.write(
            f"requeued {len(report.requeued)} stale run(s) {report.requeued}, "
            f"republished {len(report.republished)} queued run(s) {report.republished}, "
            f"failed {len(report.failed)} run(s) out of attempts {report.failed}"
        )
