"""`levier screen PLAN.xlsx -o REPORT.xlsx`: a plan file screened against the local directory."""

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from levier.recommendations.engine import forget_index
from tests.directory.search_support import make_structure


@pytest.fixture(autouse=True)
def _fresh_index(settings, tmp_path):
    # No benchmark from the machine's own data directory: the national rate is left out here.
    settings.DATA_DIR = tmp_path / "data"
    forget_index()
    yield
    forget_index()


def _plan(path, rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _directory():
    for number in range(4):
        make_structure(
            f"ESAT Restauration {number}",
            45.76 + number * 0.02,
            4.84,
            "69",
            kinds=("ESAT",),
            sectors=("restauration-collective",),
            area_kind="radius",
            area_radius_km=60,
            turnover=1_500_000,
        )
    make_structure(
        "EI Propreté",
        45.75,
        4.85,
        "69",
        kinds=("EI",),
        sectors=("nettoyage-locaux",),
        area_kind="radius",
        area_radius_km=40,
        turnover=300_000,
    )


@pytest.mark.django_db
def test_screen_writes_one_row_per_purchase_and_lot_and_a_summary(tmp_path, capsys):
    _directory()
    plan = _plan(
        tmp_path / "plan.xlsx",
        [
            ["Réf.", "Objet", "CPV", "Montant annuel HT", "Durée (mois)", "Lancement", "Lieu d'exécution"],
            ["R-1", "Restauration collective des crèches", "55523100", "300 000", 48, "01/03/2027", "Rhône"],
            ["R-2", "Études de mobilité", "79411000", "20 000", 12, "mars 2027", "69"],
            ["R-3", "Nettoyage des écoles", "90910000", "900 000", 36, "15/09/2027", "69"],
        ],
    )
    report = tmp_path / "rapport.xlsx"
    call_command("screen", str(plan), "-o", str(report))
    out = capsys.readouterr().out
    assert "3 achats examinés" in out
    book = openpyxl.load_workbook(report)
    rows = list(book["Recommandations"].iter_rows(values_only=True))
    header, *lines = rows
    assert header[0] == "Référence" and len(lines) == 3
    by_ref = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    catering = by_ref["R-1"]
    assert catering["Recommandation"].startswith("Réserver aux ESAT et EA")
    assert catering["Structures capables"] == 4 and catering["Considération sociale obligatoire"] == "oui"
    study = by_ref["R-2"]
    assert study["Considération sociale obligatoire"] == "non"
    cleaning = by_ref["R-3"]
    assert cleaning["Heures d'insertion"] and cleaning["Heures d'insertion"] > 0
    summary = {row[0]: row[1] for row in book["Synthèse"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Achats examinés"] == 3
    assert (
        summary["À réserver (marché ou lots)"]
        + summary["Clause sociale ou critère"]
        + summary["Sans considération sociale"]
        == 3
    )
    assert summary["Achats où une considération sociale est obligatoire (L2112-2-1)"] == 2


@pytest.mark.django_db
def test_screen_refuses_an_unreadable_plan_and_writes_nothing(tmp_path):
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(b"pas un classeur")
    report = tmp_path / "rapport.xlsx"
    with pytest.raises(CommandError, match="Plan illisible"):
        call_command("screen", str(plan), "-o", str(report))
    assert not report.exists()


@pytest.mark.django_db
def test_screen_names_an_unknown_organisation(tmp_path):
    plan = _plan(tmp_path / "plan.xlsx", [["Objet", "Montant"], ["Nettoyage", "1000"]])
    with pytest.raises(CommandError, match="Organisation inconnue"):
        call_command("screen", str(plan), "-o", str(tmp_path / "r.xlsx"), "--org", "inconnue")


@pytest.mark.django_db
def test_screen_gives_each_lot_its_own_row(tmp_path):
    _directory()
    plan = _plan(
        tmp_path / "plan.xlsx",
        [
            ["Réf.", "Objet", "CPV", "N° de lot", "Montant total HT", "Durée (mois)", "Lancement", "Lieu"],
            ["N-1", "Nettoyage des bâtiments", "90910000", None, "900 000", 36, "01/03/2027", "69"],
            [None, "Lot 1 – Écoles", None, None, "600 000", None, None, None],
            [None, "Lot 2 – Crèches", None, None, "300 000", None, None, None],
        ],
    )
    report = tmp_path / "rapport.xlsx"
    call_command("screen", str(plan), "-o", str(report))
    header, *lines = openpyxl.load_workbook(report)["Recommandations"].iter_rows(values_only=True)
    rows = [dict(zip(header, line, strict=True)) for line in lines]
    assert [row["Lot"] for row in rows] == [None, "Lot 1 : Écoles", "Lot 2 : Crèches"]
    assert [row["Montant annuel HT"] for row in rows] == [300_000, 200_000, 100_000]
    assert all(row["Recommandation"] for row in rows)
