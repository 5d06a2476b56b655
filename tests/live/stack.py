"""The service as its users meet it: a real web server and a real Celery worker in their own processes.

Two stacks, one per CI pass:

- **embedded**: the embedded default exactly as `make serve` runs it: `manage.py runserver` (wsgiref, which
  checks header types the test client never does) and a `celery worker -B` on the filesystem broker, on
  a SQLite file, DEBUG on.
- **services**: production settings (DEBUG off, static files by WhiteNoise): gunicorn with 2 workers and a
  `celery worker -B` on Redis, on a fresh PostgreSQL database.

Each stack gets its own database, broker folder or Redis databases, and log files, so it shares nothing
with the test process or the service tests running in the same session.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-procurement-2026"  # procurement/management/commands/seed_demo.py
# Redis databases of the services stack: not 0/1 (CI's broker and results, purged by the service tests).
LIVE_REDIS_BROKER = "redis://127.0.0.1:6379/5"
LIVE_REDIS_RESULTS = "redis://127.0.0.1:6379/6"
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# Smaller blocks than production (5,000) so a 2,000-trial run reports progress block by block.
LIVE_TIMINGS = {
    "FORECAST_BLOCK_TRIALS": "500",
    "FORECAST_HEARTBEAT_SECONDS": "2",
    "FORECAST_STALE_SECONDS": "60",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _clean_environment() -> dict[str, str]:
    """This process's environment without the settings a stack chooses for itself."""
    dropped = ("DATABASE_URL", "CELERY_", "DJANGO_", "FORECAST_", "PYTEST", "TEST_RABBITMQ")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env["DJANGO_SETTINGS_MODULE"] = "procurement.settings"
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


@dataclass
class Stack:
    """A running web server and worker; `url(path)` addresses the server."""

    name: str
    server: str  # "runserver" or "gunicorn"
    env: dict[str, str]
    workdir: Path
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    cleanups: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`manage.py ARGS` against this stack's database and settings."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self) -> Stack:
        self.manage("migrate", "--noinput")
        self.manage("seed_demo", "--password", DEMO_PASSWORD)
        if self.server == "gunicorn":
            self.manage("collectstatic", "--noinput", "--verbosity", "0")
        self._launch(
            "worker",
            [
                sys.executable, "-m", "celery", "-A", "procurement", "worker", "-B", "--loglevel", "INFO",
                "--concurrency", "1", "--hostname", f"live-{self.name}@%h",
                "--schedule", str(self.workdir / "beat-schedule"),
            ],
        )  # fmt: skip
        if self.server == "runserver":
            web = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"]
        else:
            web = [
                str(BIN / "gunicorn"), "procurement.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                "--workers", "2", "--timeout", "60", "--access-logfile", "-",
            ]  # fmt: skip
        self._launch("web", web)
        self._wait_until_serving(timeout=60)
        self._wait_for_log("worker", "ready.", timeout=90)
        return self

    def _launch(self, role: str, argv: list[str]) -> None:
        with (self.workdir / f"{role}.log").open("ab") as log:
            self.processes[role] = subprocess.Popen(
                argv, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log(self, role: str) -> str:
        path = self.workdir / f"{role}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def tails(self, lines: int = 30) -> str:
        parts = []
        for role in self.processes:
            tail = "\n".join(self.log(role).splitlines()[-lines:])
            parts.append(f"--- {self.name} {role} log (last {lines} lines) ---\n{tail}")
        return "\n".join(parts)

    def _check_alive(self) -> None:
        for role, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{self.name} {role} exited with {process.returncode}:\n{self.tails()}")

    def _wait_until_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} web server not serving after {timeout:.0f} s:\n{self.tails()}")

    def _wait_for_log(self, role: str, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if text in self.log(role):
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} {role}: no {text!r} after {timeout:.0f} s:\n{self.tails()}")

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        for description, argv in self.cleanups:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            if result.returncode != 0:
                print(f"cleanup {description} failed: {result.stderr}", file=sys.stderr)


def embedded_stack(workdir: Path) -> Stack:
    env = {
        **_clean_environment(),
        **LIVE_TIMINGS,
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "CELERY_EMBEDDED_DIR": str(workdir / "celery"),
    }
    return Stack(name="embedded", server="runserver", env=env, workdir=workdir)


def services_stack(workdir: Path) -> Stack:
    database = f"commitments_live_{os.getpid()}"
    env = {
        **_clean_environment(),
        **LIVE_TIMINGS,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; TLS ends at the proxy in production
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "CELERY_BROKER_URL": LIVE_REDIS_BROKER,
        "CELERY_RESULT_BACKEND": LIVE_REDIS_RESULTS,
        # A queue of its own: a worker of another stack on the same Redis (a run killed half-way, say)
        # would take its tasks and run them against another database.
        "CELERY_TASK_DEFAULT_QUEUE": f"live-{database}",
    }
    stack = Stack(name="services", server="gunicorn", env=env, workdir=workdir)
    psql = ["psql", POSTGRES_ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-qc"]
    subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{database}"'], check=True, capture_output=True)
    subprocess.run([*psql, f'CREATE DATABASE "{database}"'], check=True, capture_output=True)
    subprocess.run(["redis-cli", "-n", "5", "flushdb"], check=True, capture_output=True)
    stack.cleanups.append(("drop database", [*psql, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)']))
    return stack
