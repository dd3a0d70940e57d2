"""Demo sourcing lists: the city's buyer gathers candidates from the demo directory and notes her calls.

Runs after the directory's demo seed (structures) and the plans' (purchases). Idempotent: lists are found
by title, a structure is added once, and the annotations are written only when the entry is first made.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from levier.core.demo import DEMO_DOMAIN
from levier.directory.search import SORT_NAME, StructureQuery
from levier.directory.selectors import search_structures
from levier.plans.models import PlannedPurchase

from . import services
from .models import SourcingList

BUYER = f"acheteuse@{DEMO_DOMAIN}"

# title, purchase reference (or None), description, search filters, annotations of the first candidates
LISTS = [
    (
        "Entretien des espaces verts des parcs — candidats",
        "VAL-2027-001",
        "Deux lots (parcs du centre-ville, squares de quartier), marché réservé aux SIAE envisagé.",
        {"group": "espaces-verts"},
        [
            {
                "days_ago": 20,
                "interest": "yes",
                "capacity_confirmed": True,
                "comment": "Peut mobiliser deux équipes de 6 dès avril ; visite des parcs faite.",
            },
            {
                "days_ago": 15,
                "interest": "yes",
                "capacity_confirmed": False,
                "comment": "Intéressée par le lot 2 seulement ; capacité à confirmer après l'été.",
            },
            {
                "days_ago": 12,
                "interest": "no",
                "capacity_confirmed": False,
                "comment": "Carnet de commandes plein jusqu'en 2028.",
            },
            {},
        ],
    ),
    (
        "Nettoyage des locaux — veille",
        None,
        "Repérage pour le renouvellement du marché de nettoyage des écoles (hors plan 2027).",
        {"group": "proprete"},
        [
            {
                "days_ago": 8,
                "interest": "",
                "capacity_confirmed": False,
                "comment": "Message laissé au service commercial.",
            },
            {},
            {},
        ],
    ),
]


def seed(orgs) -> dict[str, int]:
    counts = {"listes de sourçage": 0, "structures candidates": 0}
    organisation = orgs.get("ville-de-valmont")
    buyer = get_user_model().objects.filter(email=BUYER).first()
    if organisation is None or buyer is None:
        return counts
    today = timezone.localdate()
    for title, reference, description, filters, annotations in LISTS:
        purchase = (
            PlannedPurchase.objects.filter(plan__organisation=organisation, reference=reference).first()
            if reference
            else None
        )
        sourcing_list = SourcingList.objects.filter(organisation=organisation, title=title).first()
        if sourcing_list is None:
            sourcing_list = services.create_list(
                buyer, organisation, title, purchase=purchase, description=description
            )
        query = StructureQuery.from_params({**filters, "sort": SORT_NAME, "per_page": len(annotations)})
        for hit, annotation in zip(search_structures(query).hits, annotations, strict=False):
            entry, created = services.add_structure(buyer, sourcing_list, hit.structure)
            if created and annotation:
                services.update_entry(
                    buyer,
                    entry,
                    contacted=True,
                    contacted_on=today - dt.timedelta(days=annotation["days_ago"]),
                    interest=annotation["interest"],
                    answered_on=today - dt.timedelta(days=annotation["days_ago"] - 3)
                    if annotation["interest"]
                    else None,
                    capacity_confirmed=annotation["capacity_confirmed"],
                    comment=annotation["comment"],
                )
    lists = SourcingList.objects.filter(organisation=organisation)
    counts["listes de sourçage"] = lists.count()
    counts["structures candidates"] = sum(sl.entries.count() for sl in lists)
    return counts
