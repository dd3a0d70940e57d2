"""Shared set-up of the steering tests: an organisation, its people, a few structures, export writers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from levier.rules.siret import luhn_ok


def siret(stem: str) -> str:
    """A checksum-valid SIRET from a 13-digit stem."""
    return next(stem + str(d) for d in range(10) if luhn_ok(stem + str(d)))


ESAT_SIRET = siret("8880000100001")
EI_SIRET = siret("8880000200001")
# The same company as EI_SIRET (same SIREN), another establishment the directory does not list.
EI_OTHER_SIRET = next(
    s for s in (siret(f"888000020{n:04d}") for n in range(2, 99)) if s != EI_SIRET and s[:9] == EI_SIRET[:9]
)
ORDINARY_SIRET = siret("7770000100001")

HEADERS = ["N° mandat", "Date de mandat", "Tiers", "SIRET", "Imputation", "Service", "Montant HT"]


def xlsx_bytes(rows, headers=HEADERS, title: str | None = "Extraction des mandats") -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("cp1252")


def structure(name, kinds, siret_value="", departement="25", sectors=(), lat=None, lon=None):
    from levier.directory.models import Source, Structure, StructureKind, StructureSector
    from levier.rules.sectors import load_taxonomy

    created = Structure.objects.create(
        name=name, siret=siret_value, siren=siret_value[:9], departement=departement, lat=lat, lon=lon
    )
    for kind in kinds:
        StructureKind.of(created, kind, Source.DEMO).save()
    taxonomy = load_taxonomy()
    for code in sectors:
        StructureSector.objects.create(
            structure=created, sector=code, group=taxonomy.get(code).group, source=Source.DEMO
        )
    return created


@pytest.fixture
def world(make_org, make_user, member):
    from levier.organisations.models import Service
    from levier.organisations.roles import Role

    org = make_org("ville-test", "Ville de Test")
    other = make_org("autre-ville", "Autre ville")
    steward = make_user("referente@exemple.invalid", first_name="Rita", last_name="Référente")
    member(steward, org, Role.STEWARD)
    buyer = make_user("acheteur@exemple.invalid", first_name="Aline", last_name="Acheteuse")
    second_buyer = make_user("acheteur2@exemple.invalid", first_name="Bruno", last_name="Bâtisseur")
    member(buyer, org, Role.BUYER)
    member(second_buyer, org, Role.BUYER)
    outsider = make_user("ailleurs@exemple.invalid")
    member(outsider, other, Role.STEWARD)
    parks = Service.objects.create(organisation=org, name="Parcs et jardins", code="PJ")
    it = Service.objects.create(organisation=org, name="Informatique", code="DSI")
    esat = structure("ESAT Les Ateliers du Doubs", ["ESAT"], ESAT_SIRET, sectors=["espaces-verts-entretien"])
    ei = structure("Tremplin Nettoyage", ["EI"], EI_SIRET, sectors=["nettoyage-locaux"])
    ea = structure("Entreprise adaptée Atelier du Lac", ["EA"], "", sectors=["blanchisserie-linge-plat"])
    return {
        "org": org,
        "other": other,
        "steward": steward,
        "buyer": buyer,
        "second_buyer": second_buyer,
        "outsider": outsider,
        "parks": parks,
        "it": it,
        "esat": esat,
        "ei": ei,
        "ea": ea,
    }


def base_rows(year=2026):
    """A small realistic export: inclusive and ordinary suppliers, one named supplier without SIRET."""
    d = dt.date
    return [
        (
            "M-001",
            d(year, 1, 15),
            "ESAT LES ATELIERS DU DOUBS",
            ESAT_SIRET,
            "611 Entretien espaces verts",
            "PJ",
            "12 000,00",
        ),
        (
            "M-002",
            d(year, 2, 3),
            "Tremplin Nettoyage SAS",
            EI_OTHER_SIRET,
            "6283 Nettoyage des locaux",
            "Informatique",
            4500,
        ),
        ("M-003", d(year, 3, 20), "Atelier du Lac", "", "6068 Blanchisserie linge", "PJ", Decimal("800.50")),
        (
            "M-004",
            d(year, 3, 21),
            "Bureau Plus SA",
            ORDINARY_SIRET,
            "6064 Fournitures administratives",
            "DSI",
            2300,
        ),
        (
            "M-005",
            d(year, 4, 2),
            "Bureau Plus SA",
            ORDINARY_SIRET,
            "6064 Fournitures administratives",
            "DSI",
            2300,
        ),
        ("M-006", d(year, 5, 9), "Traiteur Martin", "", "6042 Repas restauration", "", -150),
    ]
