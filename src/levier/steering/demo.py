"""Demo steering: targets with a trajectory, a year of spend imported from an accounting export, buyer
objectives.

Years: the demo purchase plans are for 2027 (their awarded and running contracts feed the contract
indicators of 2027), the demo clauses declare hours over the past months (2026), and the spend export
covers January to November 2026. Targets are set for 2026 and 2027 from a 2025 baseline, so both years
show figures on the dashboard.

The spend is a realistic fictional export (mandats with SIRET, supplier, imputation, service, amount HT)
written as a real xlsx workbook and imported through the real importer: demo structures of the directory
are paid under their SIRET (automatic matches), two of them under a name only (proposals to confirm), and
ordinary companies (fictional SIRETs, SIREN 9992xxxxx) supply the rest, some in sectors local structures
offer (transferable segments).

Idempotent: targets and objectives are found by their natural keys; the export is imported once per
organisation (a committed import of the same file name for the year is kept).
"""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

from django.contrib.auth import get_user_model

from levier.core.demo import DEMO_DOMAIN
from levier.directory.models import Source, Structure
from levier.organisations.models import Service
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
BASELINE_YEAR = 2025
FILE_NAME = f"export-mandats-{SPEND_YEAR}.xlsx"
STEWARDS = {"ville-de-valmont": "referente", "departement-du-val-fictif": "admin"}
# indicator: (baseline 2025, target 2026, target 2027)
TRAJECTORIES = {
    "ville-de-valmont": {
        Indicator.SPEND_ESAT_EA: (40_000, 60_000, 80_000),
        Indicator.SPEND_SIAE: (30_000, 45_000, 60_000),
        Indicator.RESERVED_COUNT: (1, 3, 5),
        Indicator.SOCIAL_SHARE_COUNT: (10, 15, 20),
        Indicator.SOCIAL_SHARE_AMOUNT: (12, 18, 25),
        Indicator.EU_SOCIAL_SHARE: (50, 100, 100),
        Indicator.INSERTION_HOURS: (2_000, 3_500, 5_000),
    },
    "departement-du-val-fictif": {
        Indicator.SPEND_ESAT_EA: (25_000, 35_000, 50_000),
        Indicator.SPEND_SIAE: (40_000, 55_000, 70_000),
        Indicator.RESERVED_COUNT: (1, 2, 3),
        Indicator.SOCIAL_SHARE_COUNT: (8, 12, 15),
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


def seed(orgs) -> dict[str, int]:
    users = {u.email.split("@")[0]: u for u in get_user_model().objects.filter(email__endswith=DEMO_DOMAIN)}
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

    return {
        "cibles": Target.objects.filter(organisation__in=scope).count(),
        "objectifs par acheteur": BuyerObjective.objects.filter(organisation__in=scope).count(),
        "lignes de dépenses": SpendLine.objects.filter(organisation__in=scope).count(),
        "rapprochements fournisseurs": SupplierMatch.objects.filter(organisation__in=scope).count(),
    }
