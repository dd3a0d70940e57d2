"""The demo steering: targets with a trajectory, a year of imported spend, objectives; idempotent."""

from decimal import Decimal

import pytest

from levier.core.demo import load_demo
from levier.organisations.models import Organisation
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
from levier.steering.progress import buyer_objectives_status, progress
from levier.steering.segments import transferable_segments


@pytest.mark.django_db
def test_demo_steering_shows_figures_and_loads_once(monkeypatch, settings, tmp_path):
    settings.DATA_DIR = tmp_path
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
    )
    assert Target.objects.filter(organisation=city, year=2026).count() == 7
    assert Target.objects.filter(organisation=city, year=2027, baseline_year=2025).count() == 7
    assert SpendLine.objects.filter(organisation=city, year=2026).count() > 200
    assert SupplierMatch.objects.filter(organisation=city, status=MatchStatus.AUTOMATIC).count() >= 5
    assert SupplierMatch.objects.filter(organisation=city, status=MatchStatus.PROPOSED).count() >= 1

    year_2026 = indicators(city, 2026)
    assert year_2026[Indicator.SPEND_ESAT_EA] + year_2026[Indicator.SPEND_SIAE] > Decimal(10_000)
    assert year_2026[Indicator.INSERTION_HOURS] > 0
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
    ) == counts
