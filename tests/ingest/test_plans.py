"""The purchase plan reader: generated plans read back, layouts buyers use, mapping, keys, bad input."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from levier.ingest.errors import Severity
from levier.ingest.french_values import ApproxDate, DatePrecision, Nature
from levier.ingest.plans import AmountBasis, match_header, read_plan
from levier.ingest.plans.headers import FIELD_LABELS_FR
from tests.ingest.plan_factory import (
    HEADER_VARIANTS,
    make_plan,
    plan_grid,
    write_csv,
    write_ods,
    write_xlsx,
    xlsx_bytes,
)

WRITERS = {"xlsx": write_xlsx, "ods": write_ods, "csv": write_csv}


@pytest.fixture(scope="module")
def plans_500():
    return {layout: make_plan(500, lots_layout=layout, seed=11) for layout in ("sub_rows", "column")}


# --- The 500-line round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["xlsx", "ods", "csv"])
@pytest.mark.parametrize("layout", ["sub_rows", "column"])
def test_generated_500_line_plan_reads_back(tmp_path, plans_500, file_format, layout):
    plan = plans_500[layout]
    # Excel's CSV export keeps only the top-left value of a merged cell: services are written out.
    grid = plan_grid(plan, merge_services=file_format != "csv")
    path = WRITERS[file_format](grid, tmp_path / f"plan.{file_format}")

    result = read_plan(path)

    assert result.errors == []
    assert [warning.code for warning in result.warnings] == ["total_row"]
    assert len(result.purchases) == 500
    assert result.header_row == 5  # two title rows, a blank row, then two header levels
    assert result.unmapped_columns == []
    for expected, got in zip(plan.purchases, result.purchases, strict=True):
        assert got.object == expected.object
        assert got.reference == expected.reference
        assert got.service == expected.service
        assert got.estimated_amount == expected.amount, expected.cells["amount_total"]
        assert got.amount_basis is AmountBasis.WHOLE_DURATION
        assert got.duration_months == expected.duration_months
        assert got.launch_date == ApproxDate(expected.launch[0], DatePrecision(expected.launch[1]))
        assert got.notification_date == ApproxDate(
            expected.notification[0], DatePrecision(expected.notification[1])
        )
        assert got.nature is Nature(expected.nature)
        assert got.cpv == expected.cpv or (expected.cpv is None and got.cpv is None)
        assert got.place == expected.place and got.procedure == expected.procedure
        assert got.current_holder_name == expected.holder_name
        assert got.current_holder_siret == expected.holder_siret
        if expected.contract_end:
            assert got.current_contract_end.first_day == expected.contract_end
        assert [(lot.number, lot.title, lot.estimated_amount) for lot in got.lots] == [
            (lot.number, lot.title, lot.amount) for lot in expected.lots
        ]
        assert got.plan_year == 2027
    assert len({purchase.stable_key for purchase in result.purchases}) == 500


def test_reading_the_same_plan_twice_gives_the_same_keys(tmp_path, plans_500):
    plan = plans_500["sub_rows"]
    first = read_plan(write_xlsx(plan_grid(plan), tmp_path / "a.xlsx"))
    # The same plan kept as a CSV, lines in another order: every line keeps its key.
    grid = plan_grid(plan, merge_services=False)
    header_end = 5
    grid.rows[header_end:-1] = _purchase_blocks(grid.rows[header_end:-1])
    second = read_plan(write_csv(grid, tmp_path / "b.csv"))

    def keys(result):
        return {p.stable_key: (p.object, [lot.stable_key for lot in p.lots]) for p in result.purchases}

    assert keys(first) == keys(second)


def _purchase_blocks(rows):
    """The purchase lines in reverse order, each still followed by its lot sub-rows."""
    blocks: list[list] = []
    for row in rows:
        if row[0] is None and row[1] and str(row[1]).startswith("Lot "):
            blocks[-1].append(row)
        else:
            blocks.append([row])
    return [row for block in reversed(blocks) for row in block]


# --- Layouts ---------------------------------------------------------------------------------------------


def _xlsx(rows, merges=(), sheet="Plan", extra=None) -> bytes:
    return xlsx_bytes(rows, merges=merges, sheet=sheet, extra=extra)


def test_title_rows_and_merged_cells(tmp_path):
    data = _xlsx(
        [
            ["Ville de Fictiveville — Programmation des achats 2027"],
            [None],
            [
                "Réf.",
                "Objet du marché",
                "Direction",
                "Montant estimé HT",
                None,
                "Dates prévisionnelles",
                None,
            ],
            [None, None, None, "Annuel", "Total", "Lancement", "Notification"],
            ["A-1", "Nettoyage des écoles", "Éducation", "120 000 €", "360 000 €", "mars 2027", "T3 2027"],
            ["A-2", "Entretien des espaces verts", None, None, "1,2 M€", "15/04/2027", "S2 2027"],
            ["A-3", "Maintenance des ascenseurs", "Bâtiments", "150k€", None, "2027", "fin 2027"],
        ],
        merges=["A1:G1", "A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:G3", "C5:C6"],
    )
    result = read_plan(data)
    assert result.errors == []
    assert result.header_row == 4
    assert result.column_mapping["amount_annual"] == "Montant estimé HT / Annuel"
    assert result.column_mapping["launch_date"] == "Dates prévisionnelles / Lancement"
    first, second, third = result.purchases
    assert (first.estimated_amount, first.amount_basis) == (Decimal(360000), AmountBasis.WHOLE_DURATION)
    assert second.service == "Éducation"  # merged down from the line above
    assert (third.estimated_amount, third.amount_basis) == (Decimal(150000), AmountBasis.PER_YEAR)
    assert third.notification_date == ApproxDate(dt.date(2027, 10, 1), DatePrecision.QUARTER)
    assert first.plan_year == 2027
    assert [w.code for w in result.warnings] == ["value_read_with_assumption"]  # "fin 2027" read as T4


def test_lots_as_sub_rows_with_object_prefix_and_lot_column():
    data = _xlsx(
        [
            ["Référence", "Objet", "N° de lot", "Montant total HT", "Lancement"],
            ["R1", "Nettoyage des bâtiments", None, "300 000", "T1 2027"],
            [None, "Lot 1 – Écoles", None, "200 000", None],
            [None, "Lot 2 – Crèches", None, "100 000", None],
            ["R2", "Restauration scolaire", None, None, "T2 2027"],
            [None, "Denrées", "1", "80 000", None],
            [None, "Boissons", "2", "20 000", None],
            ["R3", "Petits travaux", None, "50 000", "2027"],
        ]
    )
    result = read_plan(data)
    assert result.errors == [] and result.warnings == []
    cleaning, catering, works = result.purchases
    assert [(lot.number, lot.title) for lot in cleaning.lots] == [("1", "Écoles"), ("2", "Crèches")]
    assert cleaning.estimated_amount == Decimal(300000)
    assert [(lot.number, lot.title) for lot in catering.lots] == [("1", "Denrées"), ("2", "Boissons")]
    assert catering.estimated_amount == Decimal(100000)  # the sum of its lots
    assert works.lots == []
    assert [lot.stable_key for lot in cleaning.lots] == ["ref:r1/lot:1", "ref:r1/lot:2"]


def test_lots_as_a_column_with_merged_reference_and_object():
    data = _xlsx(
        [
            ["Réf", "Intitulé", "Lot", "Intitulé du lot", "Montant HT sur la durée"],
            ["M-10", "Fournitures de bureau", "Lot 1", "Papier", "40 000 €"],
            [None, None, "Lot 2", "Consommables", "25 000 €"],
            ["M-11", "Vêtements de travail", "1", "Hiver", "10 000 €"],
            ["M-11", "Vêtements de travail", "2", "Été", "5 000 €"],
        ],
        merges=["A2:A3", "B2:B3"],
    )
    result = read_plan(data)
    assert result.errors == []
    office, clothes = result.purchases
    assert [(lot.number, lot.title, lot.estimated_amount) for lot in office.lots] == [
        ("1", "Papier", Decimal(40000)),
        ("2", "Consommables", Decimal(25000)),
    ]
    assert office.estimated_amount == Decimal(65000)
    assert [lot.title for lot in clothes.lots] == ["Hiver", "Été"]


def test_lot_list_in_one_cell():
    data = _xlsx([["Objet", "Lots", "Montant"], ["Assurances", "Lot 1 : Flotte ; Lot 2 : Dommages", "90 k€"]])
    (purchase,) = read_plan(data, amount_basis=AmountBasis.PER_YEAR).purchases
    assert [(lot.number, lot.title) for lot in purchase.lots] == [("1", "Flotte"), ("2", "Dommages")]
    assert purchase.amount_basis is AmountBasis.PER_YEAR


def test_cp1252_semicolon_csv_with_title_rows(tmp_path):
    text = (
        "Programmation des achats 2027;;;;\r\n"
        ";;;;\r\n"
        "N° consultation;Libellé de la consultation;Service prescripteur;Montant prévisionnel (€ HT);"
        "Date prévisionnelle de lancement\r\n"
        "2027-01;Entretien des vêtements;Crèches;12\u00a0000,50 €;mars 2027\r\n"
        '2027-02;"Travaux d\'accessibilité; bâtiment B";Bâtiments;1,2 M€;T2 2027\r\n'
    )
    path = tmp_path / "plan.csv"
    path.write_bytes(text.encode("cp1252"))
    result = read_plan(path)
    assert result.errors == []
    laundry, works = result.purchases
    assert laundry.service == "Crèches"
    assert laundry.estimated_amount == Decimal("12000.50")
    assert works.object == "Travaux d'accessibilité; bâtiment B"
    assert works.launch_date == ApproxDate(dt.date(2027, 4, 1), DatePrecision.QUARTER)
    # No header says whether the amount is yearly: the buyer is asked once, not on every line.
    assert [w.code for w in result.warnings] == ["amount_basis_unknown"]
    assert laundry.amount_basis is AmountBasis.UNKNOWN


def test_utf8_comma_csv():
    text = 'Objet,Direction,Montant annuel\n"Nettoyage, vitrerie",DRH,"12 000,50"\n'
    (purchase,) = read_plan(text.encode("utf-8-sig")).purchases
    assert purchase.object == "Nettoyage, vitrerie"
    assert purchase.estimated_amount == Decimal("12000.50")
    assert purchase.amount_basis is AmountBasis.PER_YEAR


def test_several_sheets_read_and_skipped_with_reasons():
    header = ["Objet", "Service", "Montant annuel"]
    data = _xlsx(
        [header, ["Nettoyage", "DRH", "10 000"]],
        sheet="Direction A",
        extra={
            "Direction B": [["Plan 2027"], header, ["Voirie", "Voirie", "20 000"]],
            "Listes": [["Travaux"], ["Fournitures"]],
            "Vide": [],
        },
    )
    result = read_plan(data)
    assert [sheet.name for sheet in result.sheets_read] == ["Direction A", "Direction B"]
    assert [(purchase.sheet, purchase.row_number) for purchase in result.purchases] == [
        ("Direction A", 2),
        ("Direction B", 3),
    ]
    skipped = {sheet.name: sheet.reason for sheet in result.sheets_skipped}
    assert "en-tête" in skipped["Listes"] and skipped["Vide"] == "Feuille vide."
    only_b = read_plan(data, sheets=["direction b"])
    assert [purchase.object for purchase in only_b.purchases] == ["Voirie"]


def test_mapping_overrides_detection_and_lists_unmapped_columns():
    data = _xlsx(
        [
            ["Code interne", "Besoin exprimé", "Budget", "Commentaires", "Clause sociale"],
            ["X1", "Nettoyage", "10 000", "urgent", "oui"],
        ]
    )
    detected = read_plan(data)
    assert detected.column_mapping["reference"] == "Code interne"
    assert detected.unmapped_columns == ["Commentaires", "Clause sociale"]
    mapped = read_plan(
        data,
        mapping={"amount_annual": "Budget", "recurring": "clause sociale"},
        ignored_columns=["Commentaires"],
    )
    assert mapped.unmapped_columns == []
    (purchase,) = mapped.purchases
    assert purchase.amount_basis is AmountBasis.PER_YEAR and purchase.recurring is True
    with pytest.raises(ValueError):
        read_plan(data, mapping={"montant": "Budget"})


def test_mapped_header_helps_find_the_header_row():
    rows = [["Titre"], ["Quoi", "Qui", "Combien"], ["Nettoyage", "DRH", "10 000"]]
    assert read_plan(_xlsx(rows)).purchases == []
    result = read_plan(_xlsx(rows), mapping={"object": "Quoi", "service": "Qui", "amount": "Combien"})
    assert [purchase.object for purchase in result.purchases] == ["Nettoyage"]


# --- Row-level problems ----------------------------------------------------------------------------------


def test_row_errors_and_warnings_name_sheet_row_and_column():
    data = _xlsx(
        [
            ["Objet", "Montant total", "Lancement", "Nature", "Code CPV", "SIRET du titulaire"],
            ["Nettoyage", "beaucoup", "15/03/2027", "Travaux", "90911200-8", "12345678901234"],
            [None, "10 000", "mars 2027", None, None, None],
            ["Voirie", "-5 000", "31/02/2027", "T", "3221000", None],
            ["SOUS-TOTAL", "5 000", None, None, None, None],
        ],
        sheet="PAA",
    )
    result = read_plan(data)
    (error,) = result.errors
    assert error.severity is Severity.ERROR and error.code == "missing_object"
    assert error.message_fr.startswith("Feuille « PAA », ligne 3, champ Objet : Objet absent")
    by_row = {}
    for warning in result.warnings:
        by_row.setdefault(warning.row, []).append((warning.field, warning.code))
    assert ("Montant total", "invalid_value") in by_row[2]
    assert ("SIRET du titulaire", "invalid_value") in by_row[2]
    assert ("Montant total", "invalid_value") in by_row[4]  # negative
    assert ("Lancement", "invalid_value") in by_row[4]  # 31 February
    assert (None, "total_row") in by_row[5]
    cleaning, roads = result.purchases
    assert cleaning.estimated_amount is None and cleaning.current_holder_siret is None
    assert cleaning.cpv == "90911200"
    assert roads.cpv == "03221000" and ("Code CPV", "value_repaired") in by_row[4]


def test_nature_is_taken_from_the_cpv_when_missing():
    data = _xlsx([["Objet", "CPV", "Montant"], ["Réfection de toiture", "45261000-4", "10 000"]])
    (purchase,) = read_plan(data).purchases
    assert purchase.nature is Nature.WORKS


def test_holder_siret_inside_the_holder_cell():
    data = _xlsx(
        [["Objet", "Titulaire actuel", "Échéance"], ["Nettoyage", "Propre SA (356 000 000 00048)", "06/2027"]]
    )
    (purchase,) = read_plan(data).purchases
    assert purchase.current_holder_name == "Propre SA"
    assert purchase.current_holder_siret == "35600000000048"
    assert purchase.current_contract_end == ApproxDate(dt.date(2027, 6, 1), DatePrecision.MONTH)


def test_duplicate_keys_get_a_suffix_and_a_warning():
    data = _xlsx(
        [
            ["Objet", "Service", "Lancement"],
            ["Nettoyage", "DRH", "2027"],
            ["NETTOYAGE ", "drh", "mars 2027"],
            ["Nettoyage", "DRH", "2028"],
        ]
    )
    result = read_plan(data)
    first, second, third = (purchase.stable_key for purchase in result.purchases)
    assert second == first + "~2"
    assert third != first and "~" not in third  # another year, another purchase
    assert [w.code for w in result.warnings] == ["duplicate_key"]


def test_stable_key_without_reference_survives_retyping():
    rows = [["Objet", "Service", "Montant"], ["Nettoyage des locaux", "Direction de l'éducation", "1 000"]]
    retyped = [
        ["Intitulé", "Direction", "Budget"],
        ["NETTOYAGE  des locaux.", "direction de l'education", "2 000"],
    ]
    key = read_plan(_xlsx(rows), plan_year=2027).purchases[0].stable_key
    assert key.startswith("obj:")
    assert read_plan(_xlsx(retyped), plan_year=2027).purchases[0].stable_key == key
    assert read_plan(_xlsx(retyped), plan_year=2028).purchases[0].stable_key != key


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"PK\x03\x04garbage", "archive"),
        (b"", "vide"),
        (b"juste une phrase\n", "Aucune feuille"),
    ],
)
def test_unreadable_files_give_one_french_error(content, message):
    result = read_plan(content)
    assert result.purchases == []
    (error,) = result.errors
    assert error.row is None and message in error.message


def test_ods_with_merged_cells_and_libreoffice_padding(tmp_path):
    plan = make_plan(20, lots_layout="sub_rows", seed=3)
    path = write_ods(plan_grid(plan), tmp_path / "plan.ods")
    result = read_plan(path)
    assert len(result.purchases) == 20
    assert [p.service for p in result.purchases] == [p.service for p in plan.purchases]


# --- Headers and arbitrary content -----------------------------------------------------------------------

_FIELD_OF_VARIANT = {
    "contract_end": "current_contract_end",
    "amount_total": "amount_total",
}


def _scramble(draw, text: str) -> str:
    """Random case, accents dropped or kept, extra spaces and punctuation: what retyping does."""
    import unicodedata

    if draw(st.booleans()):
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = "".join(char.upper() if draw(st.booleans()) else char.lower() for char in text)
    text = text.replace(" ", draw(st.sampled_from([" ", "  ", " \u00a0", "\n"])))
    prefix = draw(st.sampled_from(["", " ", "*", "("]))
    return prefix + text + draw(st.sampled_from(["", " :", " *", ")", "."]))


@settings(max_examples=300)
@given(data=st.data())
def test_header_variants_map_to_their_field_whatever_the_typing(data):
    name = data.draw(st.sampled_from(sorted(HEADER_VARIANTS)))
    variant = data.draw(st.sampled_from(HEADER_VARIANTS[name]))
    header = _scramble(data.draw, variant)
    match = match_header(header)
    assert match is not None, header
    assert match.field == _FIELD_OF_VARIANT.get(name, name), header
    assert match.field in FIELD_LABELS_FR


_CELL = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(
        ["Lot 1 – X", "TOTAL", "NC", "T2 2027", "1,2 M€", "oui", "Objet", "Montant", "45000000-7"]
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(_CELL, min_size=1, max_size=6), max_size=12))
def test_arbitrary_cells_never_raise(rows):
    header = ["Réf.", "Objet", "Montant", "Lancement", "N° de lot", "Nature"]
    result = read_plan(xlsx_bytes([header, *([_excel_safe(value) for value in row] for row in rows)]))
    for problem in result.errors + result.warnings:
        assert problem.message_fr
    csv_text = "\n".join(
        ";".join("" if v is None else str(v).replace(";", ",") for v in [*row]) for row in rows
    )
    read_plan((";".join(header) + "\n" + csv_text).encode("utf-8"))


def _excel_safe(value):
    # openpyxl refuses control characters and non-finite numbers in cells: Excel cannot store them either.
    if isinstance(value, str):
        return "".join(char for char in value if char.isprintable())
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
