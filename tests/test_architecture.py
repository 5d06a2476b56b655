"""Dependencies point one way (docs/architecture.md#dependencies): the import-linter contracts of
pyproject.toml hold, no import cycle exists between any modules of ours, and the web processes never load
the engine's computing modules."""

from __future__ import annotations

import graphlib
import json
import os
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from forecasting.services import enqueue

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("procurement", "forecasting", "reports")


def test_the_import_linter_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(linter), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Contracts: 3 kept, 0 broken." in out.stdout


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """Every import between our modules, deferred (function-level) ones included, `TYPE_CHECKING` ones not."""
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def test_no_module_imports_itself_back_through_any_chain(graph: grimp.ImportGraph) -> None:
    """Finer than the siblings contract: a package's `__init__` and its own modules count as well."""
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    try:
        graphlib.TopologicalSorter(imports).prepare()
    except graphlib.CycleError as error:
        pytest.fail("import cycle: " + " -> ".join(error.args[1]))


def test_a_cycle_is_found_when_there_is_one(graph: grimp.ImportGraph) -> None:
    """The check above can fail: an import from the services back to the tasks closes a cycle."""
    graph.add_import(importer="forecasting.services.starting", imported="forecasting.tasks")
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter(imports).prepare()
    graph.remove_import(importer="forecasting.services.starting", imported="forecasting.tasks")


def test_the_web_app_registers_the_tasks_without_loading_the_engines_computing_modules() -> None:
    """The services enqueue tasks by name, so the tasks must be registered in every process; the engine
    (SciPy, seconds to import) must not be loaded where no forecast is computed."""
    code = """
import json, sys
import django
django.setup()
from celery import current_app
from django.contrib import admin
from django.urls import get_resolver
get_resolver().url_patterns  # the URLconf, and every admin module through it
admin.autodiscover()
print(json.dumps({
    "tasks": sorted(name for name in current_app.tasks if name.startswith("forecasting.")),
    "engine": sorted(m for m in sys.modules if m.startswith("forecasting.engine.")),
}))
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "procurement.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    names = [enqueue.EXECUTE_FORECAST, enqueue.MERGE_CHUNKS, enqueue.REAP_RUNS, enqueue.RUN_CHUNK]
    assert loaded["tasks"] == sorted(names)
    computing = {"forecasting.engine.forecast", "forecasting.engine.plan", "forecasting.engine.blocks"}
    assert computing.isdisjoint(loaded["engine"]), loaded["engine"]
