"""The strict JSON parser on hostile bodies at the 2 MB size limit: best of five, target under 1 s each.

`python -m benchmarks.parser_bench`. The shapes are those that once made the parser quadratic
(tests/api/test_parser_time.py, which checks the linear growth; the absolute time is a target, so it is
measured here rather than asserted in a test).
"""

from __future__ import annotations

import os

import django

TARGET_SECONDS = 1.0


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    django.setup()
    from tests.api.test_parser_time import LIMIT_BYTES, SHAPES, best_seconds

    print("| hostile body (2 MB) | best of 5, s | target |")
    print("|---|---|---|")
    for name, make in SHAPES.items():
        seconds = best_seconds(make(LIMIT_BYTES)[:LIMIT_BYTES])[0]
        verdict = "met" if seconds < TARGET_SECONDS else "MISSED"
        print(f"| {name} | {seconds:.3f} | < {TARGET_SECONDS:.0f} s: {verdict} |")


if __name__ == "__main__":
    main()
