"""The plain data the PDF brief is rendered from (built from a stored forecast run by `reports.services`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BriefData:
    """Everything the brief shows. No ORM objects, no clock: the same data always gives the same PDF.

    `generated_on` is the run's finish date as text (not "now"). `catalog` is the catalog snapshot the run
    used: `{"slug", "as_of", "models": [...], "plans": [...], "usage_presets": [...]}`, each row with its
    `source`. `result` is the DESIGN section 7 result dict.
    """

    organization_name: str
    scenario_name: str
    run_id: int | str
    generated_on: str
    catalog: Mapping[str, Any]
    result: Mapping[str, Any]
