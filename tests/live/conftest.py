"""Fixtures for the journeys through a real server: the stack of this CI pass, a browser, screenshots.

The embedded pass (SQLite, `make test` with nothing configured) drives the embedded stack (runserver and a
worker on the filesystem broker); the PostgreSQL pass of CI (DATABASE_URL=postgres://...) drives the
services stack (gunicorn, PostgreSQL, Redis, a worker). What a stack needs and lacks is a skip on a
developer's machine and a failure under CI, like the service tests.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.live.stack import REPO, Stack, embedded_stack, services_stack

SCREENSHOTS = REPO / "out" / "journeys"  # out/ is ignored by git; CI keeps nothing of it
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"needed by the live journeys under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _postgres_pass() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The running service of this pass, started once for all journeys."""
    workdir = tmp_path_factory.mktemp("live")
    if _postgres_pass():
        for tool in ("psql", "redis-cli"):
            if shutil.which(tool) is None:
                unavailable(f"{tool} is not installed")
        started = services_stack(workdir)
    else:
        started = embedded_stack(workdir)
    try:
        started.start()
    except Exception as error:
        started.stop()
        pytest.fail(f"the {started.name} stack did not start: {error}", pytrace=False)
    yield started
    started.stop()


@dataclass
class Journey:
    """Steps of one journey: their times, and a screenshot of each browser step under out/journeys/."""

    name: str
    stack: Stack
    steps: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    _last: float = field(default_factory=time.monotonic)

    @property
    def folder(self) -> Path:
        return SCREENSHOTS / self.stack.name / self.name

    def step(self, description: str, page: Any = None, *, full_page: bool = False) -> None:
        now = time.monotonic()
        entry: dict[str, Any] = {"step": len(self.steps) + 1, "what": description}
        entry["seconds"] = now - self._last
        if page is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            slug = "".join(c if c.isalnum() else "-" for c in description.lower()).strip("-")[:50]
            path = self.folder / f"{len(self.steps) + 1:02d}-{slug}.png"
            page.screenshot(path=str(path), full_page=full_page)
            entry["screenshot"] = str(path.relative_to(REPO))
        self.steps.append(entry)
        self._last = time.monotonic()

    def finish(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        summary = {
            "journey": self.name,
            "stack": self.stack.name,
            "steps": len(self.steps),
            "seconds": round(time.monotonic() - self.started, 1),
            "each": [{**step, "seconds": round(step["seconds"], 2)} for step in self.steps],
        }
        (self.folder / "journey.json").write_text(json.dumps(summary, indent=2))
        print(f"\n{self.stack.name} {self.name}: {summary['steps']} steps in {summary['seconds']} s")


@pytest.fixture
def journey(request: pytest.FixtureRequest, stack: Stack) -> Iterator[Journey]:
    name = request.node.name.removeprefix("test_")
    record = Journey(name=name, stack=stack)
    shutil.rmtree(record.folder, ignore_errors=True)
    yield record
    record.finish()


@pytest.fixture(scope="session")
def browser(stack: Stack) -> Iterator[Any]:
    """Debian's chromium driven by Playwright (its own browser download cannot work on these machines)."""
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        unavailable("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (requirements/dev.txt)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    """A fresh browser context (no cookies) with a viewport a laptop has."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=stack.base_url)
    context.set_default_timeout(20_000)
    opened = context.new_page()
    yield opened
    context.close()
