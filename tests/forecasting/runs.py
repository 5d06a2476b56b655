"""Helpers shared by the forecast-run tests (unit and real-service)."""

from __future__ import annotations

import copy
from typing import Any

from tests.conftest import MINIMAL_DOCUMENT

SMALL_TRIALS = 2_000
BLOCK_TRIALS = 1_000


def fast_document() -> dict[str, Any]:
    """12 months, one API feature with levers, no team: a 2,000-trial forecast takes about 0.1 s."""
    document = copy.deepcopy(MINIMAL_DOCUMENT)
    document["term_months"] = 12
    document["teams"] = []
    document["features"] = document["features"][:1]
    document["simulation"] = {"trials": SMALL_TRIALS, "seed": 7}
    return document


def seated_document() -> dict[str, Any]:
    """The fast document plus one 20-engineer team, so runs exercise the seat path too (~0.5 s a block)."""
    document = fast_document()
    document["teams"] = copy.deepcopy(MINIMAL_DOCUMENT["teams"][1:])
    return document


def without_seconds(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """The result minus its wall time, the one key that differs between two computations of a run."""
    if result is None:
        return None
    trimmed = copy.deepcopy(result)
    del trimmed["simulation"]["seconds"]
    return trimmed
