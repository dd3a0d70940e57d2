"""The facilitator's report workbook, opened with openpyxl and checked against counts made here from the
declared lines, independently of the export's own code."""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from levier.clauses.models import Way
from levier.core.models import AuditEvent
from levier.organisations.roles import Role
from tests.clauses import test_pages_world
from tests.clauses.test_pages_world import LINES_Q1, LINES_Q2, SECRET

world = test_pages_world.world  # the fixture, under the name the tests ask for
pytestmark = pytest.mark.django_db

SHEETS = [
    "Clauses",
    "Heures par modalité",
    "Tranches d'âge",
    "Sexe",
    "Qualification",
    "QPV",
    "Types de contrat",
    "Durées de contrat",
    "Prescripteurs",
]


def table(workbook, name) -> dict:
    rows = list(workbook[name].iter_rows(values_only=True))
    return {row[0]: row[1:] for row in rows[1:]}


def expected_people():
    """Each participant once, with the characteristics given on their first line (what the world declared)."""
    people = {}
    for line in LINES_Q1 + LINES_Q2:
        if "age_band" in line:
            people.setdefault(line["code"], line)
    return people


def test_the_export_matches_an_independent_count(client, world):
    client.force_login(world.user(Role.FACILITATOR))
    response = client.get(reverse("facilitation:export"), {"org": world.org.slug})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="bilan-facilitation-ville-clauses'
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == SHEETS

    hours = Counter()
    for line in LINES_Q1 + LINES_Q2:
        hours[line["way"]] += line["hours"]
    by_way = table(workbook, "Heures par modalité")
    for way in Way:
        assert Decimal(str(by_way[way.label][0])) == hours.get(way.value, Decimal(0)), way
    assert by_way["Embauche directe"][1] == 1  # P-001, counted once over two quarters

    people = expected_people()
    assert len(people) == 3
    ages = table(workbook, "Tranches d'âge")
    assert {k: v[0] for k, v in ages.items() if v[0]} == {
        "Moins de 26 ans": 1,
        "26 à 49 ans": 1,
        "50 ans et plus": 1,
    }
    sexes = table(workbook, "Sexe")
    assert sexes["Femme"][0] == sum(1 for p in people.values() if p["sex"] == "F") == 2
    assert sexes["Homme"][0] == 1
    qpv = table(workbook, "QPV")
    assert qpv["Réside en QPV"][0] == sum(1 for p in people.values() if p["qpv"]) == 2
    assert qpv["Hors QPV"][0] == 1
    qualification = table(workbook, "Qualification")
    assert qualification["Niveau 3 (CAP, BEP)"][0] == 1
    assert qualification["Non renseigné"][0] == 1  # P-003 has none
    contracts = table(workbook, "Types de contrat")
    assert contracts["CDD"] == (1, 6)
    assert contracts["Contrat de professionnalisation"] == (1, 14)
    lengths = table(workbook, "Durées de contrat")
    assert lengths["Moins de 6 mois"][0] == 1  # 3 months
    assert lengths["6 à 11 mois"][0] == 1  # 6 months
    assert lengths["12 mois et plus"][0] == 1  # 14 months
    bodies = table(workbook, "Prescripteurs")
    assert bodies["Mission locale"][0] == bodies["France Travail"][0] == bodies["PLIE"][0] == 1
    clauses = table(workbook, "Clauses")
    assert next(iter(clauses.values()))[-2:] == (833, 410.5)

    # Nothing of the neighbour, no pseudonym at all, and the export is in the audit trail.
    text = " ".join(str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row)
    assert SECRET not in text and "P-001" not in text and "999" not in text
    assert AuditEvent.objects.filter(organisation=world.org, action="clauses.report.export").count() == 1


def test_the_export_spans_every_organisation_served(client, world, member):
    """The neighbour's facilitator is also Nadia's colleague: with both roles, both organisations add up."""
    nadia = world.user(Role.FACILITATOR)
    member(nadia, world.other, Role.FACILITATOR)
    client.force_login(nadia)
    workbook = load_workbook(io.BytesIO(client.get(reverse("facilitation:export")).content))
    organisations = {row[0] for row in list(workbook["Clauses"].iter_rows(values_only=True))[1:]}
    # The neighbour's clause is followed by its own facilitator: not Nadia's, so not in her report.
    assert organisations == {"Ville des Clauses"}
    assert table(workbook, "Heures par modalité")["Embauche directe"][0] == 270
