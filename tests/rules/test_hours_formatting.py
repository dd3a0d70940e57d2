"""The French number formatting's shortcuts and the memoised terms of `insertion_hours` change no text.

`format_number_fr` and `format_money_fr` skip the Decimal round trip for whole ints (and whole floats for
money); `insertion_hours` checks, converts and writes its shares, rate and cost once per value. Here each is
compared with the plain Decimal way of writing the same thing, on edge values and many random ones.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from levier.rules import hours
from levier.rules.hours import (
    HoursError,
    format_money_fr,
    format_number_fr,
    format_percent_fr,
    insertion_hours,
)


def _plain_number(value, decimals=2):
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    integer, _, fraction = f"{abs(number):f}".partition(".")
    grouped = f"{int(integer):,}".replace(",", " ")
    fraction = fraction.rstrip("0")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def _plain_money(value):
    number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if number == number.to_integral_value():
        return f"{_plain_number(number, 0)} €"
    whole, _, cents = _plain_number(number, 2).partition(",")
    return f"{whole},{cents.ljust(2, '0')} €"


def _plain_percent(share):
    return f"{_plain_number(Decimal(str(share)) * 100, 2)} %"


def _outcome(function, *args):
    try:
        return "ok", function(*args)
    except Exception as error:  # the same error type as the plain way, whatever it is
        return "error", type(error)


EDGES = [
    0, 1, -1, 999, 1000, -1000, 10**17, -(10**17), 10**18 - 1, 10**18, 10**25, 10**27,
    0.0, -0.0, 0.5, -0.5, 0.005, 0.015, 1.005, 2.675, 27.5, 12000.5, 123456.785, 1e15, -1e15, 1e15 - 1,
    1e16, 1e23, float("inf"), float("nan"),
    Decimal("0"), Decimal("-0.00"), Decimal("0.125"), Decimal("12.50"), Decimal("1E+30"), Decimal("NaN"),
    Decimal("-1234567.891"),
]  # fmt: skip


def _values(count: int, seed: int) -> list:
    rng = random.Random(seed)
    values = list(EDGES)
    for _ in range(count):
        kind = rng.random()
        if kind < 0.3:
            values.append(rng.randint(-(10**7), 10**7))
        elif kind < 0.55:
            values.append(round(rng.uniform(-1e7, 1e7), rng.randint(0, 4)))
        elif kind < 0.8:
            values.append(Decimal(str(round(rng.uniform(-1e7, 1e7), rng.randint(0, 6)))))
        else:
            values.append(rng.lognormvariate(10, 3) * rng.choice((1, -1)))
    return values


@pytest.mark.parametrize("seed", [1, 2])
def test_formatting_writes_what_the_plain_decimal_way_writes(seed):
    for value in _values(4000, seed):
        assert _outcome(format_money_fr, value) == _outcome(_plain_money, value), value
        assert _outcome(format_percent_fr, value) == _outcome(_plain_percent, value), value
        for decimals in (0, 1, 2, 3, 8, 9, 20, -1, -2):
            assert _outcome(format_number_fr, value, decimals) == _outcome(_plain_number, value, decimals), (
                value,
                decimals,
            )


def test_known_texts():
    assert format_number_fr(1_000_000) == "1 000 000"
    assert format_number_fr(-1234) == "-1 234"
    assert format_number_fr(1234, -2) == "1 200"  # rounded to hundreds: no whole-number shortcut
    assert format_money_fr(450_000.0) == "450 000 €"
    assert format_money_fr(-0.0) == "0 €"
    assert format_money_fr(12000.5) == "12 000,50 €"
    assert format_money_fr(Decimal("-1234.05")) == "-1 234,05 €"
    assert format_percent_fr(0.05) == "5 %"
    assert format_percent_fr(-0.0) == "0 %"


def _unmemoised(*args, **kwargs):
    """`insertion_hours` with the memoised terms computed afresh (the functions they wrap)."""
    saved = hours._labour_terms, hours._other_terms
    hours._labour_terms, hours._other_terms = saved[0].__wrapped__, saved[1].__wrapped__
    try:
        return insertion_hours(*args, **kwargs)
    finally:
        hours._labour_terms, hours._other_terms = saved


def _hours_outcome(function, *args, **kwargs):
    try:
        r = function(*args, **kwargs)
    except HoursError as error:
        return "error", str(error)
    # repr keeps what equality hides: Decimal("0.50") against Decimal("0.5"), -0 against 0.
    names = ("amount_ht", "labour_share", "insertion_rate", "hourly_cost", "taken_over_share", "hours_exact")
    return (*(repr(getattr(r, name)) for name in names), r.hours, r.explanation, r.sources)


def test_memoised_terms_give_the_same_hours_and_texts():
    rng = random.Random(3)
    shares = [
        0.5,
        0.35,
        50,
        0,
        0.0,
        -0.0,
        1,
        1.0,
        100,
        101,
        -0.1,
        0.123456789,
        True,
        float("nan"),
        float("inf"),
    ]
    shares += ["50", "0,5", "abc", Decimal("0.50"), Decimal("0.5"), Decimal("-0.0")]
    rates = [None, 0.05, 5, 0.0, -0.0, 0, Decimal("0.05"), Decimal("0.050"), "5", 2, float("nan")]
    costs = [None, 30, 30.0, 0, -5, 27.5, Decimal("30.00"), "30", float("inf")]
    taken = [0, 0.0, -0.0, 0.2, 20, "20", Decimal("0.2"), 1, 1.5, -1]
    for _ in range(3000):
        amount = rng.choice(
            [rng.uniform(0, 5e6), round(rng.uniform(0, 5e6), 2), rng.randint(0, 10**7), -1, 0]
        )
        args = (amount, rng.choice(shares), rng.choice(rates), rng.choice(costs))
        kwargs = {"taken_over_share": rng.choice(taken), "on": date(2027, 1, 1)}
        assert _hours_outcome(insertion_hours, *args, **kwargs) == _hours_outcome(
            _unmemoised, *args, **kwargs
        ), (
            args,
            kwargs,
        )
