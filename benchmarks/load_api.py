"""Load check of `GET /api/v1/forecasts/{id}/` served by gunicorn (a benchmark, not a timed test).

Run: `.venv/bin/python -m benchmarks.load_api [--requests 4000] [--clients 8] [--workers 3]
[--result-file PATH | --trials N]`.

What it does, all on 127.0.0.1 and in a temporary folder: migrates a fresh SQLite database (the embedded
default: no DATABASE_URL, no broker; DEBUG off as in production), seeds an organization, a member with
an API token, the demo scenario and one succeeded run whose result is either a real engine result of the
demo scenario (default) or a result JSON file; starts gunicorn; then a few client processes send a
bounded number of token-authenticated requests for that run, one request at a time each (closed loop),
and it prints requests/s and p50/p95/p99 latency. Target (issue 4): at least 200 requests/s with p99
under 100 ms on a 2-core machine, clients and server sharing the cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil  # dev requirement: CPU time of the gunicorn processes

ROOT = Path(__file__).resolve().parent.parent
DEMO_SCENARIO = ROOT / "procurement" / "demo" / "demo_scenario.json"
TARGET_REQUESTS_PER_S = 200.0
TARGET_P99_MS = 100.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=4000, help="measured requests in total (bounded)")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first")
    parser.add_argument("--clients", type=int, default=8, help="client processes, one request in flight each")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (>1: gthread)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=600,
        help="seconds a worker keeps its SQLite connection (DATABASE_URL ?conn_max_age=); 0: one per request",
    )
    parser.add_argument("--trials", type=int, default=20_000, help="trials of the seeded engine result")
    parser.add_argument(
        "--result-file", type=Path, help="seed this result JSON instead of running the engine"
    )
    return parser.parse_args()


def server_environment(folder: Path, conn_max_age: int = 0) -> dict[str, str]:
    """The embedded default (SQLite, tasks in-process) with production's DEBUG off, on loopback only.

    A new SQLite connection re-reads the schema on its first query (about 2.5 ms a request here), so the
    workers keep theirs: `conn_max_age` in DATABASE_URL, which django-environ maps to CONN_MAX_AGE.
    """
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'load.sqlite3'}?conn_max_age={conn_max_age}",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback; no TLS terminator in front
        DJANGO_STATIC_ROOT=str(folder / "static"),
        DJANGO_LOG_LEVEL="WARNING",
        OPENBLAS_NUM_THREADS="1",
    )
    return env


def seed(args: argparse.Namespace) -> tuple[str, int, int]:
    """Migrate, then create the member, token, scenario and succeeded run: (token, run id, result bytes)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.contrib.auth import get_user_model

    from procurement.models import ApiToken, Membership, Organization, PriceCatalog, Role
    from procurement.services import save_scenario

    organization = Organization.objects.create(slug="load", name="Load check")
    user = get_user_model().objects.create(username="load-client")
    Membership.objects.create(user=user, organization=organization, role=Role.VIEWER)
    _, secret = ApiToken.objects.issue(user, "load check")
    document = json.loads(DEMO_SCENARIO.read_text())
    scenario = save_scenario(organization, document)
    result = _result(args, document, PriceCatalog.objects.default())
    run = _succeeded_run(scenario, result)
    return secret, run.pk, len(json.dumps(result))


def _result(args: argparse.Namespace, document: dict[str, Any], catalog: Any) -> dict[str, Any]:
    if args.result_file is not None:
        loaded: dict[str, Any] = json.loads(args.result_file.read_text())
        return loaded
    from forecasting.services import forecast_document

    started = time.perf_counter()
    try:
        result = forecast_document(document, catalog=catalog, trials=args.trials)
    except Exception as error:
        sys.exit(f"The engine failed ({error!r}); seed a stored result instead with --result-file PATH.")
    print(
        f"seeded a real engine result of the demo scenario ({args.trials:,} trials, "
        f"{time.perf_counter() - started:.1f} s)"
    )
    return result


def _succeeded_run(scenario: Any, result: dict[str, Any]) -> Any:
    from django.utils import timezone

    from forecasting.models import ForecastRun
    from procurement.models import catalog_snapshot
    from procurement.services import scenario_to_document

    trials = result.get("simulation", {}).get("trials", 20_000)
    now = timezone.now()
    return ForecastRun.objects.create(
        organization=scenario.organization,
        scenario=scenario,
        scenario_name=scenario.name,
        status=ForecastRun.Status.SUCCEEDED,
        progress=1.0,
        trials=trials,
        seed=result.get("simulation", {}).get("seed", 7),
        block_trials=5_000,
        blocks_total=1,
        blocks_done=1,
        scenario_snapshot=scenario_to_document(scenario),
        catalog_snapshot=catalog_snapshot(scenario.price_catalog),
        result=result,
        started_at=now,
        finished_at=now,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_gunicorn(env: dict[str, str], port: int, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "procurement.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--log-level", "warning",
        "--backlog", "1024",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz", {})[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer /healthz within 30 s")


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, int]:
    """One request on a fresh connection (sync workers close it after each answer): (status, bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


Job = tuple[int, str, dict[str, str], int]
ClientResult = tuple[list[float], list[int], float, float, float]


def client(job: Job) -> ClientResult:
    """Send `count` requests one after another: latencies (s), statuses, first start, last end, CPU (s)."""
    port, path, headers, count = job
    latencies, statuses = [], []
    cpu, first = time.process_time(), time.monotonic()
    for _ in range(count):
        started = time.monotonic()
        status, _ = get(port, path, headers)
        latencies.append(time.monotonic() - started)
        statuses.append(status)
    return latencies, statuses, first, time.monotonic(), time.process_time() - cpu


def server_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """User + system CPU of the gunicorn master and its workers so far."""
    master = psutil.Process(server.pid)
    processes = [master, *master.children(recursive=True)]
    return sum(sum(process.cpu_times()[:2]) for process in processes)


def hammer(
    server: subprocess.Popen[bytes], port: int, path: str, headers: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    per_client = max(args.requests // args.clients, 1)
    jobs = [(port, path, headers, per_client)] * args.clients
    with multiprocessing.get_context("fork").Pool(args.clients) as pool:
        server_cpu = server_cpu_seconds(server)
        results = pool.map(client, jobs)
        server_cpu = server_cpu_seconds(server) - server_cpu
    latencies = sorted(latency for result in results for latency in result[0])
    statuses = [status for result in results for status in result[1]]
    elapsed = max(result[3] for result in results) - min(result[2] for result in results)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
        "max_ms": latencies[-1] * 1000,
        "statuses": {status: statuses.count(status) for status in sorted(set(statuses))},
        "server_cpu_ms": server_cpu / len(latencies) * 1000,
        "client_cpu_ms": sum(result[4] for result in results) / len(latencies) * 1000,
    }


def report(figures: dict[str, Any], path: str, result_bytes: int, args: argparse.Namespace) -> bool:
    met = figures["requests_per_s"] >= TARGET_REQUESTS_PER_S and figures["p99_ms"] < TARGET_P99_MS
    kind = f"{args.workers} sync workers" if args.threads == 1 else f"{args.workers}x{args.threads} gthread"
    print(
        f"GET {path}  (result {result_bytes / 1024:.1f} KiB of JSON; gunicorn {kind}; "
        f"{args.clients} client processes; conn_max_age {args.conn_max_age}; {os.cpu_count()} CPUs)"
    )
    print(
        f"requests     {figures['requests']:,} in {figures['seconds']:.2f} s, statuses {figures['statuses']}"
    )
    print(f"throughput   {figures['requests_per_s']:.0f} requests/s")
    print(
        f"latency ms   p50 {figures['p50_ms']:.1f}   p95 {figures['p95_ms']:.1f}   "
        f"p99 {figures['p99_ms']:.1f}   max {figures['max_ms']:.1f}"
    )
    cpu_ms = figures["server_cpu_ms"] + figures["client_cpu_ms"]
    server, clients, alone = (
        figures["server_cpu_ms"],
        figures["client_cpu_ms"],
        (os.cpu_count() or 1) * 1000 / cpu_ms,
    )
    print(f"CPU ms       server {server:.2f} + clients {clients:.2f} per request")
    print(f"capacity     {alone:.0f} requests/s if these processes had the CPUs to themselves")
    print(f"load average {figures['load_before']:.2f} before the run (other processes on this machine)")
    print(
        f"target       >= {TARGET_REQUESTS_PER_S:.0f} requests/s and p99 < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if met else 'NOT met'}"
    )
    return met and set(figures["statuses"]) == {200}


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="load_api_") as folder:
        env = server_environment(Path(folder), args.conn_max_age)
        os.environ.update(env)
        secret, run_id, result_bytes = seed(args)
        port = free_port()
        server = start_gunicorn(env, port, args)
        try:
            path = f"/api/v1/forecasts/{run_id}/"
            headers = {"Authorization": f"Token {secret}", "Accept": "application/json"}
            for _ in range(args.warmup):
                assert get(port, path, headers)[0] == 200, "the seeded run is not readable"
            load_before = os.getloadavg()[0]
            figures = {**hammer(server, port, path, headers, args), "load_before": load_before}
        finally:
            server.terminate()
            server.wait(timeout=30)
    sys.exit(0 if report(figures, path, result_bytes, args) else 1)


if __name__ == "__main__":
    main()
