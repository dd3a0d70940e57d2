"""The demo steering: targets with a trajectory, a year of imported spend, objectives; idempotent."""

from decimal import Decimal

import pytest

from levier.core.demo import load_demo
from levier.organisations.models import Organisation
from levier.plans.models import Lot, PlannedPurchase
from levier.recommendations.models import ScreeningOverride
from levier.steering import demo
from levier.steering.indicators import indicators
from levier.steering.models import (
    BuyerObjective,
    Indicator,
    MatchStatus,
    SpendImport,
    SpendLine,
    SupplierMatch,
    Target,
)
from levier.steering.progress import buyer_objectives_status, compliance, progress
from levier.steering.segments import transferable_segments


@pytest.mark.django_db
def test_demo_steering_shows_figures_and_loads_once(monkeypatch):
    monkeypatch.setattr(
        "levier.core.demo.DEMO_STEPS",
        [
            "levier.plans.demo.seed",
            "levier.directory.demo.seed",
            "levier.clauses.demo.seed",
            "levier.steering.demo.seed",
        ],
    )
    load_demo()
    city = Organisation.objects.get(slug="ville-de-valmont")
    counts = (
        Target.objects.count(),
        BuyerObjective.objects.count(),
        SpendLine.objects.count(),
        SupplierMatch.objects.count(),
        SpendImport.objects.count(),
        PlannedPurchase.objects.filter(plan__year=2026).count(),
        Lot.objects.filter(purchase__plan__year=2026).count(),
        ScreeningOverride.objects.count(),
    )
    assert Target.objects.filter(organisation=city, year=2026).count() == 7
    assert Target.objects.filter(organisation=city, year=2027, baseline_year=2025).count() == 7
    assert SpendLine.objects.filter(organisation=city, year=2026).count() > 200
    assert SupplierMatch.objects.filter(organisation=city, status=MatchStatus.AUTOMATIC).count() >= 5
    assert SupplierMatch.objects.filter(organisation=city, status=MatchStatus.PROPOSED).count() >= 1

    year_2026 = indicators(city, 2026)
    assert year_2026[Indicator.SPEND_ESAT_EA] + year_2026[Indicator.SPEND_SIAE] > Decimal(10_000)
    assert year_2026[Indicator.INSERTION_HOURS] > 0
    # The 2026 plan of contracts already passed feeds the contract indicators of the spend year.
    for organisation in Organisation.objects.filter(
        slug__in=["ville-de-valmont", "departement-du-val-fictif"]
    ):
        passed = indicators(organisation, 2026)
        assert passed.passed >= 20 and passed.passed == passed.contracts
        assert passed[Indicator.RESERVED_COUNT] >= 5
        assert Decimal(50) < passed[Indicator.SOCIAL_SHARE_COUNT] < Decimal(100)
        assert passed.eu_contracts >= 5 and 0 < passed.eu_social_contracts < passed.eu_contracts
        assert passed[Indicator.EU_SOCIAL_SHARE] is not None
        assert sum(month.reserved for month in passed.by_month) > 0
        checked = compliance(organisation, 2026)
        assert checked.total >= 3 and checked.before_obligation >= 1
        assert [row.justification.startswith("Dérogation L2112-2-1") for row in checked.non_compliant] == [
            True
        ]
    year_2027 = indicators(city, 2027)
    assert year_2027[Indicator.RESERVED_COUNT] >= 1
    assert year_2027.passed >= 2
    tracked = progress(city, 2026)
    assert len(tracked) == 7
    assert tracked[0].trajectory[0].baseline and tracked[0].trajectory[0].year == 2025
    assert transferable_segments(city, 2026)
    assert buyer_objectives_status(city, 2027)

    assert demo.seed({"ville-de-valmont": city, **{o.slug: o for o in Organisation.objects.all()}})
    load_demo()
    assert (
        Target.objects.count(),
        BuyerObjective.objects.count(),
        SpendLine.objects.count(),
        SupplierMatch.objects.count(),
        SpendImport.objects.count(),
        PlannedPurchase.objects.filter(plan__year=2026).count(),
        Lot.objects.filter(purchase__plan__year=2026).count(),
        ScreeningOverride.objects.count(),
    ) == counts
