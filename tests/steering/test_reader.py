"""The spend reader on real and damaged files: French messages naming the row and the field."""

import datetime as dt
from decimal import Decimal

from levier.ingest.spend import read_spend

from .conftest import ESAT_SIRET, csv_bytes, xlsx_bytes


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_csv_cp1252_with_french_headers(tmp_path):
    headers = [
        "Raison sociale",
        "N° SIRET",
        "Montant TTC",
        "Date de paiement",
        "Compte",
        "Direction",
        "N° facture",
    ]
    rows = [["Élan Services", ESAT_SIRET, "1 234,50 €", "15/03/2026", "6064 Fournitures", "DSI", "F-1"]]
    read = read_spend(write(tmp_path, "export.csv", csv_bytes(rows, headers)), year=2026)
    assert not read.problems
    record = read.records[0]
    assert record.supplier_name == "Élan Services" and record.supplier_siret == ESAT_SIRET
    assert record.amount == Decimal("1234.50") and record.amount_includes_tax
    assert record.date == dt.date(2026, 3, 15) and record.category == "6064 Fournitures"
    assert (record.service, record.invoice_ref) == ("DSI", "F-1")


def test_damaged_rows_are_named(tmp_path):
    rows = [
        ("M1", "2026-01-10", "Bon", "", "611", "", 100),
        ("M2", "32/01/2026", "Date fausse", "", "611", "", 100),
        ("M3", "2026-01-10", "Montant faux", "", "611", "", "douze"),
        ("M4", "2026-01-10", "", "", "611", "", 100),
        ("M5", "2025-12-31", "Autre année", "", "611", "", 100),
        ("M6", "mars 2026", "Date vague", "", "611", "", 100),
        ("M7", "2026-01-11", "SIRET faux", "12345678901234", "611", "", 100),
    ]
    read = read_spend(write(tmp_path, "m.xlsx", xlsx_bytes(rows)), year=2026)
    messages = [p.message_fr for p in read.errors]
    assert [r.invoice_ref for r in read.records] == ["M1", "M7"]
    assert any(m.startswith("Ligne 5, champ Date : Date illisible") for m in messages)
    assert any(m.startswith("Ligne 6, champ Montant HT : Montant illisible") for m in messages)
    assert any(m.startswith("Ligne 7, champ Fournisseur : fournisseur absent") for m in messages)
    assert any(
        m.startswith("Ligne 8, champ Date : la date 31/12/2025 n'est pas dans l'année") for m in messages
    )
    assert any(m.startswith("Ligne 9, champ Date : date incomplète") for m in messages)
    warning = read.warnings[0].message_fr
    assert warning.startswith("Ligne 10, champ SIRET :") and "rapproché par son nom" in warning


def test_missing_columns_and_unreadable_files(tmp_path):
    read = read_spend(write(tmp_path, "m.csv", csv_bytes([["A", "1"]], ["Fournisseur", "Commentaire"])))
    assert read.file_rejected
    messages = " ".join(p.message_fr for p in read.errors)
    assert "aucune colonne de montant" in messages and "aucune colonne de date" in messages
    assert read_spend(write(tmp_path, "vide.csv", b"")).file_rejected
    broken = read_spend(write(tmp_path, "casse.xlsx", b"PK\x03\x04 pas un classeur"))
    assert broken.file_rejected and "illisible" in broken.errors[0].message_fr


def test_row_keys_are_stable_and_distinguish_repeats(tmp_path):
    rows = [("M1", "2026-01-10", "A", "", "611", "", 100)] * 2
    first = read_spend(write(tmp_path, "a.xlsx", xlsx_bytes(rows)))
    second = read_spend(write(tmp_path, "b.xlsx", xlsx_bytes(rows, title=None)))
    assert len({r.row_key for r in first.records}) == 2
    assert [r.row_key for r in first.records] == [r.row_key for r in second.records]
