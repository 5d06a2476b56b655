"""A result in a few lines: what the CLI prints and the admin shows next to a finished run."""

from __future__ import annotations

from typing import Any


def summary_lines(result: dict[str, Any]) -> list[str]:
    """Recommended commitment per period, the range and walk-aways, the top asks, seat mix per team, total
    expected cost with its p5–p95."""
    lines = ["API commitment per period:"]
    for period in result["api"]["periods"]:
        rec = period["recommended"]
        lines.append(
            f"  period {period['index'] + 1} ({period['start_month']}, {period['months']} months): "
            f"commit {_usd(rec['commitment'])} at {rec['discount']:.0%} discount, "
            f"expected cost {_usd(rec['expected_cost'])}, "
            f"chance some goes unused {rec['probability_unused']:.0%}"
        )
    lines += _planned_lines(result.get("planned_levers"))
    lines += _negotiation_lines(result.get("negotiation"))
    lines.append("Seat mix per team:")
    for team in result["seats"]["teams"]:
        mix = [_mix_part(part) for part in team["mix"] if part["share"] > 0]
        lines.append(f"  {team['name']}: " + ("; ".join(mix) or "no seats"))
    total = result["total"]
    lines.append(
        f"Total expected cost: {_usd(total['expected_cost'])} "
        f"(p5 {_usd(total['cost']['p5'])} – p95 {_usd(total['cost']['p95'])})"
    )
    return lines


def _planned_lines(planned: dict[str, Any] | None) -> list[str]:
    """The planned levers the commitment is sized on, and the unoptimised answer beside it."""
    if not planned:
        return []
    levers = ", ".join(f"{p['lever']} from {p['start_month']}" for p in planned["levers"])
    unoptimised = " / ".join(_usd(c) for c in planned["unoptimised_commitments"])
    return [
        f"Sized on the planned levers ({levers}); sized on today's spend it would be {unoptimised}, "
        f"costing {_usd(planned['cost_of_committing_before_levers_land'])} more once they land "
        f"(if they slip, the recommendation costs {_usd(planned['cost_if_levers_slip'])} more)"
    ]


def _negotiation_lines(deal: dict[str, Any] | None) -> list[str]:
    """The recommended range, the walk-away points and the top three priced asks
    (docs/result.md#negotiation)."""
    if not deal:
        return []
    lines = [f"Recommended range (expected cost within {deal['tolerance']:.2%} of the least):"]
    for r, w in zip(deal["ranges"], deal["walk_away"], strict=True):
        low, high = r["low"], r["high"]
        lines.append(
            f"  period {r['index'] + 1}: {_usd(low['commitment'])} – {_usd(high['commitment'])} "
            f"(chance some goes unused {low['probability_unused']:.0%} – {high['probability_unused']:.0%})"
        )
        limits = []
        if w["band_floor"] is not None:
            limits.append(
                f"below {_usd(w['band_floor'])} the {r['recommended']['discount']:.0%} band is lost"
            )
        if w["above_list_commitment"] is not None:
            limits.append(f"above {_usd(w['above_list_commitment'])} committing costs more than paying list")
        if limits:
            lines.append("    walk away: " + "; ".join(limits))
    asks = [a for a in deal["asks"] if a["target_value"]][:3]
    if asks:
        lines.append("Top asks: " + "; ".join(f"{a['title']} ({_usd(a['target_value'])})" for a in asks))
    return lines


def _mix_part(part: dict[str, Any]) -> str:
    share = "<1%" if part["share"] < 0.005 else f"{part['share']:.0%}"
    if part["plan"] == "api":  # pay-per-token engineers hold no seat
        return f"api {share}"
    annual, monthly = part.get("annual_seats") or 0, part.get("expected_monthly_seats") or 0.0
    years = list(part.get("annual_seats_by_year") or [annual])
    # Counts re-chosen at each renewal read "5/7 annual" (first seat year / the next).
    counts = "/".join(f"{n:,}" for n in years) if len(set(years)) > 1 else f"{annual:,}"
    if annual and monthly:
        seats = f"{counts} annual + {monthly:,.1f} month-to-month seats on average"
    elif annual or monthly:
        seats = f"{counts} annual seats" if annual else f"{monthly:,.1f} month-to-month seats on average"
    else:
        return f"{part['plan']} {share}"
    return f"{part['plan']} {share} ({seats})"


def _usd(amount: float) -> str:
    return f"${amount:,.0f}"
