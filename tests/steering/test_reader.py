"""The spend reader on real and damaged files: French messages naming the row and the field."""

import datetime as dt
from decimal import Decimal

from levier.ingest.spend import read_spend

from .conftest import ESAT_SIRET, HEADERS, csv_bytes, xlsx_bytes


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


# --- ODS, explicit mapping, remembered answers -----------------------------------------------------------

# An export whose headers the dictionary does not know.
ODD_HEADERS = ["Pièce", "Émis le", "Raison", "Identifiant", "Poste", "Entité", "Valeur"]
ODD_MAPPING = {
    "invoice_ref": "Pièce",
    "date": "Émis le",
    "supplier_name": "Raison",
    "siret": "Identifiant",
    "category": "Poste",
    "service": "Entité",
    "amount_ht": "Valeur",
}


def ods_bytes(rows, headers=HEADERS, title: str | None = "Extraction des mandats") -> bytes:
    """An .ods written as LibreOffice writes it (typed cells, the title merged across the table's width,
    the padding of empty rows and columns), with the writer of the plans' tests."""
    import tempfile
    from pathlib import Path

    from tests.ingest.plan_factory import Grid, write_ods

    grid_rows: list[list[object]] = []
    merges = []
    if title:
        grid_rows += [[title, *([None] * (len(headers) - 1))], []]
        merges.append((1, 1, 1, len(headers)))
    grid_rows.append(list(headers))
    for row in rows:
        grid_rows.append([dt.datetime.combine(v, dt.time()) if type(v) is dt.date else v for v in row])
    with tempfile.TemporaryDirectory() as folder:
        path = write_ods(Grid(grid_rows, merges), Path(folder) / "export.ods", "Mandats")
        return path.read_bytes()


def _facts(read):
    return [
        (r.row, r.supplier_siret, r.supplier_name, r.amount, r.date, r.category, r.service, r.invoice_ref)
        for r in read.records
    ]


def test_ods_reads_like_the_same_xlsx(tmp_path):
    from .conftest import base_rows

    ods = read_spend(write(tmp_path, "mandats.ods", ods_bytes(base_rows())), year=2026)
    xlsx = read_spend(write(tmp_path, "mandats.xlsx", xlsx_bytes(base_rows())), year=2026)
    assert ods.info.format == "ods" and ods.info.sheet == "Mandats" and ods.info.header_row == 3
    assert not ods.problems and len(ods.records) == 6
    assert _facts(ods) == _facts(xlsx)
    assert [r.row_key for r in ods.records] == [r.row_key for r in xlsx.records]
    # Renamed uploads are told by their content: an .ods named .xlsx is still an .ods.
    renamed = read_spend(write(tmp_path, "renamed.xlsx", ods_bytes(base_rows())), year=2026)
    assert _facts(renamed) == _facts(xlsx)


def test_ods_row_errors_name_the_row_and_field(tmp_path):
    rows = [
        ("M1", dt.date(2026, 1, 10), "Bon", "", "611", "", 100),
        ("M2", "32/01/2026", "X", "", "611", "", 5),
    ]
    read = read_spend(write(tmp_path, "m.ods", ods_bytes(rows)), year=2026)
    assert [r.invoice_ref for r in read.records] == ["M1"]
    assert [p.message_fr for p in read.errors] == [read.errors[0].message_fr]
    assert read.errors[0].message_fr.startswith("Ligne 5, champ Date : ")


def test_unknown_headers_need_a_mapping_and_show_samples(tmp_path):
    rows = [("F-1", "15/01/2026", "Élan", ESAT_SIRET, "611", "PJ", "1 200,00")]
    read = read_spend(write(tmp_path, "odd.csv", csv_bytes(rows, ODD_HEADERS)), year=2026)
    assert read.needs_mapping and read.file_rejected and not read.records
    assert read.headers == ODD_HEADERS
    assert read.samples["Raison"] == ["Élan"] and read.samples["Valeur"] == ["1 200,00"]
    fields = {p.field for p in read.errors}
    assert fields == {"Fournisseur", "Montant", "Date"}

    mapped = read_spend(
        write(tmp_path, "odd.csv", csv_bytes(rows, ODD_HEADERS)), year=2026, mapping=ODD_MAPPING
    )
    assert not mapped.problems and not mapped.needs_mapping
    record = mapped.records[0]
    assert (record.supplier_name, record.supplier_siret, record.amount) == (
        "Élan",
        ESAT_SIRET,
        Decimal("1200.00"),
    )
    assert (record.date, record.category, record.service, record.invoice_ref) == (
        dt.date(2026, 1, 15),
        "611",
        "PJ",
        "F-1",
    )


def test_remembered_answers_apply_to_present_headers_and_ignore_columns(tmp_path):
    from levier.ingest.tabular import normalize_header

    rows = [("F-1", "15/01/2026", "Élan", ESAT_SIRET, "611", "PJ", "1 200,00")]
    path = write(tmp_path, "odd.csv", csv_bytes(rows, ODD_HEADERS))
    answers = {normalize_header(header): name for name, header in ODD_MAPPING.items()}
    answers[normalize_header("Colonne d'un autre export")] = "category"  # absent here: silently skipped
    read = read_spend(path, year=2026, answers=answers)
    assert not read.problems and read.mapping == ODD_MAPPING and len(read.records) == 1

    # A column the organisation does not use is not guessed from its name either.
    headers = ["Tiers", "Date", "Montant HT", "Libellé"]
    path = write(tmp_path, "libelle.csv", csv_bytes([("Élan", "15/01/2026", "10", "Note interne")], headers))
    assert read_spend(path).records[0].category == "Note interne"
    read = read_spend(path, answers={normalize_header("Libellé"): ""})
    assert read.ignored == ["Libellé"] and "category" not in read.mapping
    assert read.records[0].category == ""


def test_a_mapping_naming_an_absent_column_is_an_error_in_french(tmp_path):
    path = write(tmp_path, "m.xlsx", xlsx_bytes([("M1", "2026-01-10", "Bon", "", "611", "", 100)]))
    read = read_spend(path, mapping={"amount_ht": "Montant facturé"})
    assert read.file_rejected and read.needs_mapping and not read.records
    message = read.errors[0].message_fr
    assert "« Montant facturé » indiquée dans la correspondance est absente du fichier" in message
    assert "Montant HT" in message


def test_plain_amount_shortcut_gives_what_parse_amount_gives():
    import random

    from levier.ingest.french_values import _PLAIN_AMOUNT, _amount_from_words, parse_amount

    rng = random.Random(4)
    cells = [
        "0",
        "-0",
        "0,00",
        "-0,00",
        "007",
        "1 754",
        "1 754,33",
        "12 345 678 901,99",
        "999999999999",
        "1.500",
        "1,500",
        "12,000.50",
        "1 754,333",
        "1 75,33",
        "12 k€",
        "100 TTC",
        "(12,00)",
        "+5",
        "1 000 000 000 000",
        "9999999999999",
        "1754.",
        ",5",
        "1 754.5",
        "-1 754,3",
        " 12",
        "12 ",
    ]
    for _ in range(3000):
        integer = str(rng.choice([rng.randrange(10), rng.randrange(1000), rng.randrange(10**7), 10**12 - 1]))
        if rng.random() < 0.4:
            grouped = f"{int(integer):,}".replace(",", " ")
            integer = grouped if rng.random() < 0.9 else integer.zfill(len(integer) + 1)
        fraction = rng.choice(["", ",5", ",50", ",05", ".25", ".2", ",123", ".", ",00"])
        cells.append(rng.choice(["", "-"]) + integer + fraction)
    shortcut = 0
    for cell in cells:
        expected, got = _amount_from_words(cell), parse_amount(cell)
        assert got == expected and str(got.value) == str(expected.value), cell
        shortcut += bool(_PLAIN_AMOUNT.fullmatch(cell))
    assert shortcut > 2000  # the shortcut itself was compared, not only parse_amount with itself


def test_repeated_cells_are_read_once_but_reported_on_every_row(tmp_path):
    # The reader keeps each distinct raw value's reading: a bad SIRET, amount or date that repeats is still
    # named on each of its rows, and a repeated good value gives equal records.
    rows = [
        ("M1", "10/01/2026", "Alpha", "12345678901234", "611", "", "1 000,00"),
        ("M2", "10/01/2026", "Alpha", "12345678901234", "611", "", "1 000,00"),
        ("M3", "32/01/2026", "Beta", "", "611", "", "douze"),
        ("M4", "32/01/2026", "Beta", "", "611", "", "douze"),
        ("M5", "10/01/2026", "ALPHA", "", "611", "", "1000"),
    ]
    read = read_spend(write(tmp_path, "m.csv", csv_bytes(rows)), year=2026)
    assert [w.row for w in read.warnings if w.code == "siret_invalid"] == [2, 3]
    assert [e.row for e in read.errors if e.code == "invalid_date"] == [4, 5]
    assert [e.row for e in read.errors if e.code == "invalid_amount"] == [4, 5]
    first, second, third = read.records
    assert (first.amount, first.date, first.supplier_key) == (second.amount, second.date, second.supplier_key)
    assert third.amount == Decimal("1000.00") and third.supplier_key == first.supplier_key == "nom:alpha"
    assert len({first.row_key, second.row_key, third.row_key}) == 3
