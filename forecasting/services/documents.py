"""One preparation of a scenario document for a forecast, whichever way the document arrives.

`prepare_document` is the only place a document becomes what a forecast computes: the requested trials and
seed applied, validated once against its price catalog with every default filled in (docs/scenario.md),
and a new seed chosen when none is given. The API and the admin's "Run forecast" reach it through
`start_forecast` (the scenario's rows read back as a document), the CLI and `forecast_document` directly;
a run then computes its stored snapshot of the prepared document, never the document again.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass
from typing import Any

from procurement.models import PriceCatalog
from procurement.services import validate_document


@dataclass(frozen=True)
class PreparedDocument:
    """A validated, normalised scenario document with its trials and seed settled, and its price catalog."""

    document: dict[str, Any]
    catalog: PriceCatalog

    @property
    def trials(self) -> int:
        trials: int = self.document["simulation"]["trials"]
        return trials

    @property
    def seed(self) -> int:
        seed: int = self.document["simulation"]["seed"]
        return seed


def prepare_document(
    document: object,
    *,
    trials: int | None = None,
    seed: int | None = None,
    catalog: PriceCatalog | None = None,
) -> PreparedDocument:
    """The document ready to forecast, or ScenarioValidationError listing every problem by field path.

    `trials` and `seed` (None: the document's) replace the document's `simulation` values before validation,
    so their bounds are checked like the rest. The document is checked against `catalog`, or by default the
    catalog it names (the default catalog when it names none). Without a seed anywhere, a new one is chosen.
    """
    normalised, catalog = validate_document(
        with_simulation(document, trials=trials, seed=seed), catalog=catalog
    )
    if normalised["simulation"]["seed"] is None:
        normalised["simulation"]["seed"] = new_seed()
    return PreparedDocument(normalised, catalog)


def with_simulation(document: object, *, trials: int | None, seed: int | None) -> object:
    """A copy of the (not yet validated) document with the given trials and seed in `simulation`."""
    document = copy.deepcopy(document)
    given = {k: v for k, v in {"trials": trials, "seed": seed}.items() if v is not None}
    if isinstance(document, dict) and given:
        simulation = document.setdefault("simulation", {})
        if isinstance(simulation, dict):  # anything else is the validator's to report
            simulation.update(given)
    return document


def new_seed() -> int:
    """32 random bits: a fresh stream per run, and a seed short enough to read out and type back."""
    return secrets.randbits(32)
