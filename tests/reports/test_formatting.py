"""Money, percentages and user text as the brief shows them."""

from __future__ import annotations

import math

import pytest

from reports.formatting import (
    ELLIPSIS,
    REPLACEMENT,
    display_text,
    money,
    money_tick,
    month,
    percent,
    price,
    seats,
    signed_percent,
)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0, "$0"),
        (17.4, "$17"),
        (1_240, "$1,240"),
        (9_999.4, "$9,999"),
        (12_400, "$12.4K"),
        (850_000, "$850K"),
        (999_400, "$999K"),
        (999_600, "$1.00M"),  # rounds up into the next unit, never "$1000K"
        (1_240_000, "$1.24M"),
        (12_449_000, "$12.4M"),
        (2_500_000_000, "$2.50B"),
        (-850_000, "−$850K"),
        (-0.2, "$0"),  # no "−$0"
    ],
)
def test_money_is_dollars_below_ten_thousand_then_three_significant_digits(amount: float, shown: str) -> None:
    assert money(amount) == shown


@pytest.mark.parametrize("missing", [None, math.nan, math.inf, "12", True, [1]])
def test_missing_or_non_finite_money_shows_a_dash_not_nan(missing: object) -> None:
    assert money(missing) == "—"
    assert percent(missing) == "—"


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (0.15, "15%"),
        (0.125, "12.5%"),
        (0.005, "0.5%"),
        (0.0, "0%"),
        (0.0001, "<0.1%"),
        (0.9996, ">99.9%"),
        (1, "100%"),
    ],
)
def test_percent_keeps_one_decimal_and_never_rounds_a_small_risk_to_zero(share: float, shown: str) -> None:
    assert percent(share) == shown


def test_signed_percent_and_unit_prices_and_seat_counts() -> None:
    assert signed_percent(0.2) == "+20%"
    assert signed_percent(-0.02) == "−2%"
    assert price(17) == "$17"
    assert price(0.8) == "$0.80"
    assert price(656.25) == "$656.25"
    assert seats(14.0) == "14"
    assert seats(5.62) == "5.6"


def test_axis_ticks_drop_trailing_zeros() -> None:
    assert [money_tick(v) for v in (0, 250_000, 1_200_000, 2_000_000, 50)] == [
        "$0",
        "$250K",
        "$1.2M",
        "$2M",
        "$50",
    ]


def test_months_read_as_words_and_other_text_passes_through_cleaned() -> None:
    assert month("2027-01") == "Jan 2027"
    assert month("2028-12") == "Dec 2028"
    assert month("Q1 <2027>") == "Q1 <2027>"


def test_display_text_keeps_markup_characters_literally_for_later_escaping() -> None:
    name = '<img src="/etc/passwd"/> & &amp; <a href="javascript:alert(1)">x</a>'
    assert display_text(name, max_chars=200) == name


def test_display_text_replaces_controls_drops_bidi_overrides_and_collapses_whitespace() -> None:
    assert display_text("a\x00b\x07\x1bc", max_chars=50) == f"a{REPLACEMENT}b{REPLACEMENT}c"
    assert display_text("evil\u202egnp.exe", max_chars=50) == "evilgnp.exe"
    assert display_text("  two\n\tlines\u2028here  ", max_chars=50) == "two lines here"


def test_display_text_replaces_what_the_font_cannot_draw_but_keeps_hebrew_and_arabic() -> None:
    assert display_text("שלום مرحبا Ωmega", max_chars=50) == "שלום مرحبا Ωmega"
    assert display_text("ship it 🚀🚀", max_chars=50) == f"ship it {REPLACEMENT}"


def test_display_text_cuts_a_megabyte_to_its_start_with_an_ellipsis() -> None:
    text = "A" * 1_000_000
    shown = display_text(text, max_chars=80)
    assert len(shown) == 80
    assert shown == "A" * 79 + ELLIPSIS
