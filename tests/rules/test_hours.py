from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from levier.rules import hours
from levier.rules.hours import HoursError, insertion_hours


def test_design_example():
    result = insertion_hours(1_000_000, 0.5, 0.05, 30)
    assert result.hours == 833
    assert result.explanation == "1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h"
    assert result.hours_exact == Decimal(1_000_000) * Decimal("0.5") * Decimal("0.05") / 30
    assert result.to_dict()["hours"] == 833


def test_defaults_are_dated_and_sourced():
    current = hours.defaults(date(2026, 9, 1))
    assert current.insertion_rate == 0.05
    assert current.hourly_cost == 30
    assert current.editable and current.insertion_rate_source and current.hourly_cost_source
    result = insertion_hours(1_000_000, 0.5, on=date(2026, 9, 1))
    assert result.hours == 833
    assert set(result.sources) == {"insertion_rate", "hourly_cost"}
    with pytest.raises(HoursError):
        hours.defaults(date(2000, 1, 1))


def test_percentages_and_french_decimals_are_accepted():
    assert insertion_hours("1000000", "50", "5", "30").hours == 833
    result = insertion_hours("12000,50", 70, 8, "27,5")
    assert result.explanation == "12 000,50 € × 70 % × 8 % ÷ 27,5 €/h = 24 h"


def test_sector_labour_share_from_mapping():
    shares = {"cleaning": 0.8, "painting": 0.7}
    result = insertion_hours(
        500_000, sector="painting", labour_shares=shares, insertion_rate=0.05, hourly_cost=25
    )
    assert result.labour_share == Decimal("0.7")
    assert result.hours == 700
    assert result.sector == "painting"
    with pytest.raises(HoursError, match="inconnu"):
        insertion_hours(500_000, sector="masonry", labour_shares=shares)
    with pytest.raises(HoursError):
        insertion_hours(500_000)


def test_taken_over_staff_reduce_the_base():
    full = insertion_hours(1_000_000, 0.9, 0.05, 30)
    cleaning = insertion_hours(1_000_000, 0.9, 0.05, 30, taken_over_share=0.6)
    assert full.hours == 1500
    assert cleaning.hours == 600
    assert "60 % de personnel repris" in cleaning.explanation
    assert cleaning.labour_amount == Decimal(360_000)
    assert insertion_hours(1_000_000, 0.9, 0.05, 30, taken_over_share=1).hours == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"amount_ht": -1},
        {"labour_share": 1.5e3},
        {"labour_share": -0.1},
        {"hourly_cost": 0},
        {"hourly_cost": "abc"},
        {"insertion_rate": float("nan")},
        {"taken_over_share": 2000},
    ],
)
def test_bad_inputs(kwargs):
    args = {"amount_ht": 100_000, "labour_share": 0.5, "insertion_rate": 0.05, "hourly_cost": 30}
    args.update(kwargs)
    with pytest.raises(HoursError):
        insertion_hours(**args)


def test_rounding_halves_up_never_negative():
    assert hours.round_hours(Decimal("832.5")) == 833
    assert hours.round_hours(Decimal("832.4999")) == 832
    assert hours.round_hours(Decimal("-3")) == 0
    assert insertion_hours(0, 0.5, 0.05, 30).hours == 0


def test_spread_over_years():
    result = insertion_hours(1_000_000, 0.5, 0.05, 30)
    spread = hours.spread_over_years(result, date(2026, 9, 1), 36)
    assert [(p.label, int(p.weight)) for p in spread.periods] == [
        ("2026", 4),
        ("2027", 12),
        ("2028", 12),
        ("2029", 8),
    ]
    assert sum(p.hours for p in spread.periods) == 833
    assert [p.hours for p in spread.periods] == [92, 278, 278, 185]
    assert "2027 : 278 h" in spread.explanation
    with pytest.raises(HoursError):
        hours.spread_over_years(result, date(2026, 9, 1), 0)


def test_spread_over_tranches():
    result = insertion_hours(1_000_000, 0.5, 0.05, 30)
    spread = hours.spread_over_tranches(result, [600_000, 250_000, 150_000])
    assert [p.hours for p in spread.periods] == [500, 208, 125]
    assert spread.periods[0].label == "Tranche ferme"
    assert spread.periods[2].label == "Tranche optionnelle 2"
    assert spread.to_dict()["periods"][1]["hours"] == 208
    with pytest.raises(HoursError):
        hours.spread_over_tranches(result, [1, 2], labels=["seule"])
    with pytest.raises(HoursError):
        hours.spread_over_tranches(result, [0, 0])


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
shares = st.decimals(min_value=0, max_value=1, places=3, allow_nan=False)
costs = st.decimals(min_value=1, max_value=200, places=2, allow_nan=False)


@given(amounts, shares, shares, costs, shares)
def test_hours_never_negative_and_explained(amount, share, rate, cost, taken):
    result = insertion_hours(amount, share, rate, cost, taken_over_share=taken)
    assert result.hours >= 0
    assert result.explanation.endswith(f"= {hours.format_number_fr(result.hours)} h")


@given(amounts, amounts, shares, shares, costs)
def test_monotonic_in_amount(a, b, share, rate, cost):
    low, high = sorted((a, b))
    assert insertion_hours(low, share, rate, cost).hours <= insertion_hours(high, share, rate, cost).hours


@given(amounts, shares, shares, shares, costs)
def test_monotonic_in_rate(amount, share, r1, r2, cost):
    low, high = sorted((r1, r2))
    assert insertion_hours(amount, share, low, cost).hours <= insertion_hours(amount, share, high, cost).hours


@given(
    st.integers(min_value=0, max_value=10**6), st.lists(st.integers(min_value=0, max_value=10**7), min_size=1)
)
def test_apportion_adds_up(total, weights):
    assume(sum(weights) > 0)
    parts = hours.apportion(total, [Decimal(w) for w in weights])
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)
    assert all(part == 0 for part, weight in zip(parts, weights, strict=True) if weight == 0)
