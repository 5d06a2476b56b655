"""The apply preview's time on the demo scenario (issue 13, item 6: under 2 s).

`python -m benchmarks.preview_bench`, in `make bench`.

Against a throwaway SQLite database (migrations install the shipped catalog): the demo scenario saved, the
13 ccusage fixture files imported as the team Platform, then `forecasting.services.preview.preview_fit`
of that fit on the demo's Platform, timed whole (two quick forecasts of 5,000 trials, forecast and
decisions only, plus validation and database reads). The first preview of a fresh process also imports the
engine's computing modules (SciPy), as the first preview after a web worker starts does; the warm figure is
the median of the next five. A measured target, so a benchmark and not a timed test.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent / "procurement" / "demo" / "demo_scenario.json"
CCUSAGE = sorted((HERE.parent / "tests" / "fixtures" / "usage" / "ccusage").glob("eng-*.json"))
TARGET_SECONDS = 2.0
WARM_RUNS = 5


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from forecasting.services.preview import preview_fit
        from procurement.models import Organization
        from procurement.services import save_scenario
        from procurement.usage.importing import Upload, import_usage

        call_command("migrate", verbosity=0)
        organization = Organization.objects.create(name="Bench", slug="bench")
        scenario = save_scenario(organization, json.loads(DEMO.read_text()))
        uploads = [Upload(name=path.name, content=path.read_bytes()) for path in CCUSAGE]
        usage_import = import_usage(organization, uploads, team="Platform").usage_import

        def timed() -> tuple[float, float]:
            started = time.perf_counter()
            preview = preview_fit(usage_import, scenario, team="Platform")
            return time.perf_counter() - started, preview.subject.change

        cold, change = timed()
        warm = statistics.median(timed()[0] for _ in range(WARM_RUNS))
    print("| apply preview, demo scenario (Platform, 2 x 5,000 trials) | seconds | target |")
    print("|---|---|---|")
    for name, seconds in (
        ("first in a fresh process (engine import included)", cold),
        (f"warm, median of {WARM_RUNS}", warm),
    ):
        verdict = "met" if seconds < TARGET_SECONDS else "MISSED"
        print(f"| {name} | {seconds:.2f} | < {TARGET_SECONDS:.0f} s: {verdict} |")
    print(f"\n(Platform's expected seat cost change with the fit: {change:+,.0f} USD)")


if __name__ == "__main__":
    main()
