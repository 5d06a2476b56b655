"""Real services: PostgreSQL, Redis (broker and chord results), RabbitMQ, and `celery worker` processes.

They run when DATABASE_URL points at PostgreSQL (on SQLite, the embedded default, they are skipped), and
then need CELERY_BROKER_URL (redis://), CELERY_RESULT_BACKEND and, for the RabbitMQ variants,
TEST_RABBITMQ_URL. When one of those is missing or does not answer they are skipped, except under CI (the
`CI` variable set), where they fail: the PostgreSQL pass of CI never passes by skipping them.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import current_app
from django.conf import settings
from django.db import connection
from kombu import connection as kombu_connection

from tests.real_services.processes import FAST_TIMINGS, CeleryProcess, beat, worker

Connection: Any = kombu_connection.Connection  # kombu ships no type hints
COUNT_RESULT_WRITES = """
CREATE TABLE IF NOT EXISTS test_result_writes (run_id bigint NOT NULL, written_at timestamptz DEFAULT now());
CREATE OR REPLACE FUNCTION test_count_result_write() RETURNS trigger AS $$
BEGIN INSERT INTO test_result_writes (run_id) VALUES (NEW.id); RETURN NEW; END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS test_result_write ON forecasting_forecastrun;
CREATE TRIGGER test_result_write AFTER UPDATE OF result ON forecasting_forecastrun
    FOR EACH ROW WHEN (NEW.result IS NOT NULL) EXECUTE FUNCTION test_count_result_write();
"""


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"real services unavailable under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def reachable(url: str) -> str | None:
    """None if a broker answers at `url`, else why not."""
    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as error:
        return f"{url.split('@')[-1]}: {error}"
    return None


@pytest.fixture(scope="session")
def services(django_db_setup: None, django_db_blocker: Any) -> dict[str, str]:
    """The test database and broker URLs the worker processes use, once everything answers."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        # The embedded-default pass (SQLite, no broker): these tests belong to the PostgreSQL pass.
        pytest.skip("runs against PostgreSQL only (DATABASE_URL=postgres://...)")
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        unavailable("CELERY_BROKER_URL is not a redis:// URL")
    if not settings.CELERY_RESULT_BACKEND:
        unavailable("CELERY_RESULT_BACKEND is not set (chords need one)")
    for url in (settings.CELERY_BROKER_URL, str(settings.CELERY_RESULT_BACKEND)):
        if problem := reachable(url):
            unavailable(problem)
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(COUNT_RESULT_WRITES)
        database = connection.settings_dict["NAME"]
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return {
        "DATABASE_URL": urllib.parse.urlunsplit(parts._replace(path=f"/{database}")),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
    }


@pytest.fixture(scope="session")
def rabbitmq_url(services: dict[str, str]) -> str:
    url = os.environ.get("TEST_RABBITMQ_URL", "")
    if not url:
        unavailable("TEST_RABBITMQ_URL is not set")
    if problem := reachable(url):
        unavailable(problem)
    return url


@pytest.fixture
def worker_env(services: dict[str, str], settings: Any) -> dict[str, str]:
    """Environment of the worker processes; this process uses the same block size."""
    settings.FORECAST_BLOCK_TRIALS = int(FAST_TIMINGS["FORECAST_BLOCK_TRIALS"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORECAST_", "PYTEST"))}
    return {**env, **services, **FAST_TIMINGS, "DJANGO_SETTINGS_MODULE": "procurement.settings"}


@pytest.fixture
def clean_queue(services: dict[str, str]) -> None:
    """No message left over from an earlier test, and an empty result-write log."""
    current_app.control.purge()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM test_result_writes")


@pytest.fixture
def start_workers(
    worker_env: dict[str, str], clean_queue: None, tmp_path: Path
) -> Iterator[Callable[..., list[CeleryProcess]]]:
    """start_workers(*names, concurrency=1, **env) -> ready workers (started side by side); all are
    stopped after the test."""
    started: list[CeleryProcess] = []

    def start(*names: str, concurrency: int = 1, **env: str) -> list[CeleryProcess]:
        processes = [worker(name, {**worker_env, **env}, tmp_path, concurrency=concurrency) for name in names]
        started.extend(processes)
        for process in processes:
            process.launch()
        for process in processes:
            process.wait_ready("ready.")
        return processes

    yield start
    for process in started:
        process.kill()  # every run of the test has finished: nothing to shut down gracefully


@pytest.fixture
def start_worker(start_workers: Callable[..., list[CeleryProcess]]) -> Callable[..., CeleryProcess]:
    """start_worker(name, concurrency=1, **env) -> one ready worker."""

    def start(name: str, *, concurrency: int = 1, **env: str) -> CeleryProcess:
        return start_workers(name, concurrency=concurrency, **env)[0]

    return start


@pytest.fixture
def reaper(worker_env: dict[str, str], tmp_path: Path) -> Iterator[CeleryProcess]:
    """Celery beat sending the reaper task every FORECAST_REAPER_SECONDS (1 s here)."""
    process = beat(worker_env, tmp_path).start(ready_text="beat: Starting")
    yield process
    process.stop()


def result_writes(run_id: int) -> int:
    """How many UPDATEs wrote a result to this run (counted by a trigger)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM test_result_writes WHERE run_id = %s", [run_id])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request: Any, services: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Worker settings for the broker under test; with RabbitMQ this process publishes there as well."""
    if request.param == "redis":
        return {}
    url = request.getfixturevalue("rabbitmq_url")
    rabbit = Connection(url)
    request.addfinalizer(rabbit.release)  # noqa: PT021 (a parametrised fixture that returns early for redis)
    current_app.control.purge(connection=rabbit)
    from forecasting import tasks
    from forecasting.services import starting

    def publish(run_id: int) -> bool:
        tasks.execute_forecast_task.apply_async((run_id,), connection=rabbit)
        return True

    monkeypatch.setattr(starting, "publish_run", publish)
    return {"CELERY_BROKER_URL": url}
