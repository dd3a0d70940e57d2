"""A generated year of activity; every indicator checked against a computation written here from the
definitions of docs/steering.md (the code under test is not used to compute the expectations)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from levier.clauses.models import Clause, Declaration, DeclarationLine, Way
from levier.plans.models import Lot, Plan, PlannedPurchase
from levier.rules import legal
from levier.steering import importing
from levier.steering.indicators import indicators
from levier.steering.models import Indicator, SupplierMatch
from levier.steering.progress import buyer_objectives_status, compliance, progress
from levier.steering.services import set_buyer_objective, set_target

from .conftest import EI_SIRET, ESAT_SIRET, ORDINARY_SIRET, xlsx_bytes

pytestmark = pytest.mark.django_db

YEAR = 2026
STATUSES = [
    "to_screen",
    "proposed",
    "validated",
    "refused",
    "reviewed",
    "in_consultation",
    "awarded",
    "in_execution",
    "closed",
]
PASSED = {"awarded", "in_execution", "closed"}
RESERVATIONS = ["", "", "", "L2113-12", "L2113-13", "L2113-14"]


def generate(world, seed=7):
    rng = random.Random(seed)
    org = world["org"]
    plan = Plan.objects.create(organisation=org, year=YEAR)
    Plan.objects.create(organisation=org, year=YEAR + 1)  # another year's plan: must not count
    specs = []
    for n in range(60):
        spec = {
            "status": rng.choice(STATUSES),
            "nature": rng.choice(["works", "supplies", "services"]),
            "amount": Decimal(rng.choice([20_000, 90_000, 150_000, 300_000, 800_000, 6_000_000])) + n,
            "launch": dt.date(YEAR, rng.randint(1, 12), rng.randint(1, 28)),
            "notified": dt.date(YEAR, rng.randint(1, 12), 10) if rng.random() < 0.8 else None,
            "reservation": rng.choice(RESERVATIONS),
            "insertion": rng.random() < 0.25,
            "criterion": rng.random() < 0.15,
            "service": rng.choice([world["parks"], world["it"], None]),
            "buyer": rng.choice([world["buyer"], world["second_buyer"], None]),
            "lots": [rng.choice(RESERVATIONS) for _ in range(rng.choice([0, 0, 2, 3]))],
            "clauses": [],  # (lot index or None, kind)
        }
        if rng.random() < 0.3:
            kind = rng.choice(["execution_condition", "award_criterion", "reserved"])
            lot = rng.randrange(len(spec["lots"])) if spec["lots"] and rng.random() < 0.5 else None
            spec["clauses"].append((lot, kind))
        specs.append(spec)
    hour_lines = []  # (spec index, period_end, hours)
    required = []  # (spec index, start, end, hours_required, kind)
    for index, spec in enumerate(specs):
        purchase = PlannedPurchase.objects.create(
            plan=plan,
            stable_key=f"k{index}",
            reference=f"R-{index:03d}",
            object=f"Achat {index}",
            status=spec["status"],
            nature=spec["nature"],
            estimated_amount=spec["amount"],
            amount_basis="whole_duration",
            total_amount=spec["amount"],
            launch_date=spec["launch"],
            notification_date=spec["notified"],
            reservation=spec["reservation"],
            insertion_clause=spec["insertion"],
            social_criterion=spec["criterion"],
            service=spec["service"],
            buyer=spec["buyer"],
        )
        lots = [
            Lot.objects.create(
                purchase=purchase, number=str(i + 1), stable_key=f"k{index}/{i}", reservation=r
            )
            for i, r in enumerate(spec["lots"])
        ]
        for lot_index, kind in spec["clauses"]:
            start = dt.date(YEAR - 1, rng.randint(1, 12), 1)
            end = start + dt.timedelta(days=rng.choice([200, 500, 900]))
            clause = Clause.objects.create(
                organisation=world["org"],
                purchase=purchase,
                lot=lots[lot_index] if lot_index is not None else None,
                kind=kind,
                start_date=start,
                end_date=end,
                hours_required=rng.randint(100, 2000),
            )
            if kind != "reserved":
                required.append((index, start, end, clause.hours_required, kind))
                for quarter in range(6):
                    period_start = dt.date(YEAR - 1, 1, 1) + dt.timedelta(days=91 * quarter + 60)
                    period_end = period_start + dt.timedelta(days=90)
                    declaration = Declaration.objects.create(
                        clause=clause, period_start=period_start, period_end=period_end
                    )
                    hours = Decimal(rng.randint(10, 300))
                    DeclarationLine.objects.create(declaration=declaration, way=Way.DIRECT_HIRE, hours=hours)
                    hour_lines.append((index, period_end, hours))
    return specs, hour_lines, required


def reserved_units(spec) -> int:
    whole_clause = any(lot is None and kind == "reserved" for lot, kind in spec["clauses"])
    if spec["lots"]:
        count = 0
        for i, reservation in enumerate(spec["lots"]):
            lot_clause = any(lot == i and kind == "reserved" for lot, kind in spec["clauses"])
            if (reservation or spec["reservation"]) or lot_clause or whole_clause:
                count += 1
        return count
    return 1 if spec["reservation"] or whole_clause else 0


def social(spec) -> bool:
    return bool(reserved_units(spec) or spec["insertion"] or spec["criterion"] or spec["clauses"])


def social_obligation(spec) -> bool:
    other = spec["insertion"] or spec["criterion"] or any(kind != "reserved" for _l, kind in spec["clauses"])
    return bool(other or reserved_units(spec))  # default policy: a reservation meets the obligation


def pct(part, whole):
    return None if not whole else (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def expected(specs, hour_lines, required, keep=lambda spec: True):
    kept = [(i, s) for i, s in enumerate(specs) if s["status"] != "refused" and keep(s)]
    passed = [(i, s) for i, s in kept if s["status"] in PASSED]
    eu = [
        s for _i, s in passed if s["amount"] >= legal.eu_threshold(s["nature"], "other", s["launch"]).amount
    ]
    kept_ids = {i for i, _s in kept}
    return {
        Indicator.RESERVED_COUNT: Decimal(sum(reserved_units(s) for _i, s in passed)),
        Indicator.SOCIAL_SHARE_COUNT: pct(sum(1 for _i, s in passed if social(s)), len(passed)),
        Indicator.SOCIAL_SHARE_AMOUNT: pct(
            sum(s["amount"] for _i, s in passed if social(s)), sum(s["amount"] for _i, s in passed)
        ),
        Indicator.EU_SOCIAL_SHARE: pct(sum(1 for s in eu if social_obligation(s)), len(eu)),
        Indicator.INSERTION_HOURS: sum(
            (h for i, end, h in hour_lines if end.year == YEAR and keep(specs[i])), Decimal(0)
        ),
        "hours_required": sum(
            h
            for i, start, end, h, _k in required
            if start <= dt.date(YEAR, 12, 31) and end >= dt.date(YEAR, 1, 1) and keep(specs[i])
        ),
        "passed": len(passed),
        "contracts": len(kept_ids),
    }


SPEND = [
    # date, supplier, siret, category, service, amount
    (
        dt.date(YEAR, 1, 5),
        "ESAT Les Ateliers du Doubs",
        ESAT_SIRET,
        "611 Entretien espaces verts",
        "PJ",
        1000,
    ),
    (
        dt.date(YEAR, 1, 20),
        "ESAT Les Ateliers du Doubs",
        ESAT_SIRET,
        "611 Entretien espaces verts",
        "DSI",
        250,
    ),
    (dt.date(YEAR, 3, 2), "Tremplin Nettoyage", EI_SIRET, "6283 Nettoyage des locaux", "PJ", 4000),
    (dt.date(YEAR, 3, 9), "Atelier du Lac", "", "6068 Blanchisserie linge", "PJ", 700),
    (dt.date(YEAR, 6, 9), "Atelier du Lac", "", "6068 Blanchisserie linge", "PJ", 300),
    (dt.date(YEAR, 6, 30), "Bureau Plus", ORDINARY_SIRET, "6283 Nettoyage des locaux", "DSI", 9000),
]


def import_spend(world, confirm_name=True):
    rows = [
        (f"F{i}", d, name, siret, cat, service, amount)
        for i, (d, name, siret, cat, service, amount) in enumerate(SPEND)
    ]
    importing.import_file(None, world["org"], xlsx_bytes(rows), "depenses.xlsx", YEAR)
    if confirm_name:
        SupplierMatch.objects.filter(supplier_key="nom:atelier du lac").update(status="confirmed")


def test_every_indicator_of_a_generated_year(world):
    specs, hour_lines, required = generate(world)
    import_spend(world)
    found = indicators(world["org"], YEAR)
    want = expected(specs, hour_lines, required)
    for indicator in (
        Indicator.RESERVED_COUNT,
        Indicator.SOCIAL_SHARE_COUNT,
        Indicator.SOCIAL_SHARE_AMOUNT,
        Indicator.EU_SOCIAL_SHARE,
        Indicator.INSERTION_HOURS,
    ):
        assert found[indicator] == want[indicator], indicator
    assert found.hours_required == want["hours_required"]
    assert (found.passed, found.contracts) == (want["passed"], want["contracts"])
    # ESAT (1000 + 250) and the EA confirmed by name (700 + 300); the EI (SIAE) 4000; Bureau Plus is ordinary.
    assert found[Indicator.SPEND_ESAT_EA] == Decimal("2250")
    assert found[Indicator.SPEND_SIAE] == Decimal("4000")
    assert found.spend_total == Decimal("15250")
    months = {row.month: row for row in found.by_month}
    assert months[1].spend_esat_ea == 1250 and months[3].spend_esat_ea == 700 and months[3].spend_siae == 4000
    want_reserved_by_month = {}
    for s in specs:
        if s["status"] in PASSED and s["notified"]:
            want_reserved_by_month[s["notified"].month] = want_reserved_by_month.get(
                s["notified"].month, 0
            ) + reserved_units(s)
    assert {m: r.reserved for m, r in months.items() if r.reserved} == {
        m: n for m, n in want_reserved_by_month.items() if n
    }
    kinds = {kind: amount for kind, _label, amount in found.by_kind}
    assert kinds == {"ESAT": Decimal("1250"), "EA": Decimal("1000"), "EI": Decimal("4000")}
    cleaning = next(row for row in found.by_category if row.category == "6283 Nettoyage des locaux")
    assert (cleaning.total, cleaning.inclusive) == (Decimal("13000"), Decimal("4000"))


def test_a_proposed_name_match_does_not_count(world):
    generate(world)
    import_spend(world, confirm_name=False)
    assert indicators(world["org"], YEAR)[Indicator.SPEND_ESAT_EA] == Decimal("1250")


def test_filters_by_service_and_buyer(world):
    specs, hour_lines, required = generate(world, seed=11)
    import_spend(world)
    parks = indicators(world["org"], YEAR, service=world["parks"])
    want = expected(specs, hour_lines, required, keep=lambda s: s["service"] == world["parks"])
    for indicator in (Indicator.RESERVED_COUNT, Indicator.SOCIAL_SHARE_COUNT, Indicator.INSERTION_HOURS):
        assert parks[indicator] == want[indicator]
    assert parks[Indicator.SPEND_ESAT_EA] == Decimal("2000")  # the 250 € line is the DSI's
    mine = indicators(world["org"], YEAR, buyer=world["buyer"])
    want = expected(specs, hour_lines, required, keep=lambda s: s["buyer"] == world["buyer"])
    for indicator in (Indicator.RESERVED_COUNT, Indicator.SOCIAL_SHARE_AMOUNT, Indicator.INSERTION_HOURS):
        assert mine[indicator] == want[indicator]
    assert mine[Indicator.SPEND_SIAE] is None


def test_progress_and_trajectory(world):
    specs, hour_lines, required = generate(world)
    import_spend(world)
    steward = world["steward"]
    set_target(
        steward,
        world["org"],
        year=YEAR,
        indicator=Indicator.SPEND_SIAE,
        value=8000,
        baseline_year=2025,
        baseline_value=1000,
    )
    set_target(steward, world["org"], year=YEAR + 1, indicator=Indicator.SPEND_SIAE, value=12000)
    set_target(steward, world["org"], year=YEAR, indicator=Indicator.SOCIAL_SHARE_COUNT, value=10)
    found = {p.indicator: p for p in progress(world["org"], YEAR, today=dt.date(YEAR, 7, 2))}
    siae = found[Indicator.SPEND_SIAE]
    assert siae.actual == Decimal("4000") and siae.ratio == Decimal("50.0")
    # 2 July is day 183 of 365: 8000 * 183 / 365 = 4010.96 expected by then.
    assert siae.expected == Decimal("4010.96") and not siae.on_track
    assert [(p.year, p.target, p.baseline) for p in siae.trajectory] == [
        (2025, None, True),
        (YEAR, Decimal("8000.00"), False),
        (YEAR + 1, Decimal("12000.00"), False),
    ]
    share = found[Indicator.SOCIAL_SHARE_COUNT]
    want = expected(specs, hour_lines, required)[Indicator.SOCIAL_SHARE_COUNT]
    assert share.actual == want and share.expected == Decimal("10.00") and share.on_track == (want >= 10)


def test_compliance_on_both_sides_of_the_obligation_date(world):
    org = world["org"]
    plan = Plan.objects.create(organisation=org, year=YEAR)
    start = legal.articles()["social_obligation"].valid_from
    threshold = legal.eu_threshold("services", "other", start).amount
    cases = [
        ("AVANT", start - dt.timedelta(days=1), threshold + 1, {}),
        ("SANS", start, threshold, {}),
        ("CLAUSE", start, threshold + 10, {"insertion_clause": True}),
        ("RESERVE", start + dt.timedelta(days=3), threshold * 2, {"reservation": "L2113-13"}),
        ("SOUS", start + dt.timedelta(days=3), threshold - 1, {}),
        ("REFUSE", start + dt.timedelta(days=3), threshold * 2, {"status": "refused"}),
    ]
    for ref, launch, amount, extra in cases:
        PlannedPurchase.objects.create(
            plan=plan,
            stable_key=ref,
            reference=ref,
            object=ref,
            nature="services",
            launch_date=launch,
            estimated_amount=amount,
            total_amount=amount,
            **extra,
        )
    from levier.recommendations.models import ScreeningOverride

    ScreeningOverride.objects.create(
        purchase=PlannedPurchase.objects.get(reference="SANS"),
        option="reserve",
        option_label="Réserver",
        reason="Besoin immédiatement disponible.",
    )
    found = compliance(org, YEAR)
    assert found.obligation_from == dt.date(2026, 8, 21)
    assert {row.reference: row.compliant for row in found.rows} == {
        "SANS": False,
        "CLAUSE": True,
        "RESERVE": True,
    }
    assert found.before_obligation == 1
    assert found.non_compliant[0].justification == "Besoin immédiatement disponible."


def test_buyer_objectives(world):
    specs, _hours, _required = generate(world)
    set_buyer_objective(
        world["steward"],
        world["org"],
        year=YEAR,
        indicator="reserved_count",
        minimum=1,
        label="Au moins un marché réservé",
    )
    set_buyer_objective(
        world["steward"],
        world["org"],
        year=YEAR,
        indicator="social_count",
        minimum=3,
        label="Au moins trois marchés avec clause ou critère",
    )
    statuses = {s.buyer_id: s for s in buyer_objectives_status(world["org"], YEAR)}
    assert set(statuses) == {world["buyer"].pk, world["second_buyer"].pk}
    for buyer in (world["buyer"], world["second_buyer"]):
        mine = [s for s in specs if s["buyer"] == buyer and s["status"] in PASSED]
        reserved = sum(reserved_units(s) for s in mine)
        clauses = sum(
            1
            for s in mine
            if s["insertion"] or s["criterion"] or any(k != "reserved" for _l, k in s["clauses"])
        )
        got = {o.objective.indicator: o for o in statuses[buyer.pk].objectives}
        assert got["reserved_count"].actual == reserved and got["reserved_count"].met == (reserved >= 1)
        assert got["social_count"].actual == clauses and got["social_count"].met == (clauses >= 3)
