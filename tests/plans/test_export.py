"""The xlsx export of the plan with its decisions, opened with openpyxl and checked cell by cell."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from levier.organisations.roles import Role
from levier.plans import services
from levier.plans.workflow import Status
from tests.plans import pages_world
from tests.plans.pages_world import YEAR, walk_to

world = pages_world.world  # the fixture, under the name the tests ask for
pytestmark = pytest.mark.django_db


def export(client, w, role=Role.READER, **params):
    client.force_login(w.user(role))
    response = client.get(reverse("plans:export", kwargs={"org": w.org.slug}), {"year": YEAR, **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"plan-des-achats-{w.org.slug}-{YEAR}.xlsx" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def rows_of(sheet) -> list[dict]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_export_holds_the_plan_its_lots_and_every_decision(client, world):
    mowing = world.purchases["mowing"]
    services.create_lot(world.user(Role.BUYER), mowing, number="1", title="Parcs du nord")
    services.assign_facilitator(world.user(Role.BUYER), [mowing], world.user(Role.FACILITATOR))
    walk_to(mowing, Status.VALIDATED, world)
    paper = walk_to(world.purchases["paper"], Status.PROPOSED, world)
    services.transition(world.user(Role.PRESCRIBER), paper, "refuse", reason="Déjà couvert par l'UGAP")

    workbook = export(client, world)
    assert workbook.sheetnames == [f"Plan {YEAR}", "Lots", "Décisions"]
    plan = {row["Référence"]: row for row in rows_of(workbook[f"Plan {YEAR}"])}
    assert set(plan) == {"2027-001", "2027-002", "2027-003", "2027-004"}
    row = plan["2027-001"]
    assert row["Objet"] == "Tonte et entretien des parcs municipaux"
    assert row["Service"] == "Service des parcs"
    assert row["Facilitateur"] == "Nadia Fauvel"
    # Amounts and dates are numbers and dates a spreadsheet can sum and sort.
    assert row["Montant estimé HT"] == 45000 and row["Montant total HT"] == 135000
    assert row["Date de lancement"] == dt.datetime(YEAR, 3, 15)
    assert row["Statut"] == "Validé"
    assert row["Dernière décision"] == "Valider" and row["Décision par"] == "Louis Prévost"
    refused = plan["2027-003"]
    assert refused["Statut"] == "Refusé" and refused["Motif"] == "Déjà couvert par l'UGAP"
    assert plan["2027-004"]["Montant estimé HT"] is None

    sheet = workbook[f"Plan {YEAR}"]
    amount_column = [c.value for c in sheet[1]].index("Montant estimé HT") + 1
    formats = {c.number_format for c in next(sheet.iter_cols(amount_column, amount_column, 2)) if c.value}
    assert formats and all("€" in f for f in formats)

    lots = rows_of(workbook["Lots"])
    assert [(lot["Référence de l'achat"], lot["N° de lot"], lot["Intitulé du lot"]) for lot in lots] == [
        ("2027-001", "1", "Parcs du nord")
    ]
    decisions = rows_of(workbook["Décisions"])
    assert [(d["Référence"], d["Étape"], d["Par"]) for d in decisions] == [
        ("2027-001", "Proposer", "Nadia Fauvel"),
        ("2027-001", "Valider", "Louis Prévost"),
        ("2027-003", "Proposer", "Nadia Fauvel"),
        ("2027-003", "Refuser", "Louis Prévost"),
    ]
    assert decisions[-1]["Motif"] == "Déjà couvert par l'UGAP"
    assert isinstance(decisions[0]["Le"], dt.datetime)


def test_export_follows_the_filters_and_never_another_organisation(client, world):
    workbook = export(client, world, nature="works")
    plan = rows_of(workbook[f"Plan {YEAR}"])
    assert [row["Référence"] for row in plan] == ["2027-002"]
    everything = export(client, world)
    objects = {row["Objet"] for row in rows_of(everything[f"Plan {YEAR}"])}
    assert "Marché confidentiel QX9-VOISINE" not in objects and len(objects) == 4


def test_an_amount_change_and_its_procedure_show_in_the_export(client, world):
    services.update_purchase(
        world.user(Role.BUYER), world.purchases["roof"], estimated_amount=Decimal("6000000.5")
    )
    row = next(r for r in rows_of(export(client, world)[f"Plan {YEAR}"]) if r["Référence"] == "2027-002")
    assert row["Montant estimé HT"] == pytest.approx(6000000.5)
    assert row["Procédure"] == "Procédure formalisée"


def test_large_plans_are_written_by_the_worker_while_the_page_waits(
    client, world, settings, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    from levier.plans import exports

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(exports, "INLINE_LINES", 1)
    client.force_login(world.user(Role.READER))
    base = reverse("plans:export", kwargs={"org": world.org.slug})
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.get(base, {"year": YEAR, "nature": "services"})
    assert response.status_code == 302 and "/plan/export/?fichier=" in response["Location"]
    status_url = response["Location"]
    waiting = client.get(status_url).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and "en cours d'écriture" in waiting
    token = status_url.split("fichier=")[1]
    download = reverse("plans:export_download", kwargs={"org": world.org.slug}) + f"?fichier={token}"
    assert client.get(download).status_code == 404  # not written yet
    for callback in queued:
        callback()  # the worker
    ready = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert "Télécharger le plan (xlsx)" in ready and "every 2s" not in ready
    response = client.get(download)
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert {row["Référence"] for row in rows_of(workbook[f"Plan {YEAR}"])} == {"2027-001", "2027-004"}
    # The file is written outside the media folder, under the organisation's id.
    assert (tmp_path / "plan-exports" / str(world.org.pk) / f"{token}.xlsx").exists()
    # Another organisation's member, or a made-up token, finds nothing.
    assert client.get(download.replace(token, "x" * 32)).status_code == 404
    assert client.get(download.replace(token, "../../etc/passwd")).status_code == 404
    neighbour = world.other.memberships.first().user
    client.force_login(neighbour)
    other = reverse("plans:export_download", kwargs={"org": world.other.slug}) + f"?fichier={token}"
    assert client.get(other).status_code == 404
