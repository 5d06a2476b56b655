"""`make bench`: every benchmark of the project, timed with hyperfine where a whole command is timed.

Cases (docs/quality.md and issue 3 targets): the demo's full result on one core; the large reference
scenario's forecast and decisions on one core and on two processes, and its full result; the seat path
fast vs brute force; the API path alone; the PDF brief; the apply preview of a usage fit. Figures are
printed as a table and written to `benchmarks/results/latest.md`; the README records them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PY = sys.executable

# (name, arguments, hyperfine runs, engine runs): the engine's seconds are the median of its runs, each a
# fresh process (run-to-run spread here is about 5%, so the two-process speed-up is taken from medians).
ENGINE_CASES = [
    ("demo full, 1 core", ["demo"], 3, 3),
    ("large core, 1 core", ["large", "--core"], 1, 3),
    ("large core, 2 processes", ["large", "--core", "--processes", "2"], 1, 3),
    ("large full, 1 core", ["large"], 1, 1),
]


def hyperfine(name: str, command: str, runs: int) -> dict[str, float]:
    """Wall time of a whole command (interpreter start included) by hyperfine; JSON export parsed."""
    export = RESULTS / "hyperfine.json"
    subprocess.run(
        [
            "hyperfine",
            "--runs",
            str(runs),
            "--warmup",
            "0",
            "--style",
            "none",
            "--export-json",
            str(export),
            command,
        ],
        check=True,
    )
    timing = json.loads(export.read_text())["results"][0]
    return {"mean_s": timing["mean"], "min_s": timing["min"], "max_s": timing["max"]}


def engine_case(args: list[str], runs: int) -> dict[str, Any]:
    """The case's JSON line from its median run (by engine seconds), with every run's seconds."""
    details = []
    for _ in range(runs):
        out = subprocess.run(
            [PY, "-m", "benchmarks.engine_case", *args], check=True, capture_output=True, text=True
        )
        details.append(json.loads(out.stdout.strip().splitlines()[-1]))
    details.sort(key=lambda d: d["engine_seconds"])
    median: dict[str, Any] = details[len(details) // 2]
    median["all_engine_seconds"] = [d["engine_seconds"] for d in details]
    return median


def main() -> None:
    if shutil.which("hyperfine") is None:
        sys.exit("hyperfine is missing: apt-get install hyperfine (make bench does this on Debian)")
    subprocess.run([PY, "-m", "benchmarks.prepare"], check=True)
    rows = []
    for name, args, runs, engine_runs in ENGINE_CASES:
        detail = engine_case(args, engine_runs)
        wall = hyperfine(name, f"{PY} -m benchmarks.engine_case {' '.join(args)}", runs)
        rows.append((name, detail, wall))
        print(f"{name}: {detail} wall {wall}", flush=True)
    lines = [
        "| case | trials | engine s (median; all runs) | whole command s (hyperfine mean) | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    for name, detail, wall in rows:
        runs_text = ", ".join(f"{s:.2f}" for s in detail["all_engine_seconds"])
        lines.append(
            f"| {name} | {detail['trials']:,} | {detail['engine_seconds']:.2f} ({runs_text}) "
            f"| {wall['mean_s']:.2f} | {detail['peak_rss_mb']} |"
        )
    seconds = {name: detail["engine_seconds"] for name, detail, _ in rows}
    one, two = seconds["large core, 1 core"], seconds["large core, 2 processes"]
    lines.append(f"\nLarge core on two processes: {one / two:.2f}x faster than on one (medians).")
    for script in ("seat_path_bench", "api_path_bench", "brief_bench", "parser_bench", "preview_bench"):
        print(f"\n== benchmarks.{script}", flush=True)
        subprocess.run([PY, "-m", f"benchmarks.{script}"], check=True)
    (RESULTS / "latest.md").write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
