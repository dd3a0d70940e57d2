"""The shared table reader: encodings, delimiters, header detection, real row numbers, XLSX."""

import json

import openpyxl
import pytest

from levier.ingest.errors import RowError, Severity
from levier.ingest.tabular import (
    Column,
    TableError,
    cell_to_text,
    detect_delimiter,
    detect_encoding,
    load_mapping,
    normalize_header,
    open_table,
    resolve_columns,
    suggest_mapping,
)


def read_all(path, **kwargs):
    with open_table(path, **kwargs) as table:
        rows = list(table)
        return table, rows


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")]
)
def test_encodings(tmp_path, encoding, expected):
    path = tmp_path / "f.csv"
    path.write_bytes("Dénomination;Ville\nÉtablissement œuvre;Saint-Étienne\n".encode(encoding))
    table, rows = read_all(path)
    assert table.info.encoding == expected
    assert table.info.headers == ["Dénomination", "Ville"]
    assert rows == [(2, {"Dénomination": "Établissement œuvre", "Ville": "Saint-Étienne"})]


def test_detect_encoding():
    assert detect_encoding("Besançon".encode("cp1252")) == "cp1252"
    # A sample cut inside a 2-byte character is still UTF-8.
    assert detect_encoding(b"Besan" + "ç".encode()[:1]) == "utf-8"


def test_a_cp1252_line_far_inside_a_utf8_file_is_recoded_and_reported(tmp_path):
    from levier.ingest.tabular import SNIFF_BYTES

    path = tmp_path / "mixed.csv"
    filler = "".join(f"{n};Orléans\n" for n in range(SNIFF_BYTES // 10))
    path.write_bytes(("nom;ville\n" + filler).encode() + "B;Besançon\n".encode("cp1252"))
    table, rows = read_all(path)
    assert table.info.encoding == "utf-8"
    last_line = filler.count("\n") + 2
    assert rows[-1] == (last_line, {"nom": "B", "ville": "Besançon"})
    assert table.info.recoded_lines == [last_line]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiters(tmp_path, delimiter):
    path = tmp_path / "f.csv"
    lines = [["SIRET", "Nom, complet", "Ville"], ["12345678901234", "A; B", "Paris"]]
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(lines)
    table, rows = read_all(path)
    assert table.info.delimiter == delimiter
    assert rows[0][1] == {"SIRET": "12345678901234", "Nom, complet": "A; B", "Ville": "Paris"}


def test_detect_delimiter_prefers_consistent_wide_records():
    assert detect_delimiter(["a;b;c", "1;2,5;3", "4;5;6"]) == ";"
    assert detect_delimiter(["a,b,c", "1,2,3"]) == ","


def test_title_rows_blank_rows_and_real_row_numbers(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        "Liste des entreprises adaptées;;\n"
        ";;\n"
        "SIRET;Nom;Ville\n"
        '1;"Nom sur\ndeux lignes";Lyon\n'
        ";;\n"
        "2;B;Nantes\n",
        encoding="utf-8",
    )
    table, rows = read_all(path)
    assert table.info.header_row == 3
    # The quoted cell spans lines 4-5: the next record starts on line 6, the blank one is skipped.
    assert [number for number, _ in rows] == [4, 7]
    assert rows[0][1]["Nom"] == "Nom sur\ndeux lignes"
    assert table.info.blank_rows == 1


def test_unnamed_and_duplicate_headers_and_ragged_rows(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("A;B;B;;\n1;2;3;;\n4;5\n6;7;8;9;10;11\n", encoding="utf-8")
    table, rows = read_all(path)
    assert table.info.headers == ["A", "B", "B (2)", "Colonne 4", "Colonne 5"]
    assert table.info.unnamed_columns == [4, 5]
    assert rows[1] == (3, {"A": "4", "B": "5", "B (2)": "", "Colonne 4": "", "Colonne 5": ""})
    [anomaly] = table.anomalies
    assert anomaly.row == 4 and anomaly.code == "extra_cells" and anomaly.severity == Severity.WARNING
    assert "« 11 »" in anomaly.message


def test_empty_file_is_a_table_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\n\n")
    with pytest.raises(TableError) as raised:
        open_table(path)
    assert raised.value.error.code == "empty_file"
    assert raised.value.error.message_fr == "Fichier : Le fichier est vide."


def test_rows_stream_once(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with open_table(path) as table:
        list(table)
        with pytest.raises(RuntimeError):
            list(table)


def test_xlsx_numbers_dates_title_rows_and_row_numbers(tmp_path):
    import datetime as dt

    path = tmp_path / "f.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "EA"
    sheet["A1"] = "Liste nationale des EA"
    sheet.append([])
    sheet.append(["N° SIRET", "Raison sociale", "Code postal", "Date"])
    sheet.append([12345678901234, "EA du Test", 1000.0, dt.datetime(2024, 3, 15)])
    sheet.append([None, None, None, None])
    sheet.append(["98765432109876", "Autre", "75011", None])
    workbook.create_sheet("Autre feuille")
    workbook.save(path)
    table, rows = read_all(path)
    assert (table.info.format, table.info.sheet, table.info.header_row) == ("xlsx", "EA", 3)
    assert table.info.total_rows == 3
    assert rows == [
        (
            4,
            {
                "N° SIRET": "12345678901234",
                "Raison sociale": "EA du Test",
                "Code postal": "1000",
                "Date": "2024-03-15",
            },
        ),
        (6, {"N° SIRET": "98765432109876", "Raison sociale": "Autre", "Code postal": "75011", "Date": ""}),
    ]
    with pytest.raises(TableError) as raised:
        open_table(path, sheet="Absente")
    assert "« EA », « Autre feuille »" in raised.value.error.message


def test_corrupt_xlsx_is_a_table_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(TableError):
        open_table(path)


def test_cell_to_text():
    assert cell_to_text(1.2345678901234e13) == "12345678901234"
    assert cell_to_text(12.5) == "12.5"
    assert cell_to_text(None) == ""
    assert cell_to_text(True) == "VRAI"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ET-N°FINESS", "et n finess"),
        ("Code_Postal", "code postal"),
        ("  CODE   POSTAL ", "code postal"),
        ("Capacité autorisée agrégée", "capacite autorisee agregee"),
        ("Nom de l'EA", "nom de l ea"),
        (None, ""),
    ],
)
def test_normalize_header(header, expected):
    assert normalize_header(header) == expected


COLUMNS = [
    Column("siret", "SIRET", ("n siret",), required=True),
    Column("brand", "enseigne", ("nom commercial",)),
    Column("name", "raison sociale", ("nom",), required=True),
    Column("city", "commune", ("ville",)),
]


def test_suggest_mapping_exact_then_contained_and_short_keys_exact_only():
    headers = ["Nom du contact", "SIRET de l'établissement", "Nom commercial", "Raison sociale", "Ville"]
    assert suggest_mapping(headers, COLUMNS) == {
        "siret": "SIRET de l'établissement",
        "brand": "Nom commercial",
        "name": "Raison sociale",
        "city": "Ville",
    }
    # "nom" is too short to be looked for inside "Nom du contact".
    assert "name" not in suggest_mapping(["Nom du contact"], COLUMNS)


def test_resolve_columns_with_a_user_mapping_and_missing_columns():
    headers = ["Numéro SIRET", "Dénomination", "Ville"]
    resolved, problems = resolve_columns(headers, COLUMNS, {"siret": "numero siret", "name": "Dénomination"})
    assert resolved == {"siret": "Numéro SIRET", "name": "Dénomination", "city": "Ville"}
    assert problems == []

    # "siret" is found inside "Numéro SIRET" without a mapping; here the file has no SIRET at all.
    headers = ["Dénomination", "Ville"]
    resolved, problems = resolve_columns(headers, COLUMNS, {"name": "Nom de l'EA", "colour": "Ville"})
    codes = sorted(problem.code for problem in problems)
    assert codes == ["mapping_column_missing", "mapping_unknown_field", "required_column_missing"]
    missing = next(p for p in problems if p.code == "mapping_column_missing")
    assert missing.severity == Severity.ERROR
    assert missing.message_fr.startswith("Champ raison sociale : la colonne « Nom de l'EA » indiquée")
    required = next(p for p in problems if p.code == "required_column_missing")
    assert (
        required.field == "SIRET" and "colonnes présentes : « Dénomination », « Ville »" in required.message
    )


def test_load_mapping_json_and_toml(tmp_path):
    json_path = tmp_path / "m.json"
    json_path.write_text(json.dumps({"siret": "N° SIRET", "name": "Raison sociale"}), encoding="utf-8")
    toml_path = tmp_path / "m.toml"
    toml_path.write_text('[columns]\nsiret = "N° SIRET"\nname = "Raison sociale"\n', encoding="utf-8")
    assert (
        load_mapping(json_path) == load_mapping(toml_path) == {"siret": "N° SIRET", "name": "Raison sociale"}
    )
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="correspondance"):
        load_mapping(bad)


def test_row_error_locations():
    error = RowError(42, "SIRET", "123", "13 chiffres.", Severity.WARNING, code="x")
    assert error.message_fr == "Ligne 42, champ SIRET : 13 chiffres."
    assert str(RowError(3, None, None, "rejeté.", row_label="Élément")) == "Élément 3 : rejeté."
    assert RowError(5, "Nom", None, "vide.", sheet="EA").location_fr == "Feuille « EA », ligne 5, champ Nom"


# --- ODS -------------------------------------------------------------------------------------------------


def _ods_and_xlsx(tmp_path, rows, title="Liste nationale des EA (fictive)"):
    """The same sheet as LibreOffice writes it (.ods, title merged across the width) and as an .xlsx."""
    from tests.ingest.plan_factory import Grid, write_ods

    width = len(rows[0])
    grid = [[title, *([None] * (width - 1))], [None] * width, *rows]
    ods = write_ods(Grid(grid, [(1, 1, 1, width)]), tmp_path / "liste.ods", "EA")
    xlsx = tmp_path / "liste.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "EA"
    for row in grid:
        sheet.append(row)
    workbook.save(xlsx)
    return ods, xlsx


def test_ods_is_read_like_the_same_xlsx(tmp_path):
    import datetime as dt

    ods, xlsx = _ods_and_xlsx(
        tmp_path,
        [
            ["N° SIRET", "Raison sociale", "Code postal", "Date"],
            [12345678901234, "EA du Test", 1000.0, dt.datetime(2024, 3, 15)],
            [None, None, None, None],
            ["98765432109876", "Autre", "75011", None],
        ],
    )
    table, rows = read_all(ods)
    assert (table.info.format, table.info.sheet, table.info.header_row) == ("ods", "EA", 3)
    assert table.info.headers == ["N° SIRET", "Raison sociale", "Code postal", "Date"]
    assert rows[0] == (
        4,
        {
            "N° SIRET": "12345678901234",
            "Raison sociale": "EA du Test",
            "Code postal": "1000",
            "Date": "2024-03-15",
        },
    )
    assert rows == read_all(xlsx)[1]
    # Told apart by its content: an .ods renamed .xlsx is still read as an .ods, not as a broken workbook.
    renamed = tmp_path / "renommé.xlsx"
    renamed.write_bytes(ods.read_bytes())
    assert read_all(renamed)[0].info.format == "ods" and read_all(renamed)[1] == rows
    with pytest.raises(TableError) as raised:
        open_table(ods, sheet="Absente")
    assert raised.value.error.code == "unknown_sheet" and "« EA »" in raised.value.error.message


def test_a_structure_list_in_ods_gives_the_records_of_the_same_xlsx(tmp_path):
    from levier.ingest.structures import read_ea

    siret = "99999999900017"  # fictional, valid check digit
    ods, xlsx = _ods_and_xlsx(
        tmp_path,
        [
            ["N° SIRET", "Raison sociale", "Type", "Code postal", "Ville"],
            [float(siret), "EA Fictive du Rhône", "EA", 69003, "Lyon"],
            [siret, "EA Fictive du Rhône", "EATT", "69003", "Lyon"],
        ],
    )
    from_ods, from_xlsx = read_ea(ods), read_ea(xlsx)
    assert from_ods.file_info["format"] == "ods" and from_ods.ok
    [record] = from_ods.records
    assert (record.siret, record.name, record.kinds, record.rows) == (
        siret,
        "EA Fictive du Rhône",
        ("EA", "EATT"),
        (4, 5),
    )
    assert from_ods.records == from_xlsx.records


def test_a_damaged_ods_is_a_table_error(tmp_path):
    import zipfile

    path = tmp_path / "abime.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content><pas fini")
    with pytest.raises(TableError):
        open_table(path)
