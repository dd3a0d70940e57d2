"""Model-level rules: amounts per year and in total, the procedure named in a plan, stored cents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from levier.plans.models import AmountBasis, PlannedPurchase, cents
from levier.plans.procedure import derive_procedure, procedure_from_text


@pytest.mark.parametrize(
    ("amount", "basis", "months", "annual", "total"),
    [
        ("120000", AmountBasis.PER_YEAR, 48, "120000.00", "480000.00"),
        ("120000", AmountBasis.PER_YEAR, 6, "120000.00", "120000.00"),  # under a year: the year's amount
        ("120000", AmountBasis.PER_YEAR, None, "120000.00", None),
        ("360000", AmountBasis.WHOLE_DURATION, 36, "120000.00", "360000.00"),
        ("50000", AmountBasis.WHOLE_DURATION, 8, "50000.00", "50000.00"),
        ("50000", AmountBasis.WHOLE_DURATION, None, None, "50000.00"),
        ("50000", AmountBasis.UNKNOWN, 24, None, None),
        (None, AmountBasis.PER_YEAR, 24, None, None),
    ],
)
def test_amounts_per_year_and_in_total(amount, basis, months, annual, total):
    purchase = PlannedPurchase(
        estimated_amount=Decimal(amount) if amount else None, amount_basis=basis, duration_months=months
    )
    purchase.compute_amounts()
    assert purchase.annual_amount == (Decimal(annual) if annual else None)
    assert purchase.total_amount == (Decimal(total) if total else None)


def test_a_lot_uses_its_purchase_duration():
    lot = PlannedPurchase(estimated_amount=Decimal("10000"), amount_basis=AmountBasis.PER_YEAR)
    lot.compute_amounts(duration_months=36)
    assert lot.total_amount == Decimal("30000.00")


def test_cents():
    assert cents(Decimal("0.00390625")) == Decimal("0.00")
    assert cents(Decimal("12000.505")) == Decimal("12000.50")  # banker's rounding, as Decimal does
    assert cents(None) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("MAPA", "adapted"),
        ("Procédure adaptée", "adapted"),
        ("Appel d'offres ouvert", "formal"),
        ("AOO", "formal"),
        ("Gré à gré", "no_publicity"),
        ("Marché sans publicité ni mise en concurrence", "no_publicity"),
        ("Accord-cadre", None),
        ("Marché subséquent", None),
        ("", None),
        (None, None),
    ],
)
def test_procedure_named_in_a_plan(text, code):
    assert procedure_from_text(text) == code


def test_derived_procedure_follows_the_dated_thresholds():
    # Supplies for a commune: no publicity under the threshold in force, adapted up to the EU one.
    launch = dt.date(2027, 3, 1)
    kwargs = {
        "buyer_kind": "commune",
        "nature": "supplies",
        "cpv": "",
        "launch_date": launch,
        "plan_year": 2027,
    }
    assert derive_procedure(amount=Decimal("10000"), **kwargs) == "no_publicity"
    assert derive_procedure(amount=Decimal("100000"), **kwargs) == "adapted"
    assert derive_procedure(amount=Decimal("5000000"), **kwargs) == "formal"
    assert derive_procedure(amount=None, **kwargs) == ""
    assert derive_procedure(amount=Decimal("5000000"), **{**kwargs, "nature": ""}) == ""
    # The CPV gives the nature when the plan does not: 45 is works, whose EU threshold is far higher.
    works = {**kwargs, "nature": "", "cpv": "45212225"}
    assert derive_procedure(amount=Decimal("5000000"), **works) == "adapted"
