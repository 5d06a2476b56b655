"""Schemathesis against the live gunicorn on PostgreSQL (CI's PostgreSQL pass), from /api/schema/.

Every check (`--checks all`), a fixed seed so a failure can be replayed (`st run ... --seed`), a time
budget of a few minutes. It fuzzes as an editor of an organization of its own (one active run at most,
so the forecasts it starts do not swamp the worker). The test holds the server to what matters for
hostile input: no 5xx among the requests it answered and no worker timeout; the other checks' findings
(a schema-valid body the validator refuses on a rule the schema cannot state, say) are written to
out/journeys/services/schemathesis.txt with the count of requests.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.live.conftest import SCREENSHOTS
from tests.live.stack import BIN, Stack

pytestmark = pytest.mark.live
SEED = "20261204"
BUDGET_SECONDS = "150"
_ACCESS = re.compile(r'"[A-Z]+ \S+ HTTP/1\.[01]" (\d{3}) ')


def test_schemathesis_finds_no_server_error_on_live_gunicorn(stack: Stack) -> None:
    if stack.server != "gunicorn":
        pytest.skip("fuzzing runs against gunicorn on PostgreSQL, in CI's PostgreSQL pass")
    token = stack.manage(
        "create_api_token", "fuzzer", "--org", "fuzz", "--create-org", "--role", "editor"
    ).stdout.strip()
    stack.manage(
        "shell",
        "-c",
        "from procurement.models import Organization; "
        "Organization.objects.filter(slug='fuzz').update(max_active_runs=1)",
    )
    before = len(stack.log("web").splitlines())
    run = subprocess.run(
        [
            str(BIN / "st"), "run", stack.url("/api/schema/?format=json"), "--url", stack.base_url,
            "-H", f"Authorization: Token {token}", "--checks", "all", "--seed", SEED,
            "--max-examples", "20", "--max-time", BUDGET_SECONDS, "--request-timeout", "20",
            "--continue-on-failure", "--no-color", "--workers", "1",
        ],
        capture_output=True, text=True, timeout=int(BUDGET_SECONDS) + 240,
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert "Test cases:" in output, output[-3000:]  # it ran to its summary
    served = [_ACCESS.search(line) for line in stack.log("web").splitlines()[before:]]
    statuses = [int(match.group(1)) for match in served if match]
    server_errors = [status for status in statuses if status >= 500]
    summary = output[output.rfind("SUMMARY") - 40 :] if "SUMMARY" in output else output[-3000:]
    report = (
        f"schemathesis --checks all --seed {SEED} --max-examples 20 --max-time {BUDGET_SECONDS} against "
        f"gunicorn on PostgreSQL: {len(statuses):,} requests answered, {len(server_errors)} with 5xx, "
        f"worker timeouts: {stack.log('web').count('WORKER TIMEOUT')}\n\n{summary}"
    )
    SCREENSHOTS.joinpath(stack.name).mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.joinpath(stack.name, "schemathesis.txt").write_text(report)
    SCREENSHOTS.joinpath(stack.name, "schemathesis-full.txt").write_text(output)
    print("\n" + report.splitlines()[0])
    assert len(statuses) > 1_000  # it really fuzzed
    assert server_errors == [], report
    assert "WORKER TIMEOUT" not in stack.log("web")
    assert "Server error" not in output, output[-3000:]
