"""Demo purchase plans: the Ville de Valmont's 2027 plan and a smaller one for the Département du Val-Fictif.

Every line is invented (objects as buyers write them, holders with SIRETs built to pass the checksum).
The city's green-spaces direction, whose prescriber is in the demo, has purchases in every workflow
status with their history; the other directions' purchases wait for a prescriber of their own. Current
contracts end in the coming months (renewal opportunities). Loading twice changes nothing: purchases are
found by their reference, and a purchase that exists is left as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from levier.ingest.plans.keys import lot_key, reference_key
from levier.organisations.models import Service
from levier.rules.siret import luhn_ok

from . import services
from .models import Lot, Plan, PlannedPurchase, Transition
from .workflow import Status

DOMAIN = "demo.levier.invalid"
YEAR = 2027

# The steps that lead to each status, with who takes them.
PATHS = {
    Status.TO_SCREEN: [],
    Status.PROPOSED: [("propose", "facilitatrice")],
    Status.REFUSED: [("propose", "facilitatrice"), ("refuse", "prescripteur")],
    Status.VALIDATED: [("propose", "facilitatrice"), ("validate", "prescripteur")],
}
PATHS[Status.REVIEWED] = [*PATHS[Status.VALIDATED], ("review", "referente")]
PATHS[Status.IN_CONSULTATION] = [*PATHS[Status.REVIEWED], ("launch", "acheteuse")]
PATHS[Status.AWARDED] = [*PATHS[Status.IN_CONSULTATION], ("award", "acheteuse")]
PATHS[Status.IN_EXECUTION] = [*PATHS[Status.AWARDED], ("start", "acheteuse")]
PATHS[Status.CLOSED] = [*PATHS[Status.IN_EXECUTION], ("close", "acheteuse")]

COMMENTS = {
    "propose": "Proposition : marché réservé ou clause d'insertion selon l'offre locale.",
    "refuse": "",
    "validate": "Validé par la direction.",
    "review": "Examiné en commission d'anticipation.",
    "launch": "Avis publié.",
    "award": "Attribution notifiée.",
    "start": "Ordre de service émis.",
    "close": "Marché soldé.",
}
REFUSAL = "Le calendrier ne permet pas de réserver ce marché cette année : à revoir pour le renouvellement."


@dataclass
class Line:
    ref: str
    object: str
    service: str
    nature: str
    amount: int
    basis: str = "whole_duration"
    months: int = 12
    launch: tuple[int, int] = (3, 1)  # month, day in the plan's year
    cpv: str = ""
    status: str = Status.TO_SCREEN
    published: bool = False
    reservation: str = ""
    clause: bool = False
    holder: str = ""
    ends_in_months: int | None = None  # current contract ending N months from today
    place: str = ""
    recurring: bool | None = True
    # number, title, amount, and optionally the lot's own reservation
    lots: list[tuple] = field(default_factory=list)
    criterion: bool = False
    notified: tuple[int, int] | None = None  # month, day in the plan's year; default 3 months after launch


PARKS, CLEAN = "Service des parcs et jardins", "Propreté urbaine"
DEVE = "Direction des espaces verts et de l'environnement"
FOOD, SCHOOLS = "Restauration scolaire", "Direction de l'éducation et de la restauration"
NEW, UPKEEP = "Travaux neufs", "Entretien du patrimoine"
DSI, PRINT, COM = (
    "Direction des systèmes d'information",
    "Imprimerie municipale",
    "Direction de la communication",
)

VALMONT = [
    Line(
        "VAL-2027-001",
        "Entretien des espaces verts des parcs municipaux",
        PARKS,
        "services",
        180_000,
        "per_year",
        48,
        (2, 15),
        "77311000",
        Status.IN_CONSULTATION,
        True,
        "L2113-13",
        False,
        "Verts Jardins SARL",
        3,
        lots=[("1", "Parcs du centre-ville", 110_000), ("2", "Squares et jardins de quartier", 70_000)],
    ),
    Line(
        "VAL-2027-002",
        "Désherbage manuel et alternatif des cimetières",
        PARKS,
        "services",
        45_000,
        "per_year",
        36,
        (1, 20),
        "77312000",
        Status.REVIEWED,
        True,
        "L2113-12",
        holder="Paysages du Val",
        ends_in_months=2,
    ),
    Line(
        "VAL-2027-003",
        "Élagage et abattage d'arbres d'alignement",
        PARKS,
        "services",
        260_000,
        months=36,
        launch=(4, 1),
        cpv="77211400",
        status=Status.VALIDATED,
        published=True,
        clause=True,
        holder="Arbor Services",
        ends_in_months=5,
    ),
    Line(
        "VAL-2027-004",
        "Fourniture de végétaux, bulbes et plants de fleurissement",
        PARKS,
        "supplies",
        38_000,
        "per_year",
        12,
        (1, 10),
        "03121100",
        Status.PROPOSED,
        recurring=True,
    ),
    Line(
        "VAL-2027-005",
        "Nettoiement des voies et collecte des dépôts sauvages",
        CLEAN,
        "services",
        520_000,
        "per_year",
        48,
        (5, 1),
        "90610000",
        Status.AWARDED,
        clause=True,
        holder="Propre Cité SAS",
        ends_in_months=1,
    ),
    Line(
        "VAL-2027-006",
        "Ramassage des feuilles et entretien des avaloirs",
        CLEAN,
        "services",
        60_000,
        months=24,
        launch=(6, 15),
        cpv="90611000",
        status=Status.REFUSED,
    ),
    Line(
        "VAL-2027-007",
        "Entretien des aires de jeux et du mobilier urbain",
        DEVE,
        "services",
        95_000,
        months=36,
        launch=(3, 10),
        cpv="50870000",
        status=Status.IN_EXECUTION,
        reservation="L2113-14",
    ),
    Line(
        "VAL-2027-008",
        "Gestion différenciée des prairies fleuries",
        DEVE,
        "services",
        28_000,
        months=12,
        launch=(2, 1),
        status=Status.CLOSED,
        reservation="L2113-12",
    ),
    Line(
        "VAL-2027-009",
        "Collecte et valorisation des déchets verts",
        CLEAN,
        "services",
        150_000,
        "per_year",
        48,
        (9, 1),
        "90513000",
        Status.TO_SCREEN,
        holder="Compost Val",
        ends_in_months=9,
    ),
    Line(
        "VAL-2027-010",
        "Arrosage automatique : maintenance des installations",
        PARKS,
        "services",
        32_000,
        months=36,
        launch=(4, 20),
        cpv="50500000",
        status=Status.VALIDATED,
        published=True,
        clause=True,
    ),
    Line(
        "VAL-2027-011",
        "Fourniture de matériel de jardinage et petit outillage",
        DEVE,
        "supplies",
        22_000,
        "per_year",
        24,
        (2, 5),
        "44511000",
        Status.PROPOSED,
    ),
    Line(
        "VAL-2027-012",
        "Entretien des berges de la Loue et des fossés",
        DEVE,
        "services",
        75_000,
        months=24,
        launch=(7, 1),
        cpv="77314000",
        status=Status.REVIEWED,
        clause=True,
        place="Valmont-sur-Loue",
    ),
    Line(
        "VAL-2027-013",
        "Nettoyage des sanitaires publics",
        CLEAN,
        "services",
        84_000,
        "per_year",
        36,
        (3, 1),
        "90919000",
        Status.IN_CONSULTATION,
        True,
        "L2113-13",
        holder="Net Service 39",
        ends_in_months=4,
    ),
    Line(
        "VAL-2027-014",
        "Plantation d'arbres : programme canopée",
        PARKS,
        "works",
        410_000,
        months=18,
        launch=(10, 1),
        cpv="45112710",
        status=Status.TO_SCREEN,
        recurring=False,
    ),
    Line(
        "VAL-2027-015",
        "Repas en liaison froide pour les écoles et le centre de loisirs",
        FOOD,
        "supplies",
        1_450_000,
        "per_year",
        48,
        (1, 15),
        "15894210",
        Status.PROPOSED,
        clause=True,
        holder="Restauval SAS",
        ends_in_months=6,
        lots=[
            ("1", "Repas scolaires", 1_200_000),
            ("2", "Centre de loisirs", 180_000),
            ("3", "Portage de repas aux seniors", 70_000),
        ],
    ),
    Line(
        "VAL-2027-016",
        "Fourniture de fruits et légumes frais",
        FOOD,
        "supplies",
        120_000,
        "per_year",
        36,
        (3, 15),
        "03221000",
        Status.TO_SCREEN,
    ),
    Line(
        "VAL-2027-017",
        "Nettoyage des locaux scolaires",
        SCHOOLS,
        "services",
        340_000,
        "per_year",
        48,
        (2, 1),
        "90919300",
        Status.PROPOSED,
        holder="Clair Net",
        ends_in_months=3,
        lots=[("1", "Écoles maternelles", 150_000), ("2", "Écoles élémentaires", 190_000)],
    ),
    Line(
        "VAL-2027-018",
        "Blanchisserie du linge des crèches",
        SCHOOLS,
        "services",
        26_000,
        "per_year",
        36,
        (5, 1),
        "98311000",
        Status.TO_SCREEN,
        reservation="L2113-12",
    ),
    Line(
        "VAL-2027-019",
        "Transport scolaire et sorties pédagogiques",
        SCHOOLS,
        "services",
        210_000,
        "per_year",
        36,
        (4, 1),
        "60130000",
        Status.TO_SCREEN,
        holder="Autocars du Val",
        ends_in_months=7,
    ),
    Line(
        "VAL-2027-020",
        "Fournitures scolaires et pédagogiques",
        SCHOOLS,
        "supplies",
        90_000,
        "per_year",
        48,
        (6, 1),
        "22800000",
        Status.TO_SCREEN,
    ),
    Line(
        "VAL-2027-021",
        "Réhabilitation du gymnase Jean-Moulin",
        NEW,
        "works",
        2_300_000,
        months=14,
        launch=(3, 1),
        cpv="45212225",
        status=Status.PROPOSED,
        clause=True,
        recurring=False,
        lots=[
            ("1", "Gros œuvre", 900_000),
            ("2", "Couverture et étanchéité", 450_000),
            ("3", "Menuiseries", 380_000),
            ("4", "Peinture et revêtements", 570_000),
        ],
    ),
    Line(
        "VAL-2027-022",
        "Construction d'une maison de santé",
        NEW,
        "works",
        4_100_000,
        months=20,
        launch=(9, 15),
        cpv="45215100",
        status=Status.TO_SCREEN,
        recurring=False,
    ),
    Line(
        "VAL-2027-023",
        "Travaux de peinture dans les bâtiments communaux",
        UPKEEP,
        "works",
        160_000,
        "per_year",
        48,
        (2, 1),
        "45442100",
        Status.PROPOSED,
        clause=True,
        holder="Peintures Réunies",
        ends_in_months=2,
    ),
    Line(
        "VAL-2027-024",
        "Maintenance des installations de chauffage",
        UPKEEP,
        "services",
        230_000,
        "per_year",
        60,
        (7, 1),
        "50720000",
        Status.TO_SCREEN,
        holder="Thermival",
        ends_in_months=8,
    ),
    Line(
        "VAL-2027-025",
        "Entretien des ascenseurs",
        UPKEEP,
        "services",
        40_000,
        "per_year",
        48,
        (5, 15),
        "50750000",
        Status.TO_SCREEN,
    ),
    Line(
        "VAL-2027-026",
        "Réfection de la voirie rue des Tanneurs",
        "Direction des bâtiments et de la voirie",
        "works",
        780_000,
        months=6,
        launch=(4, 1),
        cpv="45233141",
        status=Status.PROPOSED,
        clause=True,
        recurring=False,
    ),
    Line(
        "VAL-2027-027",
        "Petits travaux de menuiserie et de serrurerie",
        UPKEEP,
        "works",
        95_000,
        "per_year",
        48,
        (3, 1),
        "45421000",
        Status.TO_SCREEN,
        reservation="L2113-13",
    ),
    Line(
        "VAL-2027-028",
        "Fourniture de postes de travail et d'écrans",
        DSI,
        "supplies",
        310_000,
        months=36,
        launch=(2, 1),
        cpv="30213000",
        status=Status.TO_SCREEN,
    ),
    Line(
        "VAL-2027-029",
        "Reconditionnement et recyclage du matériel informatique",
        DSI,
        "services",
        18_000,
        "per_year",
        36,
        (3, 1),
        "50300000",
        Status.PROPOSED,
        reservation="L2113-12",
    ),
    Line(
        "VAL-2027-030",
        "Numérisation des archives de l'état civil",
        DSI,
        "services",
        55_000,
        months=12,
        launch=(9, 1),
        cpv="79999100",
        status=Status.TO_SCREEN,
        reservation="L2113-12",
        recurring=False,
    ),
    Line(
        "VAL-2027-031",
        "Infogérance et assistance aux utilisateurs",
        DSI,
        "services",
        240_000,
        "per_year",
        48,
        (6, 1),
        "72253200",
        Status.TO_SCREEN,
        holder="Infoval",
        ends_in_months=10,
    ),
    Line(
        "VAL-2027-032",
        "Impression du magazine municipal",
        PRINT,
        "services",
        70_000,
        "per_year",
        48,
        (1, 15),
        "79810000",
        Status.PROPOSED,
        holder="Imprimerie du Val",
        ends_in_months=2,
    ),
    Line(
        "VAL-2027-033",
        "Mise sous pli et routage des courriers",
        PRINT,
        "services",
        24_000,
        "per_year",
        36,
        (4, 1),
        "79571000",
        Status.TO_SCREEN,
        reservation="L2113-12",
    ),
    Line(
        "VAL-2027-034",
        "Fourniture de papier et de consommables d'impression",
        PRINT,
        "supplies",
        35_000,
        "per_year",
        36,
        (2, 1),
        "30197600",
        Status.TO_SCREEN,
    ),
    Line(
        "VAL-2027-035",
        "Organisation de la fête de la Loue",
        COM,
        "services",
        65_000,
        months=4,
        launch=(2, 15),
        cpv="79952000",
        status=Status.PROPOSED,
        clause=True,
        recurring=True,
    ),
    Line(
        "VAL-2027-036",
        "Distribution des supports de communication",
        COM,
        "services",
        30_000,
        "per_year",
        36,
        (3, 1),
        "79823000",
        Status.TO_SCREEN,
        reservation="L2113-13",
    ),
    Line(
        "VAL-2027-037",
        "Signalétique des équipements municipaux",
        COM,
        "supplies",
        48_000,
        months=12,
        launch=(5, 1),
        cpv="34928470",
        status=Status.TO_SCREEN,
        recurring=False,
    ),
    Line(
        "VAL-2027-038",
        "Conception graphique et photographie",
        COM,
        "services",
        42_000,
        "per_year",
        36,
        (6, 1),
        "79822500",
        Status.TO_SCREEN,
    ),
    Line(
        "VAL-2027-039",
        "Vêtements de travail et équipements de protection",
        DEVE,
        "supplies",
        52_000,
        "per_year",
        36,
        (1, 25),
        "18100000",
        Status.VALIDATED,
        True,
        "L2113-12",
        holder="Textiles Pro",
        ends_in_months=2,
    ),
    Line(
        "VAL-2027-040",
        "Entretien des véhicules du parc municipal",
        CLEAN,
        "services",
        110_000,
        "per_year",
        48,
        (8, 1),
        "50112000",
        Status.TO_SCREEN,
    ),
]

DEPARTEMENT = [
    Line(
        "CD-2027-01",
        "Fauchage et débroussaillage des accotements",
        "Centre d'exploitation Nord",
        "services",
        380_000,
        "per_year",
        48,
        (2, 1),
        "77312000",
        Status.PROPOSED,
        clause=True,
        holder="Routes Vertes",
        ends_in_months=3,
        lots=[("1", "Secteur nord", 200_000), ("2", "Secteur sud", 180_000)],
    ),
    Line(
        "CD-2027-02",
        "Viabilité hivernale : fourniture de sel de déneigement",
        "Direction des routes",
        "supplies",
        600_000,
        "per_year",
        36,
        (6, 1),
        "34927100",
        Status.TO_SCREEN,
    ),
    Line(
        "CD-2027-03",
        "Accompagnement socio-professionnel des bénéficiaires du RSA",
        "Direction de l'insertion et de l'emploi",
        "services",
        900_000,
        "per_year",
        36,
        (3, 1),
        "85312320",
        Status.PROPOSED,
        True,
        "L2113-13",
    ),
    Line(
        "CD-2027-04",
        "Restauration des collèges : denrées alimentaires",
        "Direction des collèges",
        "supplies",
        2_100_000,
        "per_year",
        48,
        (4, 1),
        "15000000",
        Status.TO_SCREEN,
        holder="Agri Val",
        ends_in_months=5,
    ),
    Line(
        "CD-2027-05",
        "Nettoyage des collèges",
        "Direction des collèges",
        "services",
        720_000,
        "per_year",
        48,
        (1, 15),
        "90919300",
        Status.TO_SCREEN,
        clause=True,
    ),
    Line(
        "CD-2027-06",
        "Entretien des espaces verts des collèges",
        "Direction des collèges",
        "services",
        85_000,
        "per_year",
        36,
        (3, 15),
        "77311000",
        Status.PROPOSED,
        reservation="L2113-14",
    ),
    Line(
        "CD-2027-07",
        "Signalisation horizontale des routes départementales",
        "Centre d'exploitation Sud",
        "works",
        450_000,
        "per_year",
        48,
        (5, 1),
        "45233221",
        Status.TO_SCREEN,
    ),
]


def _siret(seed: int) -> str:
    prefix = f"9{seed:012d}"[:13]
    return next(prefix + str(digit) for digit in range(10) if luhn_ok(prefix + str(digit)))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return dt.date(day.year + index // 12, index % 12 + 1, min(day.day, 28))


def demo_users() -> dict[str, object]:
    names = ("acheteuse", "facilitatrice", "prescripteur", "referente")
    found = get_user_model().objects.filter(email__in=[f"{name}@{DOMAIN}" for name in names])
    return {user.email.split("@")[0]: user for user in found}


def seed_plan(
    org,
    lines: list[Line],
    users: dict,
    start: dt.datetime,
    *,
    year: int = YEAR,
    walk: bool = True,
    siret_base: int = 1000,
) -> tuple[int, int, int]:
    """Create the plan's missing lines. With `walk`, each purchase takes its workflow steps as the demo users;
    without, it gets its status as a plan kept before Levier would bring it (no history)."""
    plan = Plan.objects.filter(organisation=org, year=year).first()
    if plan is None:
        plan = Plan.objects.create(organisation=org, year=year, title=f"Plan des achats {year}")
    services_by_name = {s.name: s for s in Service.objects.filter(organisation=org)}
    today = dt.date.today()
    created = transitions = 0
    for index, line in enumerate(lines):
        key = reference_key(line.ref)
        if plan.purchases.filter(stable_key=key).exists():
            continue
        launch = dt.date(year, *line.launch)
        notified = dt.date(year, *line.notified) if line.notified else _add_months(launch, 3)
        purchase = PlannedPurchase(
            plan=plan,
            stable_key=key,
            reference=line.ref,
            object=line.object,
            service=services_by_name.get(line.service),
            service_label=line.service,
            buyer=users.get("acheteuse"),
            facilitator=users.get("facilitatrice") if line.status != Status.TO_SCREEN else None,
            nature=line.nature,
            cpv=line.cpv,
            estimated_amount=Decimal(line.amount),
            amount_basis=line.basis,
            duration_months=line.months,
            launch_date=launch,
            notification_date=notified,
            place=line.place,
            current_holder_name=line.holder,
            current_holder_siret=_siret(siret_base + index) if line.holder else "",
            current_contract_end=_add_months(today, line.ends_in_months) if line.ends_in_months else None,
            recurring=line.recurring,
            reservation=line.reservation,
            insertion_clause=line.clause,
            social_criterion=line.criterion,
        )
        if not walk:
            purchase.status = line.status
            purchase.status_changed_at = timezone.make_aware(dt.datetime.combine(notified, dt.time(10)))
        services.refresh_derived(purchase)
        purchase.save()
        created += 1
        for number, title, amount, *reservation in line.lots:
            lot = Lot(
                purchase=purchase,
                number=number,
                title=title,
                stable_key=lot_key(key, number),
                estimated_amount=Decimal(amount),
                reservation=reservation[0] if reservation else "",
            )
            services.refresh_lot(lot, purchase)
            lot.save()
        if walk:
            transitions += _walk(purchase, line, users, start + dt.timedelta(hours=index))
        if line.published:
            services.set_published(users.get("acheteuse"), purchase, True)
    return created, transitions, plan.purchases.filter(published_at__isnull=False).count()


def _walk(purchase: PlannedPurchase, line: Line, users: dict, start: dt.datetime) -> int:
    """Take the steps to the line's status, as the demo users would have, spread over past weeks."""
    for number, (code, who) in enumerate(PATHS[line.status]):
        done = services.transition(
            users[who], purchase, code, comment=COMMENTS[code], reason=REFUSAL if code == "refuse" else ""
        )
        Transition.objects.filter(pk=done.pk).update(at=start + dt.timedelta(days=7 * number))
        purchase.refresh_from_db()
    PlannedPurchase.objects.filter(pk=purchase.pk).update(
        status_changed_at=start + dt.timedelta(days=7 * max(len(PATHS[line.status]) - 1, 0))
    )
    return len(PATHS[line.status])


@transaction.atomic
def seed(orgs) -> dict[str, int]:
    users = demo_users()
    start = timezone.now() - dt.timedelta(days=120)
    counts = {"achats prévus créés": 0, "étapes du circuit de validation": 0, "achats publiés": 0}
    for slug, lines in (("ville-de-valmont", VALMONT), ("departement-du-val-fictif", DEPARTEMENT)):
        if slug not in orgs:
            continue
        created, steps, published = seed_plan(orgs[slug], lines, users, start)
        counts["achats prévus créés"] += created
        counts["étapes du circuit de validation"] += steps
        counts["achats publiés"] += published
    counts["achats prévus (total)"] = PlannedPurchase.objects.filter(plan__year=YEAR).count()
    return counts
