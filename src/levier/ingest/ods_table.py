"""OpenDocument spreadsheets (.ods, LibreOffice) opened as a `levier.ingest.tabular.Table`.

`tabular.open_table` reads CSV and XLSX; an .ods is a zip archive like an .xlsx, so it must be told apart
by its content before `open_table` mistakes it for a damaged Excel workbook. `open_any_table` does that
and hands an .ods to the streaming reader of the plans import (`levier.ingest.plans.ods_source`), whose
rows are turned into text the way XLSX cells are (`tabular.cell_to_text`), a title merged across the
width is read once as in an XLSX, and the header is then found, and the rows handed out, exactly as for
the other formats.

Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from levier.ingest.plans.ods_source import iter_ods_sheets
from levier.ingest.plans.sources import ODS, UnreadableFile, detect_format
from levier.ingest.tabular import (
    HEADER_SEARCH_ROWS,
    PathLike,
    Table,
    TableError,
    TableInfo,
    cell_to_text,
    open_table,
)

# The function of `tabular` that finds the header among the first rows and wraps the rest in a Table:
# private there, used here so that an .ods is read exactly like the other formats.
from levier.ingest.tabular import _finish_opening as finish_opening

_ZIP_MAGIC = b"PK\x03\x04"


def is_ods(path: PathLike) -> bool:
    """Whether the file at `path` is an OpenDocument spreadsheet, whatever its name."""
    with Path(path).open("rb") as stream:
        if stream.read(4) != _ZIP_MAGIC:
            return False
        stream.seek(0)
        try:
            return detect_format(stream) == ODS
        except UnreadableFile:
            return False


def open_ods_table(path: PathLike, sheet: str | int | None = None) -> Table:
    """The first sheet of the .ods at `path` (or the one named or numbered by `sheet`) as a Table."""
    handle = Path(path).open("rb")  # noqa: SIM115 - closed with the Table
    try:
        sheets = iter_ods_sheets(handle)
        chosen = None
        names: list[str] = []
        for index, candidate in enumerate(sheets):
            names.append(candidate.name)
            if sheet is None or sheet == index or sheet == candidate.name:
                chosen = candidate
                break
        if chosen is None:
            listed = ", ".join(f"« {name} »" for name in names)
            raise TableError(f"Feuille « {sheet} » introuvable (feuilles : {listed}).", code="unknown_sheet")
    except UnreadableFile as error:
        handle.close()
        raise TableError(str(error)) from error
    except BaseException:
        handle.close()
        raise

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            for position, (number, values) in enumerate(chosen.rows):
                cells = [cell_to_text(value) for value in values]
                if position < HEADER_SEARCH_ROWS:
                    cells = _unmerged_title(cells)
                yield number, cells
        except UnreadableFile as error:
            raise TableError(str(error)) from error

    def close() -> None:
        sheets.close()
        handle.close()

    return finish_opening(TableInfo(format="ods", sheet=chosen.name), records(), close)


def _unmerged_title(cells: list[str]) -> list[str]:
    """A title merged across the width reads once, in its first cell, as an XLSX gives it.

    The .ods reader fills merged ranges with their value (what a plan's merged service cells need); a
    title row filled that way would look like the widest row of the sheet and be taken for the header.
    """
    filled = [cell for cell in cells if cell.strip()]
    if len(filled) < 2 or len(set(filled)) > 1:
        return cells
    first = next(index for index, cell in enumerate(cells) if cell.strip())
    return [cell if index == first else "" for index, cell in enumerate(cells)]


def open_any_table(path: PathLike, *, sheet: str | int | None = None) -> Table:
    """`tabular.open_table`, .ods included."""
    if is_ods(path):
        return open_ods_table(path, sheet)
    return open_table(path, sheet=sheet)
