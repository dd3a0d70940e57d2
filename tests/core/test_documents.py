"""The shared document writers: one document written to DOCX and PDF and read back with python-docx and
pypdf (titles, headings, lists, tables, charts, accents, € and narrow no-break spaces)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from docx import Document as read_docx
from pypdf import PdfReader

from levier.core import documents
from levier.core.charts import Bar
from levier.core.documents import BarChart, Bullet, Document, Heading, Layout, Paragraph, Table
from levier.rules.hours import format_money_fr

AMOUNT = format_money_fr(Decimal("1234567.5"))
# Narrow no-break spaces (as in the rules core's hours explanation) and no-break spaces inside « ».
RATE = "480\u202f000 € × 5 % ÷ 30\u202f€/h = 800\u202fh, «\u00a0insertion\u00a0»"
LONG_LABEL = "Nettoyage et entretien des locaux administratifs, des écoles et des gymnases municipaux"


def sample(layout: Layout = documents.PORTRAIT, rows: int = 3) -> Document:
    return Document(
        "Bilan de l'œuvre « insertion » — Ville d’Été",
        (
            Heading("Achats auprès des structures inclusives"),
            Paragraph(f"Dépenses importées : {AMOUNT} auprès de structures inclusives."),
            Paragraph(RATE),
            Bullet("Embauche directe"),
            Bullet("Intérim d'insertion (ETTI)"),
            documents.table(
                ["Catégorie", "Montant"],
                [[f"Catégorie n° {n}", format_money_fr(1000 * n)] for n in range(1, rows + 1)],
            ),
            documents.bar_chart(
                "Achats inclusifs par catégorie (€)",
                [
                    ("Espaces verts", 400.0, format_money_fr(400)),
                    Bar(LONG_LABEL, 100.0, format_money_fr(100)),
                ],
            ),
        ),
        layout,
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_docx_round_trip_keeps_every_block():
    document = sample()
    docx = read_docx(io.BytesIO(documents.to_docx(document)))
    assert docx.core_properties.title == document.title and docx.core_properties.language == "fr-FR"
    paragraphs = [(p.style.name, p.text) for p in docx.paragraphs if p.text]
    assert paragraphs == [
        ("Heading 1", "Bilan de l'œuvre « insertion » — Ville d’Été"),
        ("Heading 2", "Achats auprès des structures inclusives"),
        ("Normal", f"Dépenses importées : {AMOUNT} auprès de structures inclusives."),
        ("Normal", RATE),
        ("List Bullet", "Embauche directe"),
        ("List Bullet", "Intérim d'insertion (ETTI)"),
        ("Caption", "Achats inclusifs par catégorie (€)"),
    ]
    table, chart = ([[cell.text for cell in row.cells] for row in t.rows] for t in docx.tables)
    assert table == [["Catégorie", "Montant"]] + [
        [f"Catégorie n° {n}", format_money_fr(1000 * n)] for n in (1, 2, 3)
    ]
    # The chart keeps its labels and values; the longest bar is BAR_CELLS wide, the others in proportion.
    assert [(label, value) for label, _bar, value in chart[1:]] == [
        ("Espaces verts", format_money_fr(400)),
        (LONG_LABEL, format_money_fr(100)),
    ]
    assert [len(bar) for _label, bar, _value in chart[1:]] == [
        documents.BAR_CELLS,
        round(documents.BAR_CELLS / 4),
    ]


def test_pdf_round_trip_keeps_text_typography_and_bars():
    document = sample()
    content = documents.to_pdf(document)
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata.title == document.title
    page = reader.pages[0]
    assert float(page.mediabox.width) < float(page.mediabox.height)  # A4 portrait by default
    text = pdf_text(content)
    for piece in ("«", "»", "’", "€", "œ", "Été", "—"):
        assert piece in text
    # Narrow no-break spaces survive as such; fpdf2 writes the no-break ones as spaces, unbroken.
    assert RATE.replace("\u00a0", " ") in text and text.count("\u202f") == RATE.count("\u202f")
    words = flat(text)
    assert flat(document.title) in words
    assert f"Dépenses importées : {flat(AMOUNT)} auprès de structures inclusives." in words
    assert "• Embauche directe" in words and "• Intérim d'insertion (ETTI)" in words
    assert "Catégorie Montant Catégorie n° 1 1 000 € Catégorie n° 2 2 000 €" in words
    assert f"Espaces verts {flat(format_money_fr(400))}" in words
    # A label too long for its column is cut with an ellipsis, never silently.
    assert LONG_LABEL not in words and "Nettoyage et entretien des locaux" in words and "…" in words
    # The two bars are filled rectangles whose widths keep the 4 to 1 ratio of their values.
    stream = page.get_contents().get_data().decode("latin-1")
    widths = [float(w) for w in re.findall(r"[\d.]+ [\d.]+ ([\d.]+) -?[\d.]+ re f", stream)]
    assert len(widths) == 2 and widths[0] == pytest.approx(4 * widths[1], rel=0.01)


def test_pdf_landscape_layout_and_long_tables_span_pages():
    content = documents.to_pdf(sample(Layout(landscape=True, margin=15, font_size=9), rows=120))
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) > 1
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in reader.pages)
    words = flat(pdf_text(content))
    assert all(f"Catégorie n° {n} " in words for n in (1, 60, 120))
    # The header row is repeated on the following page.
    assert flat(reader.pages[1].extract_text()).startswith("Catégorie Montant")


def test_text_reads_every_block_and_tables_check_their_width():
    text = sample().text
    assert text.splitlines()[0] == sample().title
    assert f"Catégorie n° 2\t{format_money_fr(2000)}" in text
    assert f"{LONG_LABEL}\t{format_money_fr(100)}" in text
    with pytest.raises(ValueError, match="Row 2 has 1 cells for 2 headers"):
        Table(("Catégorie", "Montant"), (("a", "1"), ("b",)))
    with pytest.raises(TypeError):
        documents.to_docx(Document("x", (BarChart("vide", ()), "not a block")))
