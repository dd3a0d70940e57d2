"""The yearly report files are readable and carry the figures; the terminal commands."""

import io
import json

import pytest
from django.core.management import call_command

from levier.steering.models import SpendLine

from .conftest import base_rows, xlsx_bytes
from .test_indicators import YEAR, generate, import_spend

pytestmark = pytest.mark.django_db


def test_report_command_writes_readable_files(world, tmp_path):
    generate(world)
    import_spend(world)
    out = io.StringIO()
    call_command(
        "report", "yearly", "--org", "ville-test", "--year", str(YEAR), "-o", str(tmp_path), stdout=out
    )
    paths = {p.suffix: p for p in tmp_path.iterdir()}
    assert set(paths) == {".docx", ".pdf", ".xlsx"}
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(paths[".pdf"]).pages)
    assert "Bilan 2026" in text and "Marchés et lots réservés" in text
    assert "Territoire : " in text  # the rule the transferable segments were drawn with
    assert "4 000 €" in text  # spend with SIAE
    import docx

    document = docx.Document(paths[".docx"])
    cells = " ".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "2 250 €" in cells  # spend with ESAT and EA
    import openpyxl

    workbook = openpyxl.load_workbook(paths[".xlsx"])
    assert {"Indicateurs", "Par mois", "Dépenses", "Seuils européens", "Segments"} <= set(workbook.sheetnames)
    spend = list(workbook["Dépenses"].iter_rows(min_row=2, values_only=True))
    assert len(spend) == SpendLine.objects.count() == 6
    indicators = {row[1]: row[2] for row in workbook["Indicateurs"].iter_rows(min_row=2, values_only=True)}
    assert indicators["spend_siae"] == 4000


def test_import_command(world, tmp_path, capsys):
    path = tmp_path / "mandats.xlsx"
    path.write_bytes(xlsx_bytes(base_rows()))
    out = io.StringIO()
    call_command("import", "spend", str(path), "--org", "ville-test", "--year", "2026", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["status"] == "committed" and report["counts"]["created"] == 6
    out = io.StringIO()
    call_command("import", "spend", str(path), "--org", "ville-test", "--year", "2026", stdout=out)
    assert "0 créée(s)" in out.getvalue() and "6 inchangée(s)" in out.getvalue()
    assert SpendLine.objects.count() == 6
