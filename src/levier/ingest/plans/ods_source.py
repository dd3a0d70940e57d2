"""Rows of an .ods workbook (LibreOffice, OpenDocument 1.2+), streamed from content.xml with iterparse.

Read with the standard library: the OpenDocument table model is small (rows, cells, repeat and span
attributes, typed values), and reading it directly gives what the usual readers do not: merged ranges
(`number-columns-spanned` / `number-rows-spanned`) and constant memory, since every row is dropped from
the tree once read. Runs of empty rows or cells written with a huge `number-*-repeated` (LibreOffice
pads sheets to 1,048,576 rows) are skipped without being expanded.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, iterparse

from levier.ingest.plans.merges import MAX_COLUMNS, CellRange, MergeFiller
from levier.ingest.plans.sources import Row, Sheet, UnreadableFile

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"

T_TABLE = f"{{{_TABLE}}}table"
T_ROW = f"{{{_TABLE}}}table-row"
T_CELL = f"{{{_TABLE}}}table-cell"
T_COVERED = f"{{{_TABLE}}}covered-table-cell"
A_NAME = f"{{{_TABLE}}}name"
A_ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
A_COLS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
A_COLS_SPANNED = f"{{{_TABLE}}}number-columns-spanned"
A_ROWS_SPANNED = f"{{{_TABLE}}}number-rows-spanned"
A_VALUE_TYPE = f"{{{_OFFICE}}}value-type"
A_VALUE = f"{{{_OFFICE}}}value"
A_DATE_VALUE = f"{{{_OFFICE}}}date-value"
A_BOOLEAN_VALUE = f"{{{_OFFICE}}}boolean-value"
T_P = f"{{{_TEXT}}}p"
T_S = f"{{{_TEXT}}}s"
T_TAB = f"{{{_TEXT}}}tab"
T_LINE_BREAK = f"{{{_TEXT}}}line-break"
A_C = f"{{{_TEXT}}}c"

# A non-empty row repeated more than this is a formatting artefact, not data.
_MAX_ROW_REPEAT = 1000


def iter_ods_sheets(stream: BinaryIO) -> Iterator[Sheet]:
    try:
        archive = zipfile.ZipFile(stream)
        content = archive.open("content.xml")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise UnreadableFile("Le classeur .ods ne peut pas être ouvert (archive endommagée).") from exc
    events = iterparse(content, events=("start", "end"))
    try:
        while (table := _next_table(events)) is not None:
            rows = _table_rows(events, table)
            yield Sheet(table.get(A_NAME) or "Feuille", rows)
            for _ in rows:  # the caller stopped early: move the parser past this table
                pass
    except ParseError as exc:
        raise UnreadableFile(f"Le classeur .ods est endommagé (XML illisible : {exc}).") from exc
    finally:
        content.close()
        archive.close()


def _next_table(events: Iterator[tuple[str, Element]]) -> Element | None:
    for event, element in events:
        if event == "start" and element.tag == T_TABLE:
            return element
    return None


def _table_rows(events: Iterator[tuple[str, Element]], table: Element) -> Iterator[Row]:
    filler = MergeFiller()
    row_number = 0
    parents: list[Element] = [table]  # open elements, to detach each row from its parent once read
    for event, element in events:
        if event == "start":
            parents.append(element)
            continue
        if element.tag == T_TABLE:
            table.clear()
            return
        parents.pop()
        if element.tag != T_ROW:
            continue
        repeat = int(element.get(A_ROWS_REPEATED, "1"))
        values = _row_values(element, row_number + 1, filler)
        if parents:
            parents[-1].remove(element)  # keep memory constant: the row is done with
        if not any(value is not None for value in values) and repeat > 1:
            row_number += repeat
            continue
        for _ in range(min(repeat, _MAX_ROW_REPEAT)):
            row_number += 1
            yield row_number, filler.fill(row_number, list(values))
        row_number += max(repeat - _MAX_ROW_REPEAT, 0)


def _row_values(row: Element, row_number: int, filler: MergeFiller) -> list[object]:
    values: list[object] = []
    pending_empty = 0  # empty cells are only materialised when a value follows them
    for cell in row:
        if cell.tag not in (T_CELL, T_COVERED):
            continue
        repeat = int(cell.get(A_COLS_REPEATED, "1"))
        value = _cell_value(cell) if cell.tag == T_CELL else None
        column = len(values) + pending_empty + 1
        col_span = int(cell.get(A_COLS_SPANNED, "1"))
        row_span = int(cell.get(A_ROWS_SPANNED, "1"))
        if (col_span > 1 or row_span > 1) and column <= MAX_COLUMNS:
            filler.add(CellRange(row_number, column, row_number + row_span - 1, column + col_span - 1))
        if value is None:
            pending_empty += repeat
            continue
        if len(values) + pending_empty >= MAX_COLUMNS:
            break
        values.extend([None] * pending_empty)
        pending_empty = 0
        values.extend([value] * min(repeat, MAX_COLUMNS - len(values)))
    return values


def _cell_value(cell: Element) -> object:
    value_type = cell.get(A_VALUE_TYPE)
    if value_type in ("float", "percentage", "currency"):
        number = float(cell.get(A_VALUE, "nan"))
        return int(number) if number.is_integer() else number
    if value_type == "date":
        return _date(cell.get(A_DATE_VALUE, ""))
    if value_type == "boolean":
        return cell.get(A_BOOLEAN_VALUE) == "true"
    text = "\n".join(_paragraph_text(paragraph) for paragraph in cell.iter(T_P))
    return text if text.strip() else None


def _date(text: str) -> object:
    try:
        if "T" in text:
            return dt.datetime.fromisoformat(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        return text or None


def _paragraph_text(paragraph: Element) -> str:
    """The text of a <text:p>, with <text:s> runs of spaces, tabs and line breaks spelled out."""
    parts = [paragraph.text or ""]
    for child in paragraph:
        if child.tag == T_S:
            parts.append(" " * int(child.get(A_C, "1")))
        elif child.tag == T_TAB:
            parts.append("\t")
        elif child.tag == T_LINE_BREAK:
            parts.append("\n")
        else:
            parts.append(_paragraph_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
