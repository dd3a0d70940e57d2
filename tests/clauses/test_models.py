"""Awards matched to the directory, and the constraints that keep declarations idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from levier.clauses import awards, services
from levier.clauses.models import (
    AwardHolder,
    ClauseKind,
    Declaration,
    DeclarationLine,
    HolderRole,
    Participant,
)
from levier.core.models import AuditEvent
from levier.directory.models import Structure, StructureKind
from levier.organisations.roles import Role
from levier.rules.siret import luhn_ok

from .world import world_fixture  # noqa: F401


def _siret(seed: int) -> str:
    """A valid SIRET whose SIREN differs for each seed (the directory also matches on the SIREN)."""
    prefix = f"{800000000 + seed * 1000:09d}0001"
    return next(prefix + str(digit) for digit in range(10) if luhn_ok(prefix + str(digit)))


@pytest.fixture
def clause(world):
    return services.create_clause(
        world["users"][Role.BUYER], world["purchase"], kind=ClauseKind.EXECUTION_CONDITION
    )


def structure(siret, *kinds):
    found = Structure.objects.create(name=f"Structure {siret}", siret=siret, siren=siret[:9])
    for kind in kinds:
        StructureKind.of(found, kind, "manual").save()
    return found


def test_holders_are_matched_to_the_directory_by_siret(world, clause):
    etti = structure(_siret(501), "ETTI")
    ess_only = structure(_siret(502), "ESS")
    other_establishment = _siret(503)
    head_office = f"{other_establishment[:9]}0002"
    head_office = next(head_office + str(d) for d in range(10) if luhn_ok(head_office + str(d)))
    esat = structure(head_office, "ESAT")  # same SIREN, another establishment
    award = awards.record_award(
        world["users"][Role.BUYER],
        clause,
        amount_ht="450 000,00",
        awarded_on=dt.date(2027, 6, 15),
        bids=5,
        inclusive_bids=2,
        holders=[
            {"name": "Propreté Générale", "siret": _siret(504), "role": "holder"},
            {"name": "Intérim Solidaire", "siret": etti.siret, "role": "cocontractor", "amount_ht": "50000"},
            {"name": "Coopérative ESS", "siret": ess_only.siret, "role": "subcontractor"},
            {"name": "ESAT du Val", "siret": other_establishment, "role": "subcontractor"},
        ],
    )
    assert award.amount_ht == Decimal("450000.00")
    holders = {h.name: h for h in award.holders.all()}
    assert not holders["Propreté Générale"].inclusive and holders["Propreté Générale"].structure is None
    assert holders["Intérim Solidaire"].inclusive and holders["Intérim Solidaire"].kinds == ["ETTI"]
    assert holders["Intérim Solidaire"].structure == etti
    assert not holders["Coopérative ESS"].inclusive  # ESS is not an inclusive family
    assert holders["ESAT du Val"].structure == esat and holders["ESAT du Val"].inclusive
    assert AuditEvent.objects.get(action="clauses.award.create").details["holders"][1]["inclusive"] is True
    # Recording again replaces the holders.
    awards.record_award(
        world["users"][Role.BUYER], clause, holders=[{"name": "Seul titulaire", "role": HolderRole.HOLDER}]
    )
    assert AwardHolder.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"holders": []}, "holders"),
        ({"holders": [{"name": "A", "siret": "12345678901234"}]}, "holders"),
        ({"holders": [{"name": "A", "role": "subcontractor"}]}, "holders"),
        ({"holders": [{"name": "A"}], "bids": 2, "inclusive_bids": 3}, "inclusive_bids"),
    ],
)
def test_award_refusals_are_french_and_change_nothing(world, clause, kwargs, field):
    with pytest.raises(awards.AwardError) as refused:
        awards.record_award(world["users"][Role.BUYER], clause, **kwargs)
    assert refused.value.field == field
    assert not AwardHolder.objects.exists()


def test_one_line_per_participant_period_and_way(world, clause):
    declaration = Declaration.objects.create(
        clause=clause, period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 3, 31)
    )
    person = Participant.objects.create(
        organisation=world["org"],
        code="Z-1",
        age_band="under_26",
        sex="M",
        eligibility="ass",
        contract_type="cdd",
    )
    DeclarationLine.objects.create(declaration=declaration, participant=person, way="etti", hours=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeclarationLine.objects.create(declaration=declaration, participant=person, way="etti", hours=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(
            clause=clause, period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 3, 31)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(
            organisation=world["org"],
            code="Z-1",
            age_band="under_26",
            sex="M",
            eligibility="ass",
            contract_type="cdd",
        )
