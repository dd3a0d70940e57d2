"""Demo screenings: every purchase of the demo plans is screened against the demo directory, so that each
plan line shows its badge. Runs after the plans, directory and clauses steps. Idempotent: a purchase's
screening is replaced, never duplicated.

It also adds what shows a geographic split: the Département du Val-Fictif's household waste collection
over the whole Doubs, and six fictional insertion structures (SIAE) collecting waste in parts of the
Doubs. None can carry the whole contract, each can carry a lot near it: the panel proposes lots by
sector of the département, reserved to SIAE (L2113-13). Both are found by their key and never duplicated.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from levier.core.demo import DEMO_DOMAIN
from levier.directory.demo import siret_for
from levier.directory.models import (
    AreaKind,
    Basis,
    Source,
    Structure,
    StructureKind,
    StructureSector,
    StructureSource,
)
from levier.plans import services as plan_services
from levier.plans.demo import demo_users
from levier.plans.models import Plan

from . import services
from .models import LabourShare

WASTE_ORG = "departement-du-val-fictif"
WASTE_REFERENCE = "CD-2027-08"
WASTE_SECTOR = "collecte-dechets-menagers"
# key, name, kind, commune (Doubs), latitude, longitude, yearly turnover (€), intervention radius (km)
WASTE_STRUCTURES = (
    ("siae-collecte-besancon", "Collecte Solidaire Bisontine", "ACI", "Besançon", 47.24, 6.02, 520_000, 30),
    ("siae-collecte-ornans", "Loue Environnement Insertion", "EI", "Ornans", 47.106, 6.144, 480_000, 30),
    ("siae-collecte-baume", "Doubs Propre Insertion", "EI", "Baume-les-Dames", 47.352, 6.361, 460_000, 35),
    ("siae-collecte-pontarlier", "Haut-Doubs Ramassage", "ACI", "Pontarlier", 46.904, 6.354, 440_000, 35),
    ("siae-collecte-morteau", "Val de Morteau Emplois Verts", "AI", "Morteau", 47.057, 6.607, 400_000, 35),
    ("siae-collecte-quingey", "Ressources Quingey Insertion", "EI", "Quingey", 47.102, 5.883, 420_000, 30),
    ("siae-collecte-rougemont", "Rougemont Tri et Collecte", "EI", "Rougemont", 47.482, 6.357, 450_000, 30),
    (
        "siae-collecte-saint-vit",
        "Saint-Vit Services Insertion",
        "ACI",
        "Saint-Vit",
        47.183,
        5.812,
        420_000,
        30,
    ),
    ("siae-collecte-marchaux", "Chemins d'Emploi Marchaux", "AI", "Marchaux", 47.318, 6.128, 400_000, 30),
)


def _waste_structures() -> int:
    made = 0
    for number, (key, name, kind, city, lat, lon, turnover, radius) in enumerate(WASTE_STRUCTURES):
        if StructureSource.objects.filter(source=Source.DEMO, key=key).exists():
            continue
        structure = Structure.objects.create(
            name=name,
            siret=siret_for(900 + number),
            city=city,
            departement="25",
            region="27",
            lat=lat,
            lon=lon,
            area_kind=AreaKind.RADIUS,
            area_radius_km=radius,
            turnover=turnover,
            turnover_basis=Basis.DECLARED,
        )
        structure.refresh_search_text()
        structure.save()
        StructureKind.of(structure, kind, Source.DEMO).save()
        StructureSector.of(structure, WASTE_SECTOR, Source.DEMO).save()
        StructureSource.objects.create(structure=structure, source=Source.DEMO, key=key)
        made += 1
    return made


def _waste_purchase(organisation) -> int:
    plan = Plan.objects.filter(organisation=organisation).order_by("-year").first()
    buyer = get_user_model().objects.filter(email=f"acheteuse@{DEMO_DOMAIN}").first()
    if plan is None or buyer is None or plan.purchases.filter(reference=WASTE_REFERENCE).exists():
        return 0
    plan_services.create_purchase(
        buyer,
        plan,
        reference=WASTE_REFERENCE,
        object="Collecte des déchets ménagers des collèges et des centres d'exploitation",
        service_label="Direction de l'environnement",
        nature="services",
        cpv="90511000",
        estimated_amount=Decimal("540000"),
        amount_basis="per_year",
        duration_months=48,
        launch_date=dt.date(plan.year, 9, 1),
        place="Doubs",
    )
    return 1


# The city's own green-space contracts are mostly mowing and pruning by hand: more labour than the
# sectors table's reference share.
OWN_LABOUR_SHARES = {
    "ville-de-valmont": (
        "referente",
        "espaces-verts-entretien",
        Decimal("0.75"),
        "Bilans des marchés d'entretien des espaces verts 2024-2025 de la ville (fictifs) : 75 % du montant "
        "payé en main-d'œuvre, tonte et taille manuelles.",
    )
}


def _own_labour_shares(orgs) -> int:
    users = demo_users()
    added = 0
    for slug, (user_name, sector, share, reason) in OWN_LABOUR_SHARES.items():
        organisation, user = orgs.get(slug), users.get(user_name)
        if organisation is None or user is None:
            continue
        if not LabourShare.objects.filter(organisation=organisation, sector=sector).exists():
            services.set_labour_share(user, organisation, sector, share, reason)
            added += 1
    return added


@transaction.atomic
def seed(orgs) -> dict[str, int]:
    own_shares = _own_labour_shares(orgs)
    added = 0
    if WASTE_ORG in orgs:
        _waste_structures()
        added = _waste_purchase(orgs[WASTE_ORG])
    screened = 0
    for organisation in orgs.values():
        plans = list(Plan.objects.filter(organisation=organisation))
        if not plans:
            continue
        context = services.Context(organisation)
        for plan in plans:
            for purchase in plan.purchases.select_related("plan__organisation").prefetch_related("lots"):
                services.compute(purchase, list(purchase.lots.all()), context)
                screened += 1
    return {
        "achats criblés": screened,
        "achat ajouté (collecte des déchets)": added,
        "part de main-d'œuvre propre": own_shares,
    }
