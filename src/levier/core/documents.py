"""One document model for the files Levier writes for people to read (the clause documents, the yearly
report), rendered to DOCX by one writer and to PDF by another.

A `Document` is a title and a sequence of blocks:

    Document("Bilan 2026 …", (
        Heading("Indicateurs et cibles"),
        Paragraph("23 marché(s) passé(s) …"),
        Bullet("Embauche directe"),
        Table(("Indicateur", "Réalisé"), (("Heures d'insertion", "771"),)),
        BarChart("Heures d'insertion par mois", (Bar("janv.", 60.0, "60"),)),
    ), layout=Layout(landscape=True, margin=15, font_size=9))

The text is already formatted the French way by the caller (`rules.hours.format_money_fr`, with its narrow
no-break spaces): the writers copy it as it is. A bar chart is drawn as bars (rectangles in the PDF, bar
characters in a table in the DOCX), each with its label and its value as text, so the chart keeps its data
and reads back from the file.

PDF: fpdf2 with DejaVu Sans (shipped in levier/core/data/fonts, its licence beside it) so that « » ’ € œ
and narrow no-break spaces render.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from levier.core.charts import Bar

FONT_DIR = resources.files("levier.core").joinpath("data", "fonts")
FONT = "DejaVu"

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# A bar chart in a DOCX: the longest bar is this many block characters.
BAR_CELLS = 30


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullet:
    """One item of a bulleted list (consecutive bullets make the list)."""

    text: str


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __post_init__(self):
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.headers):
                raise ValueError(f"Row {number} has {len(row)} cells for {len(self.headers)} headers.")


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]


Block = Heading | Paragraph | Bullet | Table | BarChart


@dataclass(frozen=True)
class Layout:
    """The page: A4 portrait or landscape, margins in mm, body text size in points (headings +2)."""

    landscape: bool = False
    margin: int = 20
    font_size: int = 10


PORTRAIT = Layout()


@dataclass(frozen=True)
class Document:
    title: str
    blocks: tuple[Block, ...]
    layout: Layout = PORTRAIT

    @property
    def text(self) -> str:
        """Everything a reader reads, as plain lines (title, texts, table rows, chart values)."""
        lines = [self.title]
        for block in self.blocks:
            if isinstance(block, Table):
                lines.extend("\t".join(row) for row in (block.headers, *block.rows))
            elif isinstance(block, BarChart):
                lines.append(block.title)
                lines.extend(f"{bar.label}\t{bar.text}" for bar in block.bars)
            else:
                lines.append(block.text)
        return "\n".join(lines)


def table(headers, rows) -> Table:
    """A `Table` from lists, every cell as text."""
    return Table(tuple(str(h) for h in headers), tuple(tuple(str(cell) for cell in row) for row in rows))


def bar_chart(title: str, bars) -> BarChart:
    """A `BarChart` from (label, value, value as shown) triples or `Bar`s."""
    return BarChart(title, tuple(bar if isinstance(bar, Bar) else Bar(*bar) for bar in bars))


def _longest(chart: BarChart) -> float:
    return max((float(bar.value) for bar in chart.bars), default=0.0) or 1.0


# --- DOCX -----------------------------------------------------------------------------------------------


def to_docx(document: Document) -> bytes:
    from docx import Document as Docx

    out = Docx()
    out.core_properties.title = document.title
    out.core_properties.language = "fr-FR"
    out.add_heading(document.title, level=1)
    for block in document.blocks:
        if isinstance(block, Heading):
            out.add_heading(block.text, level=2)
        elif isinstance(block, Bullet):
            out.add_paragraph(block.text, style="List Bullet")
        elif isinstance(block, Paragraph):
            out.add_paragraph(block.text)
        elif isinstance(block, Table):
            _docx_table(out, block.headers, block.rows)
        elif isinstance(block, BarChart):
            out.add_paragraph(block.title, style="Caption")
            top = _longest(block)
            _docx_table(
                out,
                ("", "", ""),
                [
                    (bar.label, "█" * max(0, round(BAR_CELLS * float(bar.value) / top)), bar.text)
                    for bar in block.bars
                ],
            )
        else:
            raise TypeError(f"Unknown block: {block!r}")
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _docx_table(out, headers, rows) -> None:
    grid = out.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, headers, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(grid.add_row().cells, row, strict=True):
            cell.text = text
    # Two tables in a row would merge in Word: an empty paragraph keeps them apart.
    out.add_paragraph()


# --- PDF ------------------------------------------------------------------------------------------------


def new_pdf(title: str, layout: Layout = PORTRAIT):
    """An A4 PDF in French with the shipped DejaVu fonts, its first page begun with the title."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", orientation="L" if layout.landscape else "P")
    pdf.set_title(title)
    pdf.set_lang("fr")
    pdf.set_margins(layout.margin, layout.margin, layout.margin)
    pdf.set_auto_page_break(True, margin=layout.margin)
    pdf.add_font(FONT, "", str(FONT_DIR.joinpath("DejaVuSans.ttf")))
    pdf.add_font(FONT, "B", str(FONT_DIR.joinpath("DejaVuSans-Bold.ttf")))
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    return pdf


def to_pdf(document: Document) -> bytes:
    size = document.layout.font_size
    pdf = new_pdf(document.title, document.layout)
    for block in document.blocks:
        pdf.set_font(FONT, "", size)
        if isinstance(block, Heading):
            pdf.ln(3)
            pdf.set_font(FONT, "B", size + 2)
            pdf.multi_cell(0, 6, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif isinstance(block, Bullet):
            pdf.set_x(pdf.l_margin + 5)
            pdf.multi_cell(0, 5, f"• {block.text}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif isinstance(block, Paragraph):
            pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif isinstance(block, Table):
            _pdf_table(pdf, block)
        elif isinstance(block, BarChart):
            _pdf_chart(pdf, block, size)
        else:
            raise TypeError(f"Unknown block: {block!r}")
    return bytes(pdf.output())


def _pdf_table(pdf, block: Table) -> None:
    with pdf.table(text_align="LEFT", line_height=5, first_row_as_headings=True) as grid:
        for row in (block.headers, *block.rows):
            line = grid.row()
            for text in row:
                line.cell(text)
    pdf.ln(2)


def _fit(pdf, text: str, width: float) -> str:
    """`text` cut with an ellipsis so that it fits in `width` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _pdf_chart(pdf, chart: BarChart, size: int) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, 5, chart.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", size - 1)
    top = _longest(chart)
    label_w, value_w = pdf.epw * 0.4, 40
    bar_w = pdf.epw - label_w - value_w
    for bar in chart.bars:
        if pdf.get_y() > pdf.h - pdf.b_margin - 5:
            pdf.add_page()
        y = pdf.get_y()
        pdf.cell(label_w, 5, _fit(pdf, bar.label, label_w - 2))
        pdf.set_fill_color(0, 0, 145)
        width = bar_w * max(float(bar.value), 0.0) / top
        if width > 0:
            pdf.rect(pdf.l_margin + label_w, y + 1, width, 3, style="F")
        pdf.set_x(pdf.l_margin + label_w + bar_w + 2)
        pdf.cell(value_w - 2, 5, bar.text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


RENDERERS: dict[str, Callable[[Document], bytes]] = {"docx": to_docx, "pdf": to_pdf}
