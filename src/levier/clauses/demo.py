"""Demo clauses on the demo plan's purchases: awards, a year of declarations, alerts, a closed clause.

Everything is fictional: participants are codes with invented profiles drawn from a seeded generator, so two
loads give the same data. Dates are relative to today, so that the clause followed monthly is on track, the
quarterly one is behind and its holder never declared its second quarter (alerts show), and the one that
ended three months ago is closed with its final report. Awards name demo structures of the directory
(matched by SIRET, hence inclusive) beside fictional companies. Loading twice changes nothing: a clause is
found by its purchase, lot and kind.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from levier.directory.models import Source, Structure
from levier.plans.models import PlannedPurchase
from levier.rules.siret import luhn_ok

from . import awards, declarations, documents, services
from .forecast import add_months, periods, progress
from .models import (
    FREQUENCY_MONTHS,
    AgeBand,
    Clause,
    ClauseKind,
    ClauseStatus,
    ContractType,
    DeclarationLine,
    Eligibility,
    Participant,
    Qualification,
    ReferringBody,
    Sex,
    Way,
)
from .personal_data import ServerOperator

DOMAIN = "demo.levier.invalid"


@dataclass
class DemoClause:
    org: str
    ref: str
    kind: str
    lot: str = ""
    article: str = ""
    started_months_ago: int = 0
    months: int = 12
    frequency: str = "quarterly"
    pace: float = 1.0  # share of the expected hours actually declared
    forgotten: tuple[int, ...] = ()  # periods (0 = the first) the holder never declared
    people: int = 0
    close: bool = False
    taken_over: Decimal = Decimal(0)
    weight: Decimal | None = None
    holders: list[tuple[str, str]] = field(default_factory=list)  # (name or "@KIND", role)


CLAUSES = [
    # On track, declared monthly, holder with an ETTI as co-contractor.
    DemoClause(
        "ville-de-valmont",
        "VAL-2027-005",
        ClauseKind.EXECUTION_CONDITION,
        started_months_ago=12,
        months=48,
        frequency="monthly",
        pace=1.08,
        people=7,
        holders=[("Voirie Propre Valmont SAS", "holder"), ("@ETTI", "cocontractor")],
    ),
    # Behind: quarterly declarations well under the expected pace, and the second quarter never declared.
    DemoClause(
        "ville-de-valmont",
        "VAL-2027-003",
        ClauseKind.EXECUTION_CONDITION,
        started_months_ago=12,
        months=36,
        frequency="quarterly",
        pace=0.45,
        forgotten=(1,),
        people=3,
        holders=[("Arbres et Cimes SARL", "holder"), ("@EI", "subcontractor")],
    ),
    # Ended three months ago: closed with its final report.
    DemoClause(
        "ville-de-valmont",
        "VAL-2027-012",
        ClauseKind.EXECUTION_CONDITION,
        started_months_ago=15,
        months=12,
        frequency="monthly",
        pace=1.12,
        people=4,
        close=True,
        holders=[("Berges et Rivières SCOP", "holder"), ("@ACI", "subcontractor")],
    ),
    DemoClause(
        "ville-de-valmont",
        "VAL-2027-007",
        ClauseKind.RESERVED,
        article="L2113-14",
        holders=[("@ESAT", "holder")],
    ),
    DemoClause("ville-de-valmont", "VAL-2027-001", ClauseKind.RESERVED, lot="1", article="L2113-13"),
    DemoClause("ville-de-valmont", "VAL-2027-015", ClauseKind.AWARD_CRITERION, weight=Decimal("15")),
    # Cleaning of the collèges: staff taken over from the previous holder lower the hours.
    DemoClause(
        "departement-du-val-fictif",
        "CD-2027-05",
        ClauseKind.EXECUTION_CONDITION,
        started_months_ago=12,
        months=48,
        frequency="quarterly",
        pace=0.97,
        people=5,
        taken_over=Decimal("0.6"),
        holders=[("Nettoyage du Val-Fictif SA", "holder"), ("@GEIQ", "subcontractor")],
    ),
]

WAYS_BY_HOLDER_KIND = {
    "ETTI": Way.ETTI,
    "EI": Way.SUBCONTRACTING,
    "ACI": Way.SUBCONTRACTING,
    "GEIQ": Way.GEIQ_PROVISION,
}


def _company_siret(name: str) -> str:
    """A fictional SIRET (SIREN 9991xxxxx) derived from the name, stable between loads."""
    stem = f"9991{sum(ord(c) * (i + 1) for i, c in enumerate(name)) % 100000:05d}0001"
    return next(stem + str(digit) for digit in range(10) if luhn_ok(stem + str(digit)))


def _demo_structure(kind: str) -> Structure | None:
    return (
        Structure.objects.filter(sources__source=Source.DEMO, kinds__kind=kind)
        .exclude(siret="")
        .order_by("pk")
        .first()
    )


def _holders(spec: DemoClause) -> tuple[list[dict], Structure | None]:
    rows, partner = [], None
    for name, role in spec.holders:
        if name.startswith("@"):
            structure = _demo_structure(name[1:])
            if structure is None:
                continue
            partner = partner or structure
            rows.append({"name": structure.name, "siret": structure.siret, "role": role})
        else:
            rows.append({"name": name, "siret": _company_siret(name), "role": role})
    return rows, partner


def _participant(rng: random.Random, code: str) -> dict:
    age = rng.choices(list(AgeBand.values), weights=[4, 5, 2])[0]
    eligibility = (
        Eligibility.YOUTH
        if age == AgeBand.UNDER_26
        else rng.choice(
            [
                Eligibility.LONG_TERM_JOBSEEKER,
                Eligibility.RSA,
                Eligibility.DISABILITY,
                Eligibility.SIAE_FOLLOWED,
            ]
        )
    )
    return {
        "code": code,
        "age_band": age,
        "sex": rng.choice(list(Sex.values)),
        "eligibility": eligibility,
        "qualification": rng.choice(list(Qualification.values)),
        "qpv": rng.random() < 0.4,
        "contract_type": rng.choice(
            [ContractType.CDDI, ContractType.CTTI, ContractType.CDD, ContractType.CDI]
        ),
        "contract_months": rng.choice([3, 4, 6, 12]),
        "referring_body": rng.choice(list(ReferringBody.values)),
    }


def _declare(user, clause: Clause, spec: DemoClause, today: dt.date, partner: Structure | None) -> int:
    rng = random.Random(f"{spec.org}/{spec.ref}")
    prefix = spec.ref.split("-")[0]
    people = [_participant(rng, f"{prefix}-{spec.ref[-3:]}-{n:02d}") for n in range(1, spec.people + 1)]
    way = (
        WAYS_BY_HOLDER_KIND.get(partner.kinds.values_list("kind", flat=True).first(), Way.DIRECT_HIRE)
        if partner
        else Way.DIRECT_HIRE
    )
    schedule = periods(clause.start_date, clause.end_date, FREQUENCY_MONTHS[clause.reporting_frequency])
    total_days = (clause.end_date - clause.start_date).days + 1
    written = 0
    for index, (first, last) in enumerate(schedule):
        if last >= today:
            break
        if index in spec.forgotten:
            continue
        share = Decimal((last - first).days + 1) / total_days
        hours = Decimal(clause.hours_required) * share * Decimal(str(spec.pace))
        working = rng.sample(people, k=max(1, min(len(people), 1 + rng.randrange(len(people)))))
        lines = []
        for rank, person in enumerate(working):
            part = (hours / len(working) * Decimal(str(rng.uniform(0.8, 1.2)))).quantize(Decimal("0.5"))
            line_way = way if rank % 2 == 0 else Way.DIRECT_HIRE
            line = {**person, "way": line_way, "hours": part}
            if line_way != Way.DIRECT_HIRE and partner is not None:
                line.update(structure_name=partner.name, structure_siret=partner.siret)
            lines.append(line)
        declarations.record_declaration(
            user, ServerOperator(), clause, period_start=first, period_end=last, lines=lines
        )
        written += 1
    return written


def _seed_clause(org, spec: DemoClause, facilitator, today: dt.date) -> tuple[bool, int]:
    purchase = PlannedPurchase.objects.filter(plan__organisation=org, reference=spec.ref).first()
    if purchase is None:
        return False, 0
    lot = purchase.lots.filter(number=spec.lot).first() if spec.lot else None
    if Clause.objects.filter(purchase=purchase, lot=lot, kind=spec.kind).exists():
        return False, 0
    values: dict = {"kind": spec.kind, "lot": lot, "article": spec.article, "facilitator": facilitator}
    if spec.kind == ClauseKind.AWARD_CRITERION:
        values["criterion_weight"] = spec.weight
    if spec.kind == ClauseKind.EXECUTION_CONDITION:
        start = add_months(today.replace(day=1), -spec.started_months_ago)
        values.update(
            start_date=start,
            end_date=add_months(start, spec.months) - dt.timedelta(days=1),
            reporting_frequency=spec.frequency,
            penalty_per_hour=Decimal("30"),
            penalty_late_report=Decimal("150"),
            taken_over_share=spec.taken_over,
        )
    clause = services.create_clause(facilitator, purchase, **values)
    holders, partner = _holders(spec)
    if holders:
        awards.record_award(
            facilitator,
            clause,
            amount_ht=purchase.total_amount,
            awarded_on=add_months(today, -spec.started_months_ago - 2),
            bids=4 + len(holders),
            inclusive_bids=sum(1 for name, _role in spec.holders if name.startswith("@")) + 1,
            holders=holders,
        )
    written = 0
    if clause.is_insertion and clause.start_date:
        services.activate_clause(facilitator, clause)
        written = _declare(facilitator, clause, spec, today, partner)
        if spec.close:
            services.close_clause(facilitator, clause, on=today)
    return True, written


@transaction.atomic
def seed(orgs) -> dict[str, int]:
    today = dt.date.today()
    facilitator = get_user_model().objects.filter(email=f"facilitatrice@{DOMAIN}").first()
    created = periods_written = 0
    for spec in CLAUSES:
        if spec.org not in orgs:
            continue
        done, written = _seed_clause(orgs[spec.org], spec, facilitator, today)
        created += done
        periods_written += written
    for org in orgs.values():
        documents.ensure_templates(org)
    demo_clauses = Clause.objects.filter(organisation__in=list(orgs.values()))
    followed = [progress(clause, on=today) for clause in demo_clauses.filter(status=ClauseStatus.ACTIVE)]
    behind = sum(1 for found in followed if found is not None and found.behind)
    missing = sum(len(found.missing) for found in followed if found is not None)
    return {
        "clauses créées": created,
        "clauses (total)": demo_clauses.count(),
        "périodes déclarées": periods_written,
        "lignes d'heures déclarées": DeclarationLine.objects.filter(
            declaration__clause__in=demo_clauses
        ).count(),
        "participants (pseudonymes)": Participant.objects.filter(
            organisation__in=list(orgs.values())
        ).count(),
        "clauses en retard": behind,
        "déclarations manquantes": missing,
        "clauses clôturées": demo_clauses.filter(status=ClauseStatus.CLOSED).count(),
    }
