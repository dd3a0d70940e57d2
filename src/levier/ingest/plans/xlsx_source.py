"""Rows of an .xlsx workbook, streamed with openpyxl's read-only mode.

openpyxl only knows merged cells in its normal mode, which builds every cell of the sheet in memory
(tens of megabytes for a 10,000-line plan). Instead the merged ranges are found by scanning the sheet's
XML for `<mergeCell ref="...">` in chunks, one extra decompression pass with constant memory, and
filled while the read-only rows stream by (merges.MergeFiller).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from levier.ingest.plans.merges import MAX_COLUMNS, CellRange, MergeFiller
from levier.ingest.plans.sources import Row, Sheet, UnreadableFile

_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)\"")
_CHUNK = 1 << 20
_OVERLAP = 256  # longer than any <mergeCell .../> element, so that one cut by a chunk edge is seen whole


def scan_merged_ranges(archive: zipfile.ZipFile, member: str) -> list[CellRange]:
    ranges: list[CellRange] = []
    seen: set[bytes] = set()
    tail = b""
    with archive.open(member) as xml:
        while chunk := xml.read(_CHUNK):
            data = tail + chunk
            for match in _MERGE_CELL.finditer(data):
                ref = match.group(1)
                if ref not in seen:
                    seen.add(ref)
                    cell_range = CellRange.from_a1(ref.decode("ascii"))
                    if cell_range is not None and cell_range.min_col <= MAX_COLUMNS:
                        ranges.append(cell_range)
            tail = data[-_OVERLAP:]
    return ranges


def iter_xlsx_sheets(stream: BinaryIO) -> Iterator[Sheet]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, XML errors) on damaged files
        raise UnreadableFile(f"Le classeur .xlsx ne peut pas être ouvert ({type(exc).__name__}).") from exc
    stream.seek(0)
    archive = zipfile.ZipFile(stream)
    try:
        for worksheet in workbook.worksheets:
            # `_worksheet_path` is openpyxl's (3.1) own pointer to the sheet's XML part; without it the
            # sheet is still read, only its merged cells stay empty.
            member = getattr(worksheet, "_worksheet_path", None)
            ranges = scan_merged_ranges(archive, member) if member in archive.namelist() else []
            yield Sheet(worksheet.title, _rows(worksheet, ranges))
    finally:
        workbook.close()
        archive.close()


def _rows(worksheet, ranges: list[CellRange]) -> Iterator[Row]:
    # The <dimension> element some generators write is wrong (often "A1"): reading it would cut rows.
    worksheet.reset_dimensions()
    filler = MergeFiller(ranges)
    for row_number, cells in enumerate(worksheet.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
        values = list(cells[:MAX_COLUMNS])
        yield row_number, filler.fill(row_number, values)
