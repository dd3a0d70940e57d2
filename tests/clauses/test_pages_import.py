"""The xlsx import of declarations through the pages: a preview that names the bad row and field and writes
nothing, then a clean file confirmed, and the same file again which duplicates nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from openpyxl import Workbook

from levier.clauses.models import DeclarationLine
from levier.organisations.roles import Role
from tests.clauses import test_pages_world

world = test_pages_world.world  # the fixture, under the name the tests ask for
pytestmark = pytest.mark.django_db

HEADER = ["Début de période", "Fin de période", "Code participant", "Modalité", "Heures", "Tranche d'âge",
          "Sexe", "Public", "Type de contrat"]  # fmt: skip


def workbook(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def upload(client, w, path):
    target = reverse("clauses:import_upload", kwargs={"org": w.org.slug, "clause": w.clause.pk})
    with open(path, "rb") as handle:
        return client.post(target, {"file": handle}, follow=True)


def test_preview_names_the_bad_row_then_confirm_writes_once(client, world, tmp_path):
    client.force_login(world.user(Role.FACILITATOR))
    lines_before = DeclarationLine.objects.count()
    bad = workbook(
        tmp_path / "mauvais.xlsx",
        [
            ["01/07/2025", "30/09/2025", "P-001", "Embauche directe", "35"],
            ["01/07/2025", "30/09/2025", "P-002", "Embauche directe", "beaucoup"],
        ],
    )
    preview = upload(client, world, bad)
    body = preview.content.decode()
    assert 'id="erreurs-import"' in body
    assert "Ligne 3" in body or "ligne 3" in body
    assert "Confirmer l" not in body
    assert DeclarationLine.objects.count() == lines_before

    good = workbook(
        tmp_path / "bon.xlsx",
        [
            ["01/07/2025", "30/09/2025", "P-001", "Embauche directe", "35"],
            ["01/07/2025", "30/09/2025", "P-020", "ETTI", "12,5", "Moins de 26 ans", "F", "RSA", "CDDI"],
        ],
    )
    preview = upload(client, world, good)
    assert "Confirmer l" in preview.content.decode()
    assert DeclarationLine.objects.count() == lines_before
    confirm_url = preview.redirect_chain[-1][0]
    done = client.post(confirm_url, follow=True)
    assert "Import enregistré : 2 ligne(s) créée(s)" in done.content.decode()
    assert DeclarationLine.objects.count() == lines_before + 2
    # Once confirmed the preview cannot be confirmed again, and the same file re-imported adds nothing.
    client.post(confirm_url)
    again = upload(client, world, good)
    client.post(again.redirect_chain[-1][0])
    assert DeclarationLine.objects.count() == lines_before + 2


def test_buyers_cannot_import(client, world, tmp_path):
    client.force_login(world.user(Role.BUYER))
    path = workbook(tmp_path / "x.xlsx", [["01/07/2025", "30/09/2025", "P-001", "Embauche directe", "35"]])
    target = reverse("clauses:import_upload", kwargs={"org": world.org.slug, "clause": world.clause.pk})
    with open(path, "rb") as handle:
        assert client.post(target, {"file": handle}).status_code == 403
