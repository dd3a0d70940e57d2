"""Open a plan file whatever its format, and hand out its sheets as streams of rows.

A row is `(row_number, values)`: the row number as the spreadsheet shows it (1-based) and the cell values
with merged cells filled. Formats are told apart by their first bytes, not by the file name, since
uploads are often renamed.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

Row = tuple[int, list[object]]

XLSX = "xlsx"
ODS = "ods"
CSV = "csv"


class UnreadableFile(Exception):
    """The file as a whole cannot be read; the message is in French, for the user."""


@dataclass
class Sheet:
    name: str
    rows: Iterator[Row]


PlanSource = str | Path | bytes | BinaryIO


def open_binary(source: PlanSource) -> BinaryIO:
    """A seekable binary stream over a path, bytes, or an uploaded file."""
    if isinstance(source, str | Path):
        return open(source, "rb")  # closed by read_plan
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source)
    if not source.seekable():
        return io.BytesIO(source.read())
    return source


def detect_format(stream: BinaryIO) -> str:
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
                mimetype = archive.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
        except zipfile.BadZipFile as exc:
            raise UnreadableFile(
                "Le fichier est une archive endommagée : ouvrez-le et réenregistrez-le."
            ) from exc
        finally:
            stream.seek(0)
        if "xl/workbook.xml" in names:
            return XLSX
        if "content.xml" in names and "spreadsheet" in mimetype:
            return ODS
        raise UnreadableFile(
            "Format non reconnu : seuls les tableurs .xlsx, .ods et les fichiers .csv sont lus."
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "Format .xls (Excel 97-2003) non pris en charge : enregistrez le fichier au format .xlsx ou .ods."
        )
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("Ce fichier n'est ni un tableur (.xlsx, .ods) ni un fichier texte (.csv).")
    return CSV


def iter_sheets(stream: BinaryIO, file_format: str, csv_name: str = "CSV") -> Iterator[Sheet]:
    """The sheets of the file, in order. Each sheet's rows must be read before asking for the next one."""
    # Imported here so that reading a CSV never loads openpyxl.
    if file_format == XLSX:
        from levier.ingest.plans.xlsx_source import iter_xlsx_sheets

        return iter_xlsx_sheets(stream)
    if file_format == ODS:
        from levier.ingest.plans.ods_source import iter_ods_sheets

        return iter_ods_sheets(stream)
    from levier.ingest.plans.csv_source import iter_csv_sheets

    return iter_csv_sheets(stream, csv_name)
