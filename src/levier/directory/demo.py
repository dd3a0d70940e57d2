"""The demo directory: about sixty fictional structures around the demo organisations, and what their
buyers learnt about some of them.

Everything is invented: names, SIRETs (SIREN 9990xxxxx, built to pass the checksum), contacts under
.invalid. The places are real communes of the Doubs and the Jura (the Ville de Valmont-sur-Loue and the
Département du Val-Fictif are imagined there, on the Loue) and of the inner Paris suburbs (the purchasing
body's buyers), with the commune's approximate position. Kinds, sectors, capacities and intervention
areas are varied so that every filter of the search has something to show. A few cards carry manual
edits by the demo facilitator (audited like any edit), and the buyers' sourcing notes cover every topic.

Idempotent: each structure is found by its demo key (`StructureSource(source="demo")`); a structure that
exists is left as it is, and notes and edits are made only when the structure is first created.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from levier.core.demo import DEMO_DOMAIN
from levier.rules.geography import shipped_departements
from levier.rules.sectors import load_taxonomy
from levier.rules.siret import luhn_ok

from .editing import edit_structure
from .inference import provision_kinds
from .models import (
    AreaDepartement,
    AreaKind,
    Basis,
    PositionPrecision,
    Source,
    SourcingNote,
    Structure,
    StructureKind,
    StructureReference,
    StructureSector,
    StructureSource,
)

DATA_FILE = Path(__file__).with_name("data") / "demo_structures.json"


@dataclass(frozen=True)
class Demo:
    """One fictional structure of data/demo_structures.json (see its "about" for the fields)."""

    key: str
    name: str
    kinds: tuple[str, ...]
    sectors: tuple[str, ...]
    place: str
    headcount: int | None = None
    esat_capacity: int | None = None
    turnover: int | None = None
    max_contract: int | None = None
    area: tuple[str, object] | None = None
    brand: str = ""
    naf: str = ""
    legal_form: str = "Association déclarée"
    networks: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    references: tuple[tuple[str, str, int, int], ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, item: dict) -> Demo:
        area = item.get("area")
        return cls(
            **{
                **item,
                "kinds": tuple(item["kinds"]),
                "sectors": tuple(item["sectors"]),
                "area": (area, None) if isinstance(area, str) else (tuple(area) if area else None),
                "networks": tuple(item.get("networks", ())),
                "labels": tuple(item.get("labels", ())),
                "references": tuple(tuple(ref) for ref in item.get("references", ())),
            }
        )


_DATA = json.loads(DATA_FILE.read_text(encoding="utf-8"))
# Commune key -> (name, postcode, INSEE code, latitude, longitude).
PLACES = {key: tuple(value) for key, value in _DATA["places"].items()}
STRUCTURES = [Demo.from_dict(item) for item in _DATA["structures"]]

FACILITATOR = f"facilitatrice@{DEMO_DOMAIN}"
# Corrections the facilitator made by hand: imports would keep them.
EDITS = {
    "esat-loue": {
        "contact_role": "Chargée de développement commercial",
        "email": "commercial@esat-loue.invalid",
    },
    "ea-proprete-loue": {"max_contract_amount": 650_000, "max_contract_amount_basis": "declared"},
    "aci-ressourcerie-loue": {"area_departements": ["25", "39"]},
}
# (organisation slug, buyer, structure key, topic, days ago, text, extra fields)
NOTES = [
    (
        "ville-de-valmont",
        "acheteuse",
        "esat-loue",
        "capacity",
        40,
        "Capacité confirmée pour deux équipes de 5 d'avril à octobre.",
        {"capacity_confirmed": True, "confirmed_amount": 120_000},
    ),
    (
        "ville-de-valmont",
        "acheteuse",
        "esat-loue",
        "good_example",
        200,
        "Entretien des espaces verts des écoles : travail soigné, délais tenus.",
        {},
    ),
    (
        "ville-de-valmont",
        "acheteuse",
        "aci-jardins-source",
        "price",
        90,
        "Devis 10 % sous l'estimation pour le fleurissement.",
        {"price_level": "low"},
    ),
    (
        "ville-de-valmont",
        "acheteuse",
        "ei-proprete-comtoise",
        "incident",
        25,
        "Deux passages manqués au gymnase (semaine 12) ; rattrapés sous 48 h.",
        {},
    ),
    (
        "ville-de-valmont",
        "acheteuse",
        "ei-second-oeuvre",
        "capacity",
        60,
        "Ne peut pas prendre plus de 200 k€ par an en 2027.",
        {"capacity_confirmed": False, "confirmed_amount": 200_000},
    ),
    (
        "departement-du-val-fictif",
        "acheteuse",
        "aci-ressourcerie-loue",
        "good_example",
        300,
        "Collecte du mobilier des collèges : 80 % réemployé.",
        {},
    ),
    (
        "departement-du-val-fictif",
        "acheteuse",
        "esat-citadelle",
        "price",
        120,
        "Prix du repas dans le marché (écart de 2 % avec l'estimation).",
        {"price_level": "market"},
    ),
    (
        "departement-du-val-fictif",
        "acheteuse",
        "ea-logistique-jura",
        "incident",
        45,
        "Livraison des fournitures des collèges en retard d'une semaine (rentrée).",
        {},
    ),
    (
        "centrale-achats-solidaires",
        "acheteur.caps",
        "ea-courrier-idf",
        "capacity",
        30,
        "Capacité confirmée pour un lot régional de 800 k€ par an.",
        {"capacity_confirmed": True, "confirmed_amount": 800_000},
    ),
    (
        "centrale-achats-solidaires",
        "acheteur.caps",
        "etti-idf",
        "price",
        75,
        "Coefficient de facturation plus élevé que les agences classiques (+4 %).",
        {"price_level": "high"},
    ),
]


def siret_for(index: int) -> str:
    """A fictional SIRET: SIREN 9990xxxxx, establishment 00010, any valid check digit."""
    stem = f"9990{index:05d}0001"
    return next(stem + str(digit) for digit in range(10) if luhn_ok(stem + str(digit)))


def _create(demo: Demo, index: int, today: dt.date) -> Structure:
    taxonomy = load_taxonomy()
    city, postcode, insee, lat, lon = PLACES[demo.place]
    departement = insee[:2]
    marker = {"source": Source.DEMO.value, "date": today.isoformat()}
    provisions, _inferred = provision_kinds((), demo.kinds)
    if not provisions:
        provisions = sorted({kind for code in demo.sectors for kind in taxonomy.get(code).provision_kinds})
    values = {
        "siret": siret_for(index),
        "name": demo.name,
        "brand": demo.brand,
        "legal_form": demo.legal_form,
        "naf": demo.naf,
        "provision_kinds": provisions,
        "city": city,
        "postcode": postcode,
        "insee_code": insee,
        "departement": departement,
        "region": shipped_departements()[departement].region_code,
        "lat": lat,
        "lon": lon,
        "position_precision": PositionPrecision.COMMUNE,
        "website": f"https://{demo.key}.demo.levier.invalid",
        "networks": list(demo.networks),
        "labels": list(demo.labels),
    }
    for figure, value in (
        ("headcount", demo.headcount),
        ("esat_capacity", demo.esat_capacity),
        ("turnover", demo.turnover),
        ("max_contract_amount", demo.max_contract),
    ):
        if value is not None:
            values[figure] = value
            # ESAT places are the authorisation's; the rest is what the structure told the buyers.
            values[f"{figure}_basis"] = Basis.DECLARED if figure != "max_contract_amount" else Basis.ESTIMATED
    if demo.area is not None:
        kind, detail = demo.area
        values["area_kind"] = kind
        if kind == AreaKind.RADIUS:
            values["area_radius_km"] = detail
    structure = Structure(**values, provenance={name: marker for name in values})
    structure.save()
    StructureSource.objects.create(structure=structure, source=Source.DEMO, key=demo.key)
    StructureKind.objects.bulk_create(StructureKind.of(structure, kind, Source.DEMO) for kind in demo.kinds)
    StructureSector.objects.bulk_create(
        StructureSector.of(structure, code, Source.DEMO) for code in demo.sectors
    )
    if demo.area is not None and demo.area[0] == AreaKind.DEPARTEMENTS:
        AreaDepartement.objects.bulk_create(
            AreaDepartement(structure=structure, departement=code) for code in str(demo.area[1]).split()
        )
    StructureReference.objects.bulk_create(
        StructureReference(
            structure=structure, buyer=buyer, title=title, year=year, amount=amount, source=Source.DEMO
        )
        for buyer, title, year, amount in demo.references
    )
    structure.refresh_search_text(list(demo.kinds), list(demo.sectors))
    structure.save(update_fields=["search_text", "siren"])
    return structure


@transaction.atomic
def seed(orgs) -> dict[str, int]:
    today = timezone.localdate()
    users = {
        user.email.split("@")[0]: user
        for user in get_user_model().objects.filter(email__endswith=DEMO_DOMAIN)
    }
    existing = set(StructureSource.objects.filter(source=Source.DEMO).values_list("key", flat=True))
    created: dict[str, Structure] = {}
    for index, demo in enumerate(STRUCTURES, start=1):
        if demo.key not in existing:
            created[demo.key] = _create(demo, index, today)
    facilitator = users.get(FACILITATOR.split("@")[0])
    for key, changes in EDITS.items():
        if key in created and facilitator is not None:
            edit_structure(facilitator, created[key], changes, organisation=orgs.get("ville-de-valmont"))
    for slug, author, key, topic, days_ago, text, extra in NOTES:
        if key in created and slug in orgs:
            SourcingNote.objects.create(
                organisation=orgs[slug],
                structure=created[key],
                author=users.get(author),
                topic=topic,
                text=text,
                occurred_on=today - dt.timedelta(days=days_ago),
                **extra,
            )
    demo_structures = Structure.objects.filter(sources__source=Source.DEMO)
    return {
        "structures de l'annuaire": demo_structures.count(),
        "notes de sourçage": SourcingNote.objects.filter(structure__in=demo_structures).count(),
    }
