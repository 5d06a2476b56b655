"""The default price catalog `anthropic-list-2026-11`, every number with its source.

Facts from the project's pricing fact sheet (compiled 2026-11 from Anthropic pages and, where nothing
official exists, labelled third-party sources). Re-runnable: rows are matched by their keys and updated
in place, so running it twice leaves one copy with the shipped numbers.
"""

import datetime

from django.db import migrations

SLUG = "anthropic-list-2026-11"
PRICING = "https://platform.claude.com/docs/en/about-claude/pricing"
CACHE_BATCH = (
    "Cache write 1.25× input (5 min) / 2× (1 h), cache read 0.1× input, Batch API 0.5× every token type and "
    "combinable with caching [OFFICIAL, same page]."
)

CATALOG = {
    "name": "Anthropic list prices, November 2026",
    "as_of": datetime.date(2026, 11, 1),
    "notes": (
        f"Verify every number before use: {PRICING} and https://claude.com/pricing. Prices, plans and limits "
        "changed several times in 2025-26. Plan capacities are labelled assumptions (Anthropic publishes no "
        "dollar figure). Where sources disagree the catalog keeps dated rows (Team premium)."
    ),
}

_OPUS_45_PLUS = (
    f"[OFFICIAL] {PRICING} (late-2026 version lists Opus 4.5-4.8 and Opus 5 at $5 / $25 per MTok). Full 1M "
    "context at standard rates, no long-context premium [3P summaries of the 2026 page]. " + CACHE_BATCH
)
_OPUS_4 = (
    f"[OFFICIAL] {PRICING}: $15 / $75 per MTok. Late-2026 model pages: retired on the Claude API except "
    "Bedrock / Google Cloud; kept for pricing historical usage. " + CACHE_BATCH
)
_SONNET_LONG = (
    f"[OFFICIAL] {PRICING}: $3 / $15 per MTok. 1M-context beta: when input + cache read + cache write exceed "
    "200K tokens the whole request is billed at $6 input / $22.50 output. " + CACHE_BATCH
)

MODELS = [
    # key, display name, input, output, status, long context (threshold, input, output) or None, source
    ("claude-opus-4-5", "Claude Opus 4.5", 5.0, 25.0, "active", None, _OPUS_45_PLUS),
    ("claude-opus-4-6", "Claude Opus 4.6", 5.0, 25.0, "active", None, _OPUS_45_PLUS + " Also on the zh-CN page."),
    ("claude-opus-4-7", "Claude Opus 4.7", 5.0, 25.0, "active", None, _OPUS_45_PLUS),
    ("claude-opus-4-8", "Claude Opus 4.8", 5.0, 25.0, "active", None, _OPUS_45_PLUS),
    ("claude-opus-4-1", "Claude Opus 4.1", 15.0, 75.0, "retired", None, _OPUS_4),
    ("claude-opus-4-0", "Claude Opus 4", 15.0, 75.0, "retired", None, _OPUS_4),
    (
        "claude-sonnet-4-5",
        "Claude Sonnet 4.5",
        3.0,
        15.0,
        "deprecated",
        (200_000, 6.0, 22.5),
        _SONNET_LONG + " Late-2026 pages: deprecated, retires 2026-11-30.",
    ),
    ("claude-sonnet-4-0", "Claude Sonnet 4", 3.0, 15.0, "active", (200_000, 6.0, 22.5), _SONNET_LONG),
    (
        "claude-sonnet-4-6",
        "Claude Sonnet 4.6",
        3.0,
        15.0,
        "active",
        None,
        f"[OFFICIAL] {PRICING} (zh-CN version lists Sonnet 4.6): $3 / $15 per MTok; full 1M context at standard "
        "rates [3P summaries of the 2026 page]. " + CACHE_BATCH,
    ),
    (
        "claude-haiku-4-5",
        "Claude Haiku 4.5",
        1.0,
        5.0,
        "active",
        None,
        f"[OFFICIAL] {PRICING}: $1 / $5 per MTok (third-party pages quoting $0.80 / $4 confuse it with Haiku "
        "3.5). " + CACHE_BATCH,
    ),
    ("claude-3-5-haiku", "Claude Haiku 3.5", 0.8, 4.0, "active", None, f"[OFFICIAL] {PRICING}: $0.80 / $4. {CACHE_BATCH}"),
]

# Capacity assumptions (docs/pricing.md#plan-capacity): Max 20x ≈ 2,100 USD/month API-equivalent, measured by
# rhombus.so/limits on 2026-01-12 with Opus 4.5 (≈ $492/week, ≈ $2,130/month) [3P]; Max 5x ≈ 1/4 of it,
# Pro ≈ 1/20 (Anthropic's own "5x" / "20x more usage than Pro"); Team premium ≈ 6.25 × Pro (tygartmedia.com,
# [3P], not found officially). capacity_sd 0.25 because Anthropic changed limits several times in 2025-26.
MAX_20X_CAPACITY_USD = 2_100.0
PRO_CAPACITY_USD = MAX_20X_CAPACITY_USD / 20
CAPACITY_SOURCE = (
    "Capacity is an ASSUMPTION: Anthropic publishes no dollar figure. Max 20x ≈ $2,100/month API-equivalent "
    "(rhombus.so/limits, 2026-01-12, Opus 4.5: ≈ $492/week) [3P]; Max 5x = 1/4 and Pro = 1/20 of it (Anthropic's "
    "'5x' / '20x more usage than Pro'); Team premium = 6.25 × Pro (tygartmedia.com) [3P]. capacity_sd 0.25 "
    "because limits changed several times in 2025-26."
)
EXTRA_USAGE_INDIVIDUAL = (
    "Overflow extra_usage: usage beyond the limit can be bought at standard API list rates (fact sheet: "
    "'Extra usage / usage credits (Team, Enterprise, Pro/Max) billed at standard API list rates'; Max: support "
    "11049744 and coverage of the 2025 weekly limits). The account holder must enable it: switch to `blocked` "
    "if your company does not."
)
V2025 = datetime.date(2025, 1, 1)  # start of the period the fact sheet covers for unchanged plans

PLANS = [
    # key, position, display name, valid_from, monthly, annual per seat-month, capacity, capacity_sd,
    # overflow, min seats, is_assumption, source
    (
        "api", 0, "API (pay per token)", V2025, 0.0, None, 0.0, 0.0, "extra_usage", 0, False,
        "Pseudo-plan 'no seat, pay per token at list' (docs/pricing.md): no price, no capacity; every "
        "API-equivalent dollar is billed at list (overflow extra_usage with capacity 0). Claude Code uses API "
        "billing when ANTHROPIC_API_KEY is set (support 11145838) [OFFICIAL].",
    ),
    (
        "pro", 1, "Pro", V2025, 20.0, 17.0, PRO_CAPACITY_USD, 0.25, "extra_usage", 0, True,
        "$20/month monthly, $17/month effective on annual billing ($200 up front) [OFFICIAL claude.com/pricing "
        "via 3P nesyona.com 'verified 2026-06-10']; Claude Code included (support 11145838). "
        + CAPACITY_SOURCE + " " + EXTRA_USAGE_INDIVIDUAL,
    ),
    (
        "max_5x", 2, "Max 5x", V2025, 100.0, None, MAX_20X_CAPACITY_USD / 4, 0.25, "extra_usage", 0, True,
        "$100/month; 'The Max plan is currently only available as a monthly subscription' [OFFICIAL support "
        "11049744]. " + CAPACITY_SOURCE + " " + EXTRA_USAGE_INDIVIDUAL,
    ),
    (
        "max_20x", 3, "Max 20x", V2025, 200.0, None, MAX_20X_CAPACITY_USD, 0.25, "extra_usage", 0, True,
        "$200/month, monthly only [OFFICIAL support 11049744]. " + CAPACITY_SOURCE + " " + EXTRA_USAGE_INDIVIDUAL,
    ),
    (
        "team_premium", 4, "Team premium", datetime.date(2025, 8, 1), 150.0, 150.0, 6.25 * PRO_CAPACITY_USD,
        0.25, "extra_usage", 5, True,
        "From Aug 2025: Premium seat $150/month (annual or monthly), includes Claude Code, minimum 5 seats "
        "[OFFICIAL support 9267289 (it locale); code.claude.com third-party-integrations '$150/seat (Premium)']. "
        + CAPACITY_SOURCE + " Overflow extra_usage: after a member hits the seat limit, usage is billed at "
        "standard API rates from pre-purchased usage credits [OFFICIAL support 12005970].",
    ),
    (
        "team_premium", 4, "Team premium", datetime.date(2026, 1, 1), 125.0, 100.0, 6.25 * PRO_CAPACITY_USD,
        0.25, "extra_usage", 5, True,
        "2026: Premium seat $125 monthly / $100 annual, minimum 5 seats [3P, UNCERTAIN: genaiskills.io early "
        "2026, infere.com plans (2026-10), tygartmedia.com (May-June 2026); not found on an official page; the "
        "2025 row keeps the official $150]. " + CAPACITY_SOURCE + " Overflow extra_usage: usage beyond the "
        "seat limit billed at standard API rates [OFFICIAL support 12005970].",
    ),
    (
        "enterprise", 5, "Enterprise (usage-based)", V2025, 20.0, 20.0, 0.0, 0.0, "extra_usage", 20, True,
        "Enterprise seat: billed annually, minimum 20 seats, includes Claude Code but no usage: 'Every token "
        "your team consumes is billed separately' at API rates [OFFICIAL support 11526368, 13393991], so "
        "capacity 0 and overflow extra_usage (all usage at list). Seat price is by quote: $20/seat-month is a "
        "THIRD-PARTY figure (morphllm.com June 2026, infere.com) [3P, UNCERTAIN]; replace it with your quote. "
        "No monthly billing is published; the monthly price repeats the annual figure.",
    ),
]

_COSTS_PAGE = (
    "Anthropic's Claude Code costs page (https://code.claude.com/docs/en/costs, 2026) [OFFICIAL]: 'around $13 "
    "per developer per active day and $150-250 per developer per month, with costs remaining below $30 per "
    "active day for 90% of users'."
)
PRESETS = [
    (
        "light", 40.0, 150.0,
        "ASSUMPTION of this project scaled down from " + _COSTS_PAGE + " Light users work a few active days a "
        "month; consistent with a 3P playbook (ao92265, 2026: 'light $15-40/mo').",
    ),
    (
        "typical", 150.0, 600.0,
        "From " + _COSTS_PAGE + " Median 150 is the low end of the monthly range; p90 600 is about $30 per "
        "active day × 20 active days (docs/pricing.md).",
    ),
    (
        "heavy", 800.0, 3_000.0,
        "ASSUMPTION of this project for Opus-first or multi-instance users, above " + _COSTS_PAGE + " Community "
        "measurements put such users at $78-210 per day API-equivalent (jagadmitul.com Apr 2026; a Reddit Max "
        "20x user, Mar 2026) and $4,016 in one month (faw.dev, Jul 2025) [3P].",
    ),
]


def install_default_catalog(apps, schema_editor):
    """Create or update the catalog and its rows (idempotent)."""
    PriceCatalog = apps.get_model("procurement", "PriceCatalog")
    other_default = PriceCatalog.objects.filter(is_default=True).exclude(slug=SLUG).exists()
    catalog, _ = PriceCatalog.objects.update_or_create(
        slug=SLUG, defaults={**CATALOG, "is_default": not other_default}
    )
    _install_models(apps, catalog)
    _install_plans(apps, catalog)
    _install_presets(apps, catalog)


def _install_models(apps, catalog):
    ModelPrice = apps.get_model("procurement", "ModelPrice")
    for key, display_name, input_usd, output_usd, status, long_context, source in MODELS:
        threshold, long_input, long_output = long_context or (None, None, None)
        ModelPrice.objects.update_or_create(
            catalog=catalog,
            key=key,
            defaults={
                "display_name": display_name,
                "input_usd_per_mtok": input_usd,
                "output_usd_per_mtok": output_usd,
                "cache_write_5m_multiplier": 1.25,
                "cache_write_1h_multiplier": 2.0,
                "cache_read_multiplier": 0.10,
                "batch_multiplier": 0.5,
                "long_context_threshold_tokens": threshold,
                "long_context_input_usd_per_mtok": long_input,
                "long_context_output_usd_per_mtok": long_output,
                "status": status,
                "source": source,
            },
        )


def _install_plans(apps, catalog):
    SeatPlan = apps.get_model("procurement", "SeatPlan")
    for row in PLANS:
        key, position, name, valid_from, monthly, annual, capacity, capacity_sd, overflow, seats, assumed, source = row
        SeatPlan.objects.update_or_create(
            catalog=catalog,
            key=key,
            valid_from=valid_from,
            defaults={
                "position": position,
                "display_name": name,
                "monthly_usd": monthly,
                "annual_monthly_usd": annual,
                "capacity_usd": capacity,
                "capacity_sd": capacity_sd,
                "overflow": overflow,
                "min_seats": seats,
                "includes_claude_code": True,
                "is_assumption": assumed,
                "source": source,
            },
        )


def _install_presets(apps, catalog):
    UsagePreset = apps.get_model("procurement", "UsagePreset")
    for key, median_usd, p90_usd, source in PRESETS:
        UsagePreset.objects.update_or_create(
            catalog=catalog, key=key, defaults={"median_usd": median_usd, "p90_usd": p90_usd, "source": source}
        )


class Migration(migrations.Migration):
    dependencies = [("procurement", "0001_initial")]

    operations = [migrations.RunPython(install_default_catalog, migrations.RunPython.noop)]
