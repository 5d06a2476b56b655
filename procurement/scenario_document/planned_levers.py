"""`planned_levers`: the token levers a scenario plans to pull and the month each lands
(docs/scenario.md#planned-levers)."""

from __future__ import annotations

from typing import Any

from procurement.scenario_document.fields import (
    INVALID,
    Errors,
    Field,
    read_choice,
    read_list,
    read_month,
    read_object,
    valid,
)

PLANNED_LEVERS = ("model_mix", "cache_hit_rate", "batch_share")  # the token levers of a feature's `levers`


def read_planned_levers(raw: Any, path: str, errors: Errors) -> Any:
    """A list of `{lever, start_month}`, each lever at most once (so at most one entry per lever)."""
    fields = {
        "lever": Field(lambda v, p, e: read_choice(v, p, e, PLANNED_LEVERS)),
        "start_month": Field(read_month),
    }
    items = read_list(
        raw, path, errors, lambda v, p, e: read_object(v, p, e, fields), max_items=len(PLANNED_LEVERS)
    )
    if items is INVALID:
        return INVALID
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        lever = item["lever"] if valid(item) else INVALID
        if not valid(lever):
            continue
        first = seen.setdefault(lever, index)
        if first != index:
            errors.add(f"{path}[{index}].lever", f"{lever!r} is planned twice (also {path}[{first}])")
    return items


def month_offset(start_month: str, month: str) -> int:
    """Months from `start_month` to `month`, both "YYYY-MM" (negative when `month` is earlier)."""
    return (int(month[:4]) - int(start_month[:4])) * 12 + int(month[5:7]) - int(start_month[5:7])


def check_planned_levers(scenario: dict[str, Any], errors: Errors) -> None:
    """Each start month inside the term; each planned lever targeted by at least one feature."""
    planned, start, term = scenario["planned_levers"], scenario["start_month"], scenario["term_months"]
    if not valid(planned):
        return
    targeted = _targeted_levers(scenario["features"])
    for index, item in enumerate(planned):
        if not valid(item):
            continue
        month, lever = item["start_month"], item["lever"]
        if valid(month, start, term) and not 0 <= month_offset(start, month) < term:
            last = _add_months(start, term - 1)
            message = f"must be inside the term ({start}..{last}), got {month}"
            errors.add(f"planned_levers[{index}].start_month", message)
        if valid(lever) and targeted is not None and lever not in targeted:
            message = f"no feature sets a target for {lever!r}; set one in features[].levers.{lever}"
            errors.add(f"planned_levers[{index}].lever", message)


def _targeted_levers(features: Any) -> set[str] | None:
    """The levers some feature sets a target for; None when a feature failed validation (unknown)."""
    if not valid(features) or not all(valid(f) and valid(f["levers"]) for f in features):
        return None
    return {
        name for f in features if f["levers"] for name, target in f["levers"].items() if target is not None
    }


def _add_months(month: str, offset: int) -> str:
    total = int(month[:4]) * 12 + int(month[5:7]) - 1 + offset
    return f"{total // 12:04d}-{total % 12 + 1:02d}"
