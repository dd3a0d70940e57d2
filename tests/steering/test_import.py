"""Spend import: preview, commit, atomicity, idempotence, re-import of a changed export, matching."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from levier.core.models import AuditEvent
from levier.steering import importing, services
from levier.steering.models import (
    MatchMethod,
    MatchStatus,
    SpendImportStatus,
    SpendLine,
    SupplierMatch,
)

from .conftest import EI_OTHER_SIRET, ESAT_SIRET, ORDINARY_SIRET, base_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(world, rows, user=None, **options):
    return importing.import_file(user, world["org"], xlsx_bytes(rows), "mandats-2026.xlsx", 2026, **options)


def test_preview_writes_no_line_and_commit_stores_them(world):
    spend_import = importing.preview(world["steward"], world["org"], xlsx_bytes(base_rows()), "m.xlsx", 2026)
    assert spend_import.status == SpendImportStatus.PREVIEWED
    assert spend_import.report["counts"]["created"] == 6
    assert not SpendLine.objects.exists()
    importing.commit(world["steward"], spend_import)
    lines = SpendLine.objects.filter(organisation=world["org"], year=2026)
    assert lines.count() == 6
    assert sum(line.amount for line in lines) == Decimal("12000") + 4500 + Decimal("800.50") + 4600 - 150
    esat_line = lines.get(invoice_ref="M-001")
    assert esat_line.service == world["parks"]  # service code "PJ"
    assert esat_line.category_sector == "espaces-verts-entretien"
    assert lines.get(invoice_ref="M-004").service == world["it"]  # by code "DSI"
    assert lines.get(invoice_ref="M-006").service is None
    assert AuditEvent.objects.filter(action="steering.spend_import", organisation=world["org"]).count() == 1


def test_reimport_is_idempotent(world):
    first = run(world, base_rows())
    assert first.report["counts"]["created"] == 6
    keys = set(SpendLine.objects.values_list("row_key", flat=True))
    again = run(world, base_rows())
    counts = again.report["counts"]
    assert (counts["created"], counts["unchanged"], counts["removed"]) == (0, 6, 0)
    assert set(SpendLine.objects.values_list("row_key", flat=True)) == keys
    assert SupplierMatch.objects.count() == 3  # ESAT by SIRET, EI by SIREN, EA by name


def test_two_identical_payments_stay_two_lines(world):
    rows = base_rows()
    rows.append(rows[3])  # the same supplier, date, amount, category and reference again
    run(world, rows)
    assert SpendLine.objects.filter(invoice_ref="M-004").count() == 2
    assert run(world, rows).report["counts"]["created"] == 0


def test_changed_export_creates_and_removes(world):
    run(world, base_rows())
    rows = base_rows()
    del rows[4]  # M-005 is gone
    rows.append(
        ("M-007", dt.date(2026, 6, 1), "Bureau Plus SA", ORDINARY_SIRET, "6064 Fournitures", "DSI", 99)
    )
    rows[0] = (*rows[0][:5], "Informatique", rows[0][6])  # only the service changed: an update
    result = run(world, rows)
    counts = result.report["counts"]
    assert (counts["created"], counts["updated"], counts["unchanged"], counts["removed"]) == (1, 1, 4, 1)
    assert not SpendLine.objects.filter(invoice_ref="M-005").exists()
    assert SpendLine.objects.get(invoice_ref="M-001").service == world["it"]
    assert SpendLine.objects.count() == 6


def test_errors_change_nothing(world):
    run(world, base_rows())
    before = sorted(SpendLine.objects.values_list("row_key", "amount"))
    rows = base_rows()[:3]
    rows.append(("M-009", "31/02/2026", "X", "", "611", "", 10))
    with pytest.raises(importing.ImportRejected):
        run(world, rows)
    assert sorted(SpendLine.objects.values_list("row_key", "amount")) == before
    latest = world["org"].spend_imports.order_by("-pk").first()
    assert latest.status == SpendImportStatus.PREVIEWED
    assert "rien n'a été enregistré" in latest.failure
    assert any("Ligne 7" in e["message"] and "Date" in e["message"] for e in latest.report["errors"])


def test_skip_errors_imports_the_good_lines(world):
    rows = base_rows()
    rows.append(("M-009", "2026-02-31", "X", "", "611", "", 10))
    result = run(world, rows, skip_errors=True)
    assert result.status == SpendImportStatus.COMMITTED
    assert SpendLine.objects.count() == 6


def test_failure_inside_the_transaction_rolls_back(world, monkeypatch):
    run(world, base_rows())
    before = sorted(SpendLine.objects.values_list("row_key", flat=True))

    def broken(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(importing, "match_suppliers", broken)
    rows = base_rows()[:2]
    with pytest.raises(RuntimeError):
        run(world, rows)
    assert sorted(SpendLine.objects.values_list("row_key", flat=True)) == before


def test_matching_methods(world):
    run(world, base_rows())
    by_key = {m.supplier_key: m for m in SupplierMatch.objects.all()}
    esat = by_key[ESAT_SIRET]
    assert (esat.method, esat.status, esat.structure) == (
        MatchMethod.SIRET,
        MatchStatus.AUTOMATIC,
        world["esat"],
    )
    ei = by_key[EI_OTHER_SIRET]
    assert (ei.method, ei.status, ei.structure) == (MatchMethod.SIREN, MatchStatus.AUTOMATIC, world["ei"])
    lac = by_key["nom:atelier du lac"]
    assert (lac.method, lac.status, lac.structure) == (MatchMethod.NAME, MatchStatus.PROPOSED, world["ea"])
    assert ORDINARY_SIRET not in by_key
    assert "nom:traiteur martin" not in by_key


def test_confirmation_survives_reimport(world):
    run(world, base_rows())
    match = SupplierMatch.objects.get(supplier_key="nom:atelier du lac")
    services.confirm_match(world["steward"], match)
    run(world, base_rows())
    rows = base_rows()
    rows.append(("M-010", dt.date(2026, 9, 1), "Atelier du Lac", "", "6068 Blanchisserie", "PJ", 50))
    run(world, rows)
    match.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED
    assert match.decided_by == world["steward"]
    assert SupplierMatch.objects.filter(supplier_key="nom:atelier du lac").count() == 1
    assert AuditEvent.objects.filter(action="steering.match_confirmed").count() == 1


def test_rejection_survives_reimport(world):
    run(world, base_rows())
    match = SupplierMatch.objects.get(supplier_key="nom:atelier du lac")
    services.reject_match(world["steward"], match)
    run(world, base_rows())
    match.refresh_from_db()
    assert match.status == MatchStatus.REJECTED


def test_roles(world):
    content = xlsx_bytes(base_rows())
    with pytest.raises(PermissionDenied):
        importing.preview(world["buyer"], world["org"], content, "m.xlsx", 2026)
    with pytest.raises(PermissionDenied):
        importing.preview(world["outsider"], world["org"], content, "m.xlsx", 2026)
    run(world, base_rows())
    match = SupplierMatch.objects.get(supplier_key="nom:atelier du lac")
    with pytest.raises(PermissionDenied):
        services.confirm_match(world["outsider"], match)


def counting_reads(monkeypatch):
    calls = []
    real = importing.read_spend

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "read_spend", counted)
    return calls


def test_commit_reuses_the_preview_reading_of_the_same_file(world, monkeypatch):
    reads = counting_reads(monkeypatch)
    result = run(world, base_rows())
    assert len(reads) == 1  # the preview's reading served the commit
    assert result.status == SpendImportStatus.COMMITTED and SpendLine.objects.count() == 6
    assert result.pk not in importing._READINGS  # forgotten once committed
    # Idempotent as before: the stored lines are compared inside the commit, not at the preview.
    again = run(world, base_rows())
    assert len(reads) == 2 and again.report["counts"]["unchanged"] == 6


def test_commit_reads_again_what_changed_since_the_preview(world, monkeypatch):
    reads = counting_reads(monkeypatch)
    org = world["org"]
    # Answers of the mapping screen saved after the preview: the file is read again with them.
    first = importing.preview(None, org, xlsx_bytes(base_rows()), "mandats-2026.xlsx", 2026)
    services.save_spend_mapping(world["steward"], org, {}, ignored=["Service"])
    importing.commit(None, first)
    assert len(reads) == 2 and SpendLine.objects.count() == 6
    # Another process (nothing kept here) reads the stored file.
    second = importing.preview(None, org, xlsx_bytes(base_rows()[:3]), "mandats-2026.xlsx", 2026)
    importing._READINGS.clear()
    importing.commit(None, second)
    assert len(reads) == 4 and SpendLine.objects.filter(organisation=org).count() == 3


def test_lines_stored_between_preview_and_commit_are_compared_at_the_commit(world):
    spend_import = importing.preview(None, world["org"], xlsx_bytes(base_rows()), "m.xlsx", 2026)
    run(world, base_rows())  # another import of the same export committed in the meantime
    importing.commit(None, spend_import)
    counts = spend_import.report["counts"]
    assert (counts["created"], counts["unchanged"]) == (0, 6) and SpendLine.objects.count() == 6


def test_a_refused_commit_keeps_the_reading_for_the_retry_without_errors(world, monkeypatch):
    reads = counting_reads(monkeypatch)
    rows = base_rows()
    rows.append(("M-009", "2026-02-31", "X", "", "611", "", 10))
    spend_import = importing.preview(None, world["org"], xlsx_bytes(rows), "m.xlsx", 2026)
    with pytest.raises(importing.ImportRejected):
        importing.commit(None, spend_import)
    assert not SpendLine.objects.exists()
    importing.commit(None, spend_import, skip_errors=True)
    assert len(reads) == 1 and SpendLine.objects.count() == 6
