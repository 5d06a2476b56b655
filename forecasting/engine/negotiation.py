"""The negotiation section: the recommended range, walk-away points and the negotiation sheet
(docs/decisions.md#negotiation).

Every dollar value is an expected saving over the term, re-optimised over the run's own samples (common
random numbers) the way the concessions are (docs/decisions.md#concessions); an ask the model cannot price
says so (`target_value` null) rather than guessing.
"""

from __future__ import annotations

from dataclasses import replace

from forecasting.engine.analyses import ROLLOVER_CONCESSION as ROLLOVER_OPENING
from forecasting.engine.analyses import lower_thresholds
from forecasting.engine.arrays import FloatArray
from forecasting.engine.combine import to_periods
from forecasting.engine.commitment import CommitmentDecision, optimise_commitment
from forecasting.engine.commitment.walk import RANGE_TOLERANCE, surroundings
from forecasting.engine.contract import Ask, Concession, Negotiation
from forecasting.engine.inputs import ApiContract, DiscountBand
from forecasting.engine.merge import Samples
from forecasting.engine.plan import RunPlan
from forecasting.engine.points import point_dict

RULE = (
    "The recommendation is the commitment with the least expected cost; the range around it costs at most "
    f"{RANGE_TOLERANCE:.2%} more over the term, so its low end trades a little expected cost for less "
    "chance of unused commitment and its high end for less overage."
)
DEPTH_OPENING_PP, DEPTH_TARGET_PP = 2, 1  # percentage points of discount asked for on every band
THRESHOLD_TARGET_CUT = 0.10  # band thresholds 10% lower: half the opening ask of the concessions (20%)
ROLLOVER_TARGET = 0.10  # a 10% rollover: a smaller ask than the opening
MAX_DISCOUNT = 0.99  # keeps (1 - d) positive when deepening a band
# Seat volume pricing: value is linear in the discount at the recommended seat order (a lower bound, the
# mix is not re-chosen), so these are illustrative asks whose value scales with the percentage.
SEAT_DISCOUNT_OPENING, SEAT_DISCOUNT_TARGET = 0.15, 0.10


class Pricer:
    """Expected saving over the term of a changed contract (or spend), re-optimised over the same trials."""

    def __init__(self, plan: RunPlan, api_periods: FloatArray, decision: CommitmentDecision, run_rate: float):
        self.plan, self.api_periods, self.decision, self.run_rate = plan, api_periods, decision, run_rate

    def optimum(self, contract: ApiContract, spend: FloatArray | None = None) -> CommitmentDecision:
        return optimise_commitment(
            self.api_periods if spend is None else spend,
            self.plan.periods,
            contract,
            run_rate_usd_per_month=self.run_rate,
            curves=False,
        )

    def saving(self, contract: ApiContract, spend: FloatArray | None = None, extra: float = 0.0) -> float:
        """Today's expected API cost (plus `extra` paid outside it) minus the optimum's under `contract`."""
        return self.decision.expected_cost_usd + extra - self.optimum(contract, spend).expected_cost_usd


def negotiation(
    plan: RunPlan,
    samples: Samples,
    api_periods: FloatArray,
    decision: CommitmentDecision,
    run_rate: float,
    concessions: list[Concession],
) -> Negotiation:
    """Range, walk-aways, the least discount, the value of a discount point and the negotiation sheet."""
    contract = plan.inp.api_contract
    commitments = [pd.recommended.commitment_usd for pd in decision.periods]
    around = surroundings(api_periods, plan.periods, contract, commitments)
    pricer = Pricer(plan, api_periods, decision, run_rate)
    committed = any(c > 0.0 for c in commitments)
    per_point = pricer.saving(_deeper(contract, 0.01)) if committed else None
    values: dict[str, float] = {c["name"]: float(c["expected_saving"]) for c in concessions}
    sheet = _api_asks(pricer, contract, around.least_discount, per_point, values)
    sheet += _claude_code_ask(pricer, samples, contract)
    sheet += _seat_asks(plan, samples, values)
    sheet.append(_price_protection())
    return {
        "tolerance": RANGE_TOLERANCE,
        "rule": RULE,
        "ranges": [
            {
                "index": r.index,
                "low": point_dict(r.low),
                "high": point_dict(r.high),
                "recommended": point_dict(r.recommended),
            }
            for r in around.ranges
        ],
        "walk_away": [
            {"index": w.index, "band_floor": w.band_floor_usd, "above_list_commitment": w.above_list_usd}
            for w in around.walk_away
        ],
        "least_discount": around.least_discount,
        "value_per_discount_point": per_point,
        "asks": sorted(sheet, key=lambda a: (a["target_value"] is None, -(a["target_value"] or 0.0))),
    }


def _deeper(contract: ApiContract, points: float) -> ApiContract:
    """Every band's discount `points` deeper (a zero-discount band stays at zero: it has no deal)."""
    bands = tuple(
        DiscountBand(b.min_commitment_usd, min(b.discount + points, MAX_DISCOUNT) if b.discount > 0 else 0.0)
        for b in contract.discount_bands
    )
    return replace(contract, discount_bands=bands)


def _usd(value: float) -> str:
    return f"${value:,.0f}"


def _api_asks(
    pricer: Pricer,
    contract: ApiContract,
    least: float | None,
    per_point: float | None,
    values: dict[str, float],
) -> list[Ask]:
    decision, periods = pricer.decision, pricer.plan.periods
    flat = decision.periods[0].recommended.commitment_usd
    sheet: list[Ask] = []
    if per_point is not None:
        sheet.append(
            {
                "term": "discount_depth",
                "title": "Discount depth",
                "opening": f"{DEPTH_OPENING_PP} percentage points more discount on every band",
                "opening_value": pricer.saving(_deeper(contract, DEPTH_OPENING_PP / 100)),
                "target": f"{DEPTH_TARGET_PP} percentage point more",
                "target_value": per_point,
                "walk_away": _least_discount_words(least),
                "trade": "A longer term, or committing at the top of the recommended range",
                "basis": "Commitment re-optimised at the deeper discount over the run's trials",
            }
        )
    if "band_thresholds_20pct_lower" in values and len(contract.discount_bands) > 1:
        sheet.append(
            {
                "term": "band_thresholds",
                "title": "Band thresholds",
                "opening": "Every band threshold 20% lower",
                "opening_value": values["band_thresholds_20pct_lower"],
                "target": f"Every band threshold {THRESHOLD_TARGET_CUT:.0%} lower",
                "target_value": pricer.saving(lower_thresholds(contract, THRESHOLD_TARGET_CUT)),
                "walk_away": "Today's thresholds (the recommendation is sized on them)",
                "trade": "Price protection, or a longer notice period",
                "basis": "Commitment re-optimised under the lower thresholds",
            }
        )
    if not contract.ramp_allowed and "ramp_allowed" in values and len(periods) > 1:
        ramp = pricer.optimum(replace(contract, ramp_allowed=True))
        amounts = ", then ".join(_usd(pd.recommended.commitment_usd) for pd in ramp.periods)
        sheet.append(
            {
                "term": "ramp",
                "title": "Ramp schedule",
                "opening": f"A ramp: {amounts}",
                "opening_value": values["ramp_allowed"],
                "target": f"A ramp: {amounts}",
                "target_value": values["ramp_allowed"],
                "walk_away": f"One flat commitment of {_usd(flat)} per period (the recommendation)",
                "trade": "A higher total commitment over the term",
                "basis": "Commitment re-optimised per period with ramps allowed",
            }
        )
    if contract.rollover_share < ROLLOVER_OPENING and "rollover_25" in values:
        target = max(ROLLOVER_TARGET, contract.rollover_share)
        sheet.append(
            {
                "term": "rollover",
                "title": "Rollover of unused commitment",
                "opening": f"{ROLLOVER_OPENING:.0%} of unused commitment rolls into the next period",
                "opening_value": values["rollover_25"],
                "target": f"{target:.0%} rolls over",
                "target_value": pricer.saving(replace(contract, rollover_share=target)),
                "walk_away": f"{contract.rollover_share:.0%} rollover (the recommendation is sized on it)",
                "trade": "Committing at the top of the recommended range",
                "basis": "Commitment re-optimised with the rollover; the last period's unused is still lost",
            }
        )
    if contract.overage == "list" and "overage_at_committed_rate" in values:
        sheet.append(
            {
                "term": "overage_rate",
                "title": "Overage rate",
                "opening": "Overage billed at the committed (discounted) rate",
                "opening_value": values["overage_at_committed_rate"],
                "target": "Overage at the committed rate",
                "target_value": values["overage_at_committed_rate"],
                "walk_away": "Overage at list price (the recommendation assumes it)",
                "trade": "Committing at the top of the recommended range",
                "basis": "Commitment re-optimised with overage at the committed rate",
            }
        )
    return sheet


def _least_discount_words(least: float | None) -> str:
    if least is None:
        return "No discount makes the recommended commitment pay"
    if least < 0.001:
        return "Any discount pays: the recommended commitment beats list at any discount above 0.1%"
    return f"Below {least:.1%} the recommended commitment costs more than paying list"


def _claude_code_ask(pricer: Pricer, samples: Samples, contract: ApiContract) -> list[Ask]:
    """API-billed Claude Code usage counted toward the commitment (when the contract does not count it)."""
    plan = pricer.plan
    if contract.claude_code_api_usage_counts or not plan.inp.teams:
        return []
    usage = to_periods(plan, samples.seats.api_billed_monthly_usd)
    value = pricer.saving(
        replace(contract, claude_code_api_usage_counts=True),
        spend=pricer.api_periods + usage,
        extra=float(usage.sum(axis=1).mean()),
    )
    return [
        {
            "term": "claude_code_counts",
            "title": "API-billed engineers count toward the commitment",
            "opening": "Claude Code usage billed by the API draws down the commitment",
            "opening_value": value,
            "target": "The same",
            "target_value": value,
            "walk_away": "Not counted (the recommendation assumes it)",
            "trade": "A larger commitment",
            "basis": "Commitment re-optimised on API plus API-billed Claude Code spend",
        }
    ]


def _seat_asks(plan: RunPlan, samples: Samples, values: dict[str, float]) -> list[Ask]:
    if not plan.inp.teams:
        return []
    fees = float(samples.seats.component_sums_usd[:, 0].sum()) / plan.trials
    sheet: list[Ask] = [
        {
            "term": "seat_volume_pricing",
            "title": "Seat volume pricing",
            "opening": f"{SEAT_DISCOUNT_OPENING:.0%} off seat fees",
            "opening_value": SEAT_DISCOUNT_OPENING * fees,
            "target": f"{SEAT_DISCOUNT_TARGET:.0%} off seat fees",
            "target_value": SEAT_DISCOUNT_TARGET * fees,
            "walk_away": "List seat prices (the recommendation assumes them)",
            "trade": "Annual seats instead of month-to-month",
            "basis": (
                f"Share of the expected seat fees ({_usd(fees)}) at the recommended seat order; a lower "
                "bound, since cheaper seats could move engineers between plans"
            ),
        },
        {
            "term": "extra_seat_usage_counts",
            "title": "Extra usage on seat plans counts toward the commitment",
            "opening": "Extra usage bought on seat plans draws down the API commitment",
            "opening_value": None,
            "target": "The same",
            "target_value": None,
            "walk_away": "Not counted",
            "trade": "A larger commitment",
            "basis": "Not priced: the engine does not yet decide seats and the commitment together",
        },
    ]
    if "seats_removable_quarterly" in values:
        sheet.append(
            {
                "term": "seat_removal",
                "title": "Seat removal",
                "opening": "Annual seats can be removed every quarter",
                "opening_value": values["seats_removable_quarterly"],
                "target": "Removal every quarter",
                "target_value": values["seats_removable_quarterly"],
                "walk_away": "Seats fixed for the term (the recommendation assumes it)",
                "trade": "Notice before each removal",
                "basis": "Seat counts re-chosen each quarter over the run's trials",
            }
        )
    return sheet


def _price_protection() -> Ask:
    return {
        "term": "price_protection",
        "title": "Price protection",
        "opening": "List prices and plan limits fixed for the term",
        "opening_value": None,
        "target": "No price rise above the committed rate during the term",
        "target_value": None,
        "walk_away": "Prices may change on notice",
        "trade": "A longer term",
        "basis": (
            "Not priced: the forecast holds list prices fixed, so protection insures a risk it does not model"
        ),
    }
