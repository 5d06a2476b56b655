"""Real `celery worker` and `celery beat` processes for the service tests, started and killed by pid.

Each process gets its own session (process group), so SIGKILL to the group takes the worker's main process
and its pool children down together, as a machine losing the worker would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORKER_APP = "tests.real_services.worker_app"
# Short timings for the workers under test (production defaults: 30 s heartbeat, 300 s stale, 60 s reaper).
FAST_TIMINGS = {
    "FORECAST_HEARTBEAT_SECONDS": "0.5",
    "FORECAST_STALE_SECONDS": "3",
    "FORECAST_REAPER_SECONDS": "1",
    "FORECAST_BLOCK_TRIALS": "500",
    "FORECAST_CHUNK_BLOCKS": "100",
}


@dataclass
class CeleryProcess:
    """One `celery worker` or `celery beat` process writing its log to `log_path`."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, *, ready_text: str, timeout: float = 90.0) -> CeleryProcess:
        self.launch()
        self.wait_ready(ready_text, timeout=timeout)
        return self

    def launch(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", WORKER_APP, *self.argv],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def wait_ready(self, text: str, *, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.tail()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown, no acknowledgement, no cleanup."""
        self._signal_group(signal.SIGKILL)
        self._reap(timeout=10)

    def stop(self) -> None:
        """Cold shutdown (SIGQUIT): the test's runs are finished, nothing is left to wait for."""
        if self.process is None or self.process.poll() is not None:
            return
        self._signal_group(signal.SIGQUIT)
        if not self._reap(timeout=10):
            self.kill()

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)

    def _reap(self, *, timeout: float) -> bool:
        assert self.process is not None
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True


def worker(name: str, env: dict[str, str], log_dir: Path, *, concurrency: int = 1) -> CeleryProcess:
    argv = [
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        f"--hostname={name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]
    return CeleryProcess(name, argv, env, log_dir / f"{name}.log")


def beat(env: dict[str, str], log_dir: Path) -> CeleryProcess:
    schedule = log_dir / "beat-schedule"
    argv = ["beat", f"--schedule={schedule}", "--pidfile=", "--loglevel=INFO"]
    return CeleryProcess("beat", argv, env, log_dir / "beat.log")


def wait_until(condition: object, *, timeout: float, every: float = 0.05, what: str = "condition") -> float:
    """Poll `condition()` until true; the seconds it took. AssertionError after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(every)
    raise AssertionError(f"{what} not reached within {timeout:.0f} s")
