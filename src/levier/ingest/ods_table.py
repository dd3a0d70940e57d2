"""OpenDocument spreadsheets (.ods, LibreOffice) opened as a `levier.ingest.tabular.Table`.

An .ods is a zip archive like an .xlsx, so `tabular.open_table` tells it apart by its content (`is_ods`)
and hands it to `open_ods_table`: the streaming reader of the plans import
(`levier.ingest.plans.ods_source`) gives the rows, turned into text the way XLSX cells are
(`tabular.cell_to_text`); a title merged across the width is read once as in an XLSX; the header is then
found, and the rows handed out, by `tabular.finish_opening`, exactly as for the other formats.

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
    finish_opening,
)

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
