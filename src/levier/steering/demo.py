"""Demo steering: targets with a trajectory, a year of spend imported from an accounting export, buyer
objectives.

Years: the spend export covers January to November 2026, the demo clauses declare hours over the past
months (2026), and a 2026 plan of contracts already passed (awarded, in execution or closed, kept before
Levier and brought in with their statuses) feeds the contract indicators of 2026: reserved contracts and
lots, insertion clauses, social criteria, contracts at or above the EU thresholds on both sides of
2026-08-21, two of them without a social consideration but with the exemption the facilitator gave. The
2027 plans (levier.plans.demo) are the year being prepared. Targets are set for 2026 and 2027 from a 2025
baseline, so both years show figures on the dashboard.

The spend is a realistic fictional export (mandats with SIRET, supplier, imputation, service, amount HT)
written as a real xlsx workbook and imported through the real importer: demo structures of the directory
are paid under their SIRET (automatic matches), two of them under a name only (proposals to confirm), and
ordinary companies (fictional SIRETs, SIREN 9992xxxxx) supply the rest, some in sectors local structures
offer (transferable segments).

Idempotent: purchases are found by their reference (levier.plans.demo.seed_plan), targets and objectives
by their natural keys, an exemption is given once; the export is imported once per
organisation (a committed import of the same file name for the year is kept).
"""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from levier.core.demo import DEMO_DOMAIN
from levier.directory.models import Source, Structure
from levier.organisations.models import Service
from levier.plans.demo import Line, demo_users, seed_plan
from levier.plans.models import PlannedPurchase, Reservation
from levier.plans.workflow import Status
from levier.recommendations import services as screening_services
from levier.rules.sectors import load_taxonomy
from levier.rules.siret import luhn_ok

from . import importing, services
from .models import (
    BuyerObjective,
    Indicator,
    ObjectiveIndicator,
    SpendImport,
    SpendImportStatus,
    SteeringSettings,
    Target,
)

SPEND_YEAR = 2026
CONTRACT_YEAR = SPEND_YEAR
BASELINE_YEAR = 2025
FILE_NAME = f"export-mandats-{SPEND_YEAR}.xlsx"
STEWARDS = {"ville-de-valmont": "referente", "departement-du-val-fictif": "admin"}
# indicator: (baseline 2025, target 2026, target 2027)
TRAJECTORIES = {
    "ville-de-valmont": {
        Indicator.SPEND_ESAT_EA: (40_000, 60_000, 80_000),
        Indicator.SPEND_SIAE: (30_000, 45_000, 60_000),
        Indicator.RESERVED_COUNT: (5, 8, 12),
        Indicator.SOCIAL_SHARE_COUNT: (45, 60, 70),
        Indicator.SOCIAL_SHARE_AMOUNT: (55, 70, 80),
        Indicator.EU_SOCIAL_SHARE: (50, 100, 100),
        Indicator.INSERTION_HOURS: (2_000, 3_500, 5_000),
    },
    "departement-du-val-fictif": {
        Indicator.SPEND_ESAT_EA: (25_000, 35_000, 50_000),
        Indicator.SPEND_SIAE: (40_000, 55_000, 70_000),
        Indicator.RESERVED_COUNT: (3, 6, 8),
        Indicator.SOCIAL_SHARE_COUNT: (40, 55, 65),
        Indicator.INSERTION_HOURS: (1_500, 2_500, 3_500),
    },
}
OBJECTIVES = [
    (ObjectiveIndicator.RESERVED_COUNT, 1, "Chaque acheteur passe au moins un marché réservé dans l'année."),
    (
        ObjectiveIndicator.SOCIAL_COUNT,
        2,
        "Chaque acheteur passe au moins deux marchés avec une clause ou un critère social dans l'année.",
    ),
]
# Ordinary suppliers: name, accounting category (its words give the sector), typical amount.
ORDINARY = [
    ("Bureau Plus Distribution", "6064 Fournitures administratives et de bureau", 900),
    ("Propreté Services Comtois", "6283 Nettoyage des locaux", 3_800),
    ("Restauration Collective de l'Est", "6042 Repas restauration collective scolaire", 6_500),
    ("Paysages Loue Entretien", "611 Entretien des espaces verts", 2_900),
    ("Blanchisserie Industrielle Doubs", "6068 Blanchisserie linge", 1_200),
    ("Imprimerie Moderne de Franche-Comté", "6236 Impression reprographie", 1_600),
    ("Total Carburants Est", "60622 Carburants", 2_400),
    ("Cabinet Juridique Lemoine", "6226 Honoraires avocats", 3_000),
    ("InfoSys Collectivités", "6156 Maintenance logiciels informatiques", 4_200),
    ("La Poste Entreprises", "6261 Affranchissement courrier", 1_100),
]


def _siret(stem: str) -> str:
    return next(stem + str(d) for d in range(10) if luhn_ok(stem + str(d)))


def _ordinary_siret(index: int) -> str:
    return _siret(f"9992{index:05d}0001")


def _inclusive_suppliers() -> list[tuple[Structure, str]]:
    """Demo structures with a SIRET and a sector, with an accounting category for that sector."""
    taxonomy = load_taxonomy()
    found = []
    for structure in (
        Structure.objects.filter(sources__source=Source.DEMO, is_active=True)
        .exclude(siret="")
        .prefetch_related("sectors", "kinds")
        .order_by("pk")
    ):
        sectors = [s.sector for s in structure.sectors.all() if taxonomy.get(s.sector)]
        if sectors and structure.kinds.exists():
            found.append((structure, f"611 {taxonomy.get(sectors[0]).label}"))
    return found


def export_rows(organisation, rng: random.Random) -> list[list]:
    service_codes = [
        service.code or service.name
        for service in Service.objects.filter(organisation=organisation).order_by("name")
    ] or [""]
    inclusive = _inclusive_suppliers()
    rng.shuffle(inclusive)
    inclusive = inclusive[:12]
    rows = []
    number = 0

    def line(month: int, name: str, siret: str, category: str, amount: float) -> None:
        nonlocal number
        number += 1
        day = rng.randint(1, 28)
        rows.append(
            [
                f"M{SPEND_YEAR}-{number:05d}",
                dt.date(SPEND_YEAR, month, day),
                name,
                siret,
                category,
                rng.choice(service_codes),
                Decimal(str(round(amount * rng.uniform(0.6, 1.4), 2))),
            ]
        )

    for month in range(1, 12):
        for index, (name, category, typical) in enumerate(ORDINARY):
            for _ in range(rng.randint(1, 3)):
                line(month, name.upper(), _ordinary_siret(index + 1), category, typical)
        for index, (structure, category) in enumerate(inclusive):
            if rng.random() < 0.6:
                # The last two are paid under their name only, as some ledgers keep them: proposals.
                named_only = index >= len(inclusive) - 2
                name = f"Association {structure.name}" if named_only else structure.name
                line(
                    month,
                    name,
                    "" if named_only else structure.siret,
                    category,
                    rng.choice([800, 1500, 2500]),
                )
    return rows


def export_xlsx(rows: list[list]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Mandats"
    sheet.append([f"Extraction des mandats de l'exercice {SPEND_YEAR}"])
    sheet.append([])
    sheet.append(["N° mandat", "Date de mandat", "Tiers", "SIRET", "Imputation", "Service", "Montant HT"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _seed_spend(organisation) -> None:
    if SpendImport.objects.filter(
        organisation=organisation, year=SPEND_YEAR, file_name=FILE_NAME, status=SpendImportStatus.COMMITTED
    ).exists():
        return
    rows = export_rows(organisation, random.Random(f"spend/{organisation.slug}"))
    importing.import_file(None, organisation, export_xlsx(rows), FILE_NAME, SPEND_YEAR)


def _seed_targets(steward, organisation, trajectories) -> None:
    for indicator, (baseline, target_now, target_next) in trajectories.items():
        for year, value in ((SPEND_YEAR, target_now), (SPEND_YEAR + 1, target_next)):
            if Target.objects.filter(
                organisation=organisation, year=year, indicator=indicator, service=None, buyer=None
            ).exists():
                continue
            services.set_target(
                steward,
                organisation,
                year=year,
                indicator=indicator,
                value=value,
                baseline_year=BASELINE_YEAR,
                baseline_value=baseline,
                note="Trajectoire du SPASER adopté en 2025.",
            )


def _seed_objectives(steward, organisation) -> None:
    for year in (SPEND_YEAR, SPEND_YEAR + 1):
        for indicator, minimum, label in OBJECTIVES:
            if BuyerObjective.objects.filter(
                organisation=organisation, year=year, indicator=indicator
            ).exists():
                continue
            services.set_buyer_objective(
                steward, organisation, year=year, indicator=indicator, minimum=minimum, label=label
            )


# --- the contracts passed in 2026 -------------------------------------------------------------------------

# A plan kept before Levier, brought in with its statuses: purchases awarded, in execution or closed during
# the year, launched on both sides of 2026-08-21 (when the L2112-2-1 obligation starts), some at or above
# the EU thresholds (216 000 € HT for services and supplies, 5 404 000 € HT for works in 2026).
AWARDED, RUNNING, CLOSED = Status.AWARDED, Status.IN_EXECUTION, Status.CLOSED
PARKS, CLEAN = "Service des parcs et jardins", "Propreté urbaine"
DEVE = "Direction des espaces verts et de l'environnement"
FOOD, SCHOOLS = "Restauration scolaire", "Direction de l'éducation et de la restauration"
WORKS, NEW, UPKEEP = "Direction des bâtiments et de la voirie", "Travaux neufs", "Entretien du patrimoine"
DSI, COM, PRINT = (
    "Direction des systèmes d'information",
    "Direction de la communication",
    "Imprimerie municipale",
)
INSERTION, ROADS, NORTH, SOUTH, COLLEGES = (
    "Direction de l'insertion et de l'emploi",
    "Direction des routes",
    "Centre d'exploitation Nord",
    "Centre d'exploitation Sud",
    "Direction des collèges",
)
ESAT_EA, SIAE, BOTH = Reservation.DISABILITY, Reservation.INSERTION, Reservation.BOTH


def _line(ref, obj, service, nature, amount, status, launch, **extra) -> Line:
    extra.setdefault("basis", "per_year")
    extra.setdefault("months", 36)
    return Line(ref, obj, service, nature, amount, launch=launch, status=status, **extra)


VALMONT_PASSED = [
    _line(
        "VAL-2026-001",
        "Nettoyage des locaux administratifs",
        UPKEEP,
        "services",
        95_000,
        RUNNING,
        (2, 1),
        months=48,
        cpv="90919200",
        clause=True,
        holder="Clair Net",
        lots=[("1", "Hôtel de ville", 55_000), ("2", "Mairies annexes", 40_000, SIAE)],
    ),
    _line(
        "VAL-2026-002",
        "Fourniture de repas en liaison froide pour les écoles",
        FOOD,
        "supplies",
        900_000,
        AWARDED,
        (9, 1),
        months=48,
        cpv="15894210",
        clause=True,
        criterion=True,
        holder="Restauval SAS",
        notified=(11, 20),
    ),
    _line(
        "VAL-2026-003",
        "Fauchage tardif des prairies fleuries",
        PARKS,
        "services",
        14_000,
        CLOSED,
        (1, 15),
        basis="whole_duration",
        months=5,
        cpv="77312000",
        reservation=ESAT_EA,
        holder="ESAT Les Jardins du Val",
        notified=(3, 20),
    ),
    _line(
        "VAL-2026-004",
        "Impression des affiches et dépliants municipaux",
        PRINT,
        "services",
        30_000,
        RUNNING,
        (3, 1),
        cpv="79810000",
        reservation=ESAT_EA,
        holder="Imprimerie adaptée du Val",
    ),
    _line(
        "VAL-2026-005",
        "Mise sous pli et affranchissement des courriers électoraux",
        PRINT,
        "services",
        18_000,
        CLOSED,
        (1, 10),
        basis="whole_duration",
        months=6,
        cpv="79571000",
        reservation=ESAT_EA,
        holder="ESAT du Moulin",
        notified=(2, 16),
    ),
    _line(
        "VAL-2026-006",
        "Blanchisserie du linge des crèches et des cantines",
        SCHOOLS,
        "services",
        22_000,
        RUNNING,
        (4, 1),
        cpv="98311000",
        reservation=BOTH,
        holder="Blanchisserie solidaire de la Loue",
    ),
    _line(
        "VAL-2026-007",
        "Maintenance et reconditionnement des postes informatiques",
        DSI,
        "services",
        25_000,
        AWARDED,
        (9, 15),
        cpv="50300000",
        reservation=ESAT_EA,
        holder="Recyclinfo EA",
        notified=(11, 10),
    ),
    _line(
        "VAL-2026-008",
        "Assistance à maîtrise d'ouvrage pour le schéma directeur immobilier",
        WORKS,
        "services",
        85_000,
        RUNNING,
        (2, 15),
        basis="whole_duration",
        months=18,
        cpv="71541000",
        holder="Cabinet Patrimoine Conseil",
    ),
    _line(
        "VAL-2026-009",
        "Licences et hébergement du logiciel de gestion financière",
        DSI,
        "services",
        70_000,
        AWARDED,
        (9, 7),
        months=48,
        cpv="72268000",
        holder="Finlog Éditions",
        notified=(11, 25),
    ),
    _line(
        "VAL-2026-010",
        "Construction du groupe scolaire des Tilleuls",
        NEW,
        "works",
        6_400_000,
        AWARDED,
        (9, 28),
        basis="whole_duration",
        months=24,
        cpv="45214200",
        clause=True,
        holder="Bâtir Comtois",
        recurring=False,
        notified=(11, 30),
        lots=[
            ("1", "Gros œuvre", 2_600_000),
            ("2", "Charpente et couverture", 1_100_000),
            ("3", "Lots techniques", 1_900_000),
            ("4", "Finitions", 760_000),
            ("5", "Nettoyage de fin de chantier", 40_000, SIAE),
        ],
    ),
    _line(
        "VAL-2026-011",
        "Réfection des trottoirs du quartier de la Gare",
        WORKS,
        "works",
        650_000,
        RUNNING,
        (3, 15),
        basis="whole_duration",
        months=8,
        cpv="45233161",
        clause=True,
        holder="Routes et Pavés",
        recurring=False,
    ),
    _line(
        "VAL-2026-012",
        "Élagage des arbres d'alignement",
        PARKS,
        "services",
        90_000,
        AWARDED,
        (8, 25),
        cpv="77211400",
        clause=True,
        holder="Arbor Services",
        notified=(10, 30),
    ),
    _line(
        "VAL-2026-013",
        "Nettoiement des marchés et des manifestations",
        CLEAN,
        "services",
        60_000,
        RUNNING,
        (2, 1),
        cpv="90610000",
        reservation=SIAE,
        holder="Val Insertion Propreté",
    ),
    _line(
        "VAL-2026-014",
        "Collecte et recyclage des papiers de bureau",
        DEVE,
        "services",
        12_000,
        RUNNING,
        (5, 15),
        cpv="90512000",
        reservation=ESAT_EA,
        holder="ESAT Papier Vert",
    ),
    _line(
        "VAL-2026-015",
        "Fourniture de denrées biologiques pour les cantines",
        FOOD,
        "supplies",
        150_000,
        RUNNING,
        (4, 1),
        cpv="15000000",
        criterion=True,
        holder="Agri Val",
    ),
    _line(
        "VAL-2026-016",
        "Organisation des séjours de vacances d'été",
        SCHOOLS,
        "services",
        120_000,
        CLOSED,
        (1, 20),
        basis="whole_duration",
        months=6,
        cpv="55243000",
        criterion=True,
        holder="Vacances pour tous",
        notified=(3, 25),
    ),
    _line(
        "VAL-2026-017",
        "Prestations de traiteur pour les réceptions",
        COM,
        "services",
        35_000,
        AWARDED,
        (10, 1),
        months=24,
        cpv="55520000",
        criterion=True,
        holder="Saveurs solidaires",
        notified=(11, 15),
    ),
    _line(
        "VAL-2026-018",
        "Réalisation de vidéos et de photographies",
        COM,
        "services",
        28_000,
        RUNNING,
        (6, 1),
        basis="whole_duration",
        months=24,
        cpv="79961000",
        holder="Studio Loue",
    ),
    _line(
        "VAL-2026-019",
        "Gardiennage et surveillance des bâtiments",
        UPKEEP,
        "services",
        110_000,
        RUNNING,
        (5, 1),
        cpv="79713000",
        clause=True,
        holder="Sécurité Comtoise",
    ),
    _line(
        "VAL-2026-020",
        "Entretien des terrains de sport",
        PARKS,
        "services",
        55_000,
        AWARDED,
        (9, 1),
        cpv="77320000",
        reservation=SIAE,
        holder="Jardins d'insertion du Val",
        notified=(11, 5),
    ),
    _line(
        "VAL-2026-021",
        "Fourniture de mobilier scolaire",
        SCHOOLS,
        "supplies",
        95_000,
        CLOSED,
        (3, 1),
        basis="whole_duration",
        months=4,
        cpv="39160000",
        holder="Mobiscol",
        recurring=False,
        notified=(5, 12),
    ),
    _line(
        "VAL-2026-022",
        "Diagnostics amiante et plomb avant travaux",
        UPKEEP,
        "services",
        40_000,
        RUNNING,
        (2, 15),
        basis="whole_duration",
        months=12,
        cpv="71315300",
        holder="Diag Expertises",
    ),
    _line(
        "VAL-2026-023",
        "Maintenance de l'éclairage public",
        WORKS,
        "services",
        140_000,
        AWARDED,
        (10, 5),
        months=48,
        cpv="50232100",
        clause=True,
        holder="Lumière et Réseaux",
        notified=(11, 28),
    ),
]

DEPARTEMENT_PASSED = [
    _line(
        "CD-2026-01",
        "Nettoyage des collèges",
        COLLEGES,
        "services",
        260_000,
        AWARDED,
        (9, 10),
        months=48,
        cpv="90919300",
        clause=True,
        holder="Propreté de l'Est",
        notified=(11, 18),
        lots=[
            ("1", "Collèges du secteur nord", 110_000),
            ("2", "Collèges du secteur sud", 100_000),
            ("3", "Vitrerie", 50_000, SIAE),
        ],
    ),
    _line(
        "CD-2026-02",
        "Restauration des collèges : produits laitiers",
        COLLEGES,
        "supplies",
        180_000,
        RUNNING,
        (3, 1),
        cpv="15500000",
        criterion=True,
        holder="Laiterie du Haut-Doubs",
    ),
    _line(
        "CD-2026-03",
        "Entretien des espaces verts des collèges",
        COLLEGES,
        "services",
        45_000,
        RUNNING,
        (2, 1),
        cpv="77311000",
        reservation=BOTH,
        holder="ESAT Les Jardins du Val",
    ),
    _line(
        "CD-2026-04",
        "Fauchage des accotements : secteur nord",
        NORTH,
        "services",
        150_000,
        RUNNING,
        (1, 15),
        months=48,
        cpv="77312000",
        clause=True,
        holder="Routes Vertes",
    ),
    _line(
        "CD-2026-05",
        "Débroussaillage des talus : secteur sud",
        SOUTH,
        "services",
        130_000,
        AWARDED,
        (8, 31),
        months=48,
        cpv="77312000",
        clause=True,
        holder="Talus Services",
        notified=(11, 2),
    ),
    _line(
        "CD-2026-06",
        "Fourniture de panneaux de signalisation verticale",
        ROADS,
        "supplies",
        90_000,
        AWARDED,
        (9, 21),
        cpv="34928470",
        holder="Signaux Girod-Est",
        notified=(11, 23),
    ),
    _line(
        "CD-2026-07",
        "Renforcement de chaussée de la RD 12",
        ROADS,
        "works",
        1_800_000,
        CLOSED,
        (3, 15),
        basis="whole_duration",
        months=5,
        cpv="45233142",
        clause=True,
        holder="Eiffage Routes Est",
        recurring=False,
        notified=(5, 20),
    ),
    _line(
        "CD-2026-08",
        "Réparation des ouvrages d'art",
        ROADS,
        "works",
        650_000,
        RUNNING,
        (4, 1),
        basis="whole_duration",
        months=12,
        cpv="45221000",
        clause=True,
        holder="Ouvrages du Jura",
        recurring=False,
    ),
    _line(
        "CD-2026-09",
        "Accompagnement vers l'emploi des allocataires du RSA",
        INSERTION,
        "services",
        400_000,
        RUNNING,
        (1, 10),
        cpv="85312320",
        reservation=SIAE,
        holder="Tremplin Emploi Val",
        lots=[("1", "Bassin d'emploi nord", 200_000), ("2", "Bassin d'emploi sud", 200_000)],
    ),
    _line(
        "CD-2026-10",
        "Chantiers d'insertion : entretien des berges et des sentiers",
        INSERTION,
        "services",
        80_000,
        RUNNING,
        (4, 1),
        cpv="77310000",
        reservation=SIAE,
        holder="Rivières d'insertion",
    ),
    _line(
        "CD-2026-11",
        "Évaluation du programme départemental d'insertion",
        INSERTION,
        "services",
        60_000,
        RUNNING,
        (2, 1),
        basis="whole_duration",
        months=10,
        cpv="79419000",
        holder="Cabinet Évalua",
    ),
    _line(
        "CD-2026-12",
        "Blanchisserie des vêtements de travail des agents des routes",
        ROADS,
        "services",
        25_000,
        RUNNING,
        (5, 1),
        cpv="98311000",
        reservation=ESAT_EA,
        holder="Blanchisserie solidaire de la Loue",
    ),
    _line(
        "CD-2026-13",
        "Impression du magazine départemental",
        "Direction de la communication",
        "services",
        60_000,
        RUNNING,
        (2, 15),
        cpv="79810000",
        clause=True,
        holder="Imprimerie du Val",
    ),
    _line(
        "CD-2026-14",
        "Mise sous pli des courriers aux usagers",
        "Direction de la communication",
        "services",
        15_000,
        CLOSED,
        (1, 20),
        basis="whole_duration",
        months=8,
        cpv="79571000",
        reservation=ESAT_EA,
        holder="ESAT du Moulin",
        notified=(3, 2),
    ),
    _line(
        "CD-2026-15",
        "Viabilité hivernale : fourniture de sel de déneigement",
        ROADS,
        "supplies",
        500_000,
        RUNNING,
        (6, 1),
        cpv="34927100",
        holder="Salines de l'Est",
    ),
    _line(
        "CD-2026-16",
        "Maintenance des véhicules d'exploitation",
        SOUTH,
        "services",
        80_000,
        AWARDED,
        (10, 1),
        cpv="50112000",
        clause=True,
        holder="Garage Central Comtois",
        notified=(11, 27),
    ),
    _line(
        "CD-2026-17",
        "Prestations de traiteur pour les manifestations du Département",
        "Direction de la communication",
        "services",
        30_000,
        CLOSED,
        (2, 1),
        basis="whole_duration",
        months=9,
        cpv="55520000",
        criterion=True,
        holder="Saveurs solidaires",
        notified=(4, 8),
    ),
    _line(
        "CD-2026-18",
        "Ordinateurs portables pour les collégiens",
        COLLEGES,
        "supplies",
        700_000,
        RUNNING,
        (4, 15),
        basis="whole_duration",
        months=12,
        cpv="30213100",
        criterion=True,
        holder="Numérique Éducation",
        recurring=False,
    ),
    _line(
        "CD-2026-19",
        "Étude de mobilité des zones rurales",
        ROADS,
        "services",
        55_000,
        CLOSED,
        (1, 5),
        basis="whole_duration",
        months=8,
        cpv="71311200",
        holder="Mobilis Conseil",
        recurring=False,
        notified=(2, 20),
    ),
    _line(
        "CD-2026-20",
        "Transport adapté des élèves en situation de handicap",
        COLLEGES,
        "services",
        300_000,
        AWARDED,
        (9, 3),
        cpv="60130000",
        clause=True,
        holder="Transports Solidaires du Val",
        notified=(11, 12),
    ),
]
PASSED_PLANS = {"ville-de-valmont": VALMONT_PASSED, "departement-du-val-fictif": DEPARTEMENT_PASSED}
# Above the EU threshold, launched after 2026-08-21, without a social consideration: the facilitator says
# why (an exemption of L2112-2-1), which the compliance table shows.
JUSTIFIED = {
    "VAL-2026-009": "Dérogation L2112-2-1 : le besoin est satisfait par une solution immédiatement "
    "disponible (logiciel déjà déployé, seul l'éditeur peut en assurer l'hébergement et la maintenance).",
    "CD-2026-06": "Dérogation L2112-2-1 : des considérations sociales rendraient l'exécution techniquement "
    "difficile (fabrication normée des panneaux, livraisons ponctuelles sur tout le réseau).",
}


@transaction.atomic
def _seed_contracts(orgs) -> None:
    users = demo_users()
    start = timezone.now() - dt.timedelta(days=300)
    for slug, lines in PASSED_PLANS.items():
        organisation = orgs.get(slug)
        if organisation is None:
            continue
        seed_plan(organisation, lines, users, start, year=CONTRACT_YEAR, walk=False, siret_base=3000)
        facilitator = users.get("facilitatrice")
        if facilitator is None:
            continue
        for purchase in PlannedPurchase.objects.filter(
            plan__organisation=organisation, plan__year=CONTRACT_YEAR, reference__in=JUSTIFIED
        ).exclude(screening_overrides__isnull=False):
            screening_services.override(facilitator, purchase, JUSTIFIED[purchase.reference])


def seed(orgs) -> dict[str, int]:
    users = {u.email.split("@")[0]: u for u in get_user_model().objects.filter(email__endswith=DEMO_DOMAIN)}
    _seed_contracts(orgs)
    for slug, trajectories in TRAJECTORIES.items():
        organisation = orgs.get(slug)
        if organisation is None:
            continue
        _seed_spend(organisation)
        steward = users.get(STEWARDS[slug])
        if steward is not None:
            if not SteeringSettings.objects.filter(organisation=organisation).exists():
                # The demo organisations are imagined on the Loue, between the Doubs and the Jura.
                services.update_settings(steward, organisation, departements=["25", "39"], radius_km=50)
            _seed_targets(steward, organisation, trajectories)
            _seed_objectives(steward, organisation)
    scope = list(orgs.values())
    from .models import SpendLine, SupplierMatch

    passed = PlannedPurchase.objects.filter(
        plan__organisation__in=scope, plan__year=CONTRACT_YEAR, status__in=(AWARDED, RUNNING, CLOSED)
    )
    return {
        f"marchés passés en {CONTRACT_YEAR}": passed.count(),
        f"dont réservés (en tout ou par lot) en {CONTRACT_YEAR}": passed.filter(
            Q(reservation__gt="") | Q(lots__reservation__gt="")
        )
        .distinct()
        .count(),
        "cibles": Target.objects.filter(organisation__in=scope).count(),
        "objectifs par acheteur": BuyerObjective.objects.filter(organisation__in=scope).count(),
        "lignes de dépenses": SpendLine.objects.filter(organisation__in=scope).count(),
        "rapprochements fournisseurs": SupplierMatch.objects.filter(organisation__in=scope).count(),
    }
