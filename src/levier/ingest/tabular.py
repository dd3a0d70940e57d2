"""Low-level reading of the spreadsheets people actually send: CSV in any of the usual French encodings
and delimiters, XLSX, and ODS (LibreOffice, opened by `levier.ingest.ods_table`). The importers of
structure lists, declarations and accounting exports read through `open_table`, so the same damage is
handled once:

- encodings: UTF-8, UTF-8 with BOM, CP1252 (Excel "CSV (séparateur : point-virgule)"), and files that
  mix them line by line (a CP1252 line pasted into a UTF-8 file): each line is decoded on its own;
- delimiters `;` `,` and tab, sniffed from the first lines;
- title rows above the header, blank rows, empty trailing columns, ragged rows;
- the real row number of every record, as the spreadsheet shows it, so messages point at the right line.

Rows are streamed: a file is read once, front to back, and never held in memory as a whole.

The second half of the module is column matching: `normalize_header` makes header spellings comparable
(accents, case, spaces, underscores, "N°"), `Column` describes a field an importer wants, and
`resolve_columns` / `suggest_mapping` match a file's headers to those fields, with or without a mapping
given by the user (dict, JSON or TOML file).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import os
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from levier.ingest.errors import RowError, Severity
from levier.rules.text import fold

PathLike = str | os.PathLike[str]
ProgressCallback = Callable[[int, int | None], None]

CSV_DELIMITERS = (";", ",", "\t")
# Enough to see the header and a few dozen rows of any real list, small enough to stay instant.
SNIFF_BYTES = 64 * 1024
# How many leading records may be title rows or notes above the real header.
HEADER_SEARCH_ROWS = 20
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_ZIP_MAGIC = b"PK\x03\x04"
# Marks a CSV record the parser could not read, so the Table can report it with its line number.
_BROKEN_RECORD = "\x00broken-record"


def _is_broken(cells: list[str]) -> bool:
    return bool(cells) and cells[0] == _BROKEN_RECORD


class TableError(Exception):
    """The file cannot be read as a table at all (empty, corrupt workbook, unknown sheet).

    Carries a ready-to-show French `RowError` with `row=None`.
    """

    def __init__(self, message_fr: str, code: str = "unreadable_file") -> None:
        super().__init__(message_fr)
        self.error = RowError(row=None, field=None, raw_value=None, message=message_fr, code=code)


# --- encodings and delimiters ----------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """Name the encoding of a file from its first bytes: utf-8-sig, utf-16, utf-8 or cp1252.

    A sample cut in the middle of a multi-byte character is still recognised as UTF-8.
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        # An incremental decoder accepts an incomplete trailing sequence when final=False.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def detect_delimiter(lines: Iterable[str]) -> str:
    """Pick `;`, `,` or tab: the one whose records are widest and most consistent with the header.

    csv.Sniffer is avoided on purpose: it guesses letters or quotes as delimiters on French text.
    """
    sample = [line for line in lines if line.strip()][:HEADER_SEARCH_ROWS]
    best, best_score = ";", (0.0, 0)
    for delimiter in CSV_DELIMITERS:
        try:
            widths = [len(record) for record in csv.reader(sample, delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths or max(widths) < 2:
            continue
        widest = max(widths)
        # Title rows are narrow: judge consistency on the widest records only.
        consistency = sum(1 for width in widths if width == widest) / len(widths)
        score = (consistency, widest)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _decode_line(raw: bytes, encoding: str) -> tuple[str, bool]:
    """Decode one physical line; say whether the CP1252 fallback was needed."""
    if encoding in ("utf-8", "utf-8-sig"):
        try:
            return raw.decode("utf-8"), False
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace"), True
    return raw.decode(encoding, errors="replace"), False


# --- cell values -----------------------------------------------------------------------------------


def cell_to_text(value: object) -> str:
    """Turn a spreadsheet cell into the text a person would read in it.

    Integral floats lose their ".0" (Excel stores SIRETs and postcodes as numbers); dates become ISO.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


# --- the table -------------------------------------------------------------------------------------


@dataclass
class TableInfo:
    """What was found about the file, for the preview and the report."""

    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 1
    headers: list[str] = field(default_factory=list)
    # Columns without a header: the GEIQ list ends with three of them.
    unnamed_columns: list[int] = field(default_factory=list)
    # Known for XLSX (the sheet's dimension), None for CSV (counting would mean reading twice).
    total_rows: int | None = None
    blank_rows: int = 0
    # Physical lines that were not valid UTF-8 in a UTF-8 file and were decoded as CP1252.
    recoded_lines: list[int] = field(default_factory=list)


def _unique_headers(raw_headers: list[str]) -> tuple[list[str], list[int]]:
    headers: list[str] = []
    unnamed: list[int] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_headers, start=1):
        name = " ".join(raw.split())
        if not name:
            name = f"Colonne {index}"
            unnamed.append(index)
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        headers.append(name)
    return headers, unnamed


def _pick_header(records: list[tuple[int, list[str]]]) -> int:
    """Index (in `records`) of the header: the first row nearly as wide as the widest early row."""
    filled = [sum(1 for cell in cells if cell.strip()) for _, cells in records]
    if not filled:
        return 0
    widest = max(filled)
    threshold = max(1, (widest + 1) // 2) if widest < 2 else max(2, (widest + 1) // 2)
    for index, count in enumerate(filled):
        if count >= threshold:
            return index
    return 0


class Table:
    """An opened table. `info.headers` is known at once; iterating yields `(row_number, row)` once.

    `row` maps each header to the cell text (not stripped: readers decide, and report stray characters).
    Problems that belong to no particular field (ragged rows, recoded lines) are appended to `anomalies`
    as warnings while iterating.
    """

    def __init__(
        self,
        info: TableInfo,
        records: Iterator[tuple[int, list[str]]],
        closer: Callable[[], None],
    ) -> None:
        self.info = info
        self.anomalies: list[RowError] = []
        self._records = records
        self._closer = closer
        self._consumed = False

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closer()

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        if self._consumed:
            raise RuntimeError("A Table streams its rows once; open the file again to re-read it.")
        self._consumed = True
        headers = self.info.headers
        width = len(headers)
        for number, cells in self._records:
            if _is_broken(cells):
                self.anomalies.append(
                    RowError(
                        row=number,
                        field=None,
                        raw_value=None,
                        message=f"ligne illisible, ignorée ({cells[1]}).",
                        code="unreadable_row",
                    )
                )
                continue
            if not any(cell.strip() for cell in cells):
                self.info.blank_rows += 1
                continue
            extra = [cell for cell in cells[width:] if cell.strip()]
            if extra:
                self.anomalies.append(
                    RowError(
                        row=number,
                        field=None,
                        raw_value=" | ".join(extra),
                        message=(
                            f"{len(extra)} valeur(s) au-delà de la dernière colonne nommée, ignorée(s) : "
                            f"« {' | '.join(extra)[:80]} »."
                        ),
                        severity=Severity.WARNING,
                        code="extra_cells",
                        sheet=self.info.sheet,
                    )
                )
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            yield number, dict(zip(headers, cells, strict=False))


def _csv_records(
    binary: IO[bytes], encoding: str, delimiter: str, info: TableInfo
) -> Iterator[tuple[int, list[str]]]:
    """Yield (first physical line number, cells) for each CSV record, decoding line by line."""
    line_number = 0

    def lines() -> Iterator[str]:
        nonlocal line_number
        for raw in binary:
            line_number += 1
            if line_number == 1 and encoding == "utf-8-sig" and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            text, recoded = _decode_line(raw, encoding)
            if recoded:
                info.recoded_lines.append(line_number)
            # NUL bytes come from binary junk or UTF-16 read as bytes; csv rejects them.
            yield text.replace("\x00", "")

    reader = csv.reader(lines(), delimiter=delimiter)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # A broken record (field larger than the csv limit, stray quote at EOF): skip it, go on.
            yield start, [_BROKEN_RECORD, str(error)]
            start = line_number + 1
            continue
        yield start, cells
        start = line_number + 1


def _open_csv(path: Path, encoding: str | None, delimiter: str | None) -> Table:
    binary = path.open("rb")
    try:
        sample = binary.read(SNIFF_BYTES)
        if not sample.strip():
            raise TableError("Le fichier est vide.", code="empty_file")
        encoding = encoding or detect_encoding(sample)
        if encoding == "utf-16":
            # Rare (Excel "Unicode text"): re-encode the stream as UTF-8 lines for the line decoder.
            binary.close()
            text_stream = path.open("r", encoding="utf-16", newline="")
            binary = io.BytesIO(text_stream.read().encode("utf-8"))
            text_stream.close()
            sample = binary.getvalue()[:SNIFF_BYTES]
            encoding = "utf-8"
        binary.seek(0)
        # The last sampled line may be cut short: leave it out unless it is the only one.
        raw_lines = sample.splitlines(keepends=True)
        sample_lines = [_decode_line(raw, encoding)[0] for raw in (raw_lines[:-1] or raw_lines)]
        delimiter = delimiter or detect_delimiter(sample_lines)
    except BaseException:
        binary.close()
        raise
    info = TableInfo(format="csv", encoding=encoding, delimiter=delimiter)
    records = _csv_records(binary, encoding, delimiter, info)
    return finish_opening(info, records, binary.close)


def _open_xlsx(path: Path, sheet: str | int | None) -> Table:

    import openpyxl

    # A file object rather than the path: openpyxl refuses a workbook whose name does not end in
    # .xlsx, and uploads are often renamed.
    handle = path.open("rb")
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:
        # A damaged workbook can fail anywhere inside openpyxl or zipfile: it is unreadable either way.
        handle.close()
        raise TableError(f"Le classeur Excel est illisible ({type(error).__name__} : {error}).") from error

    def close() -> None:
        workbook.close()
        handle.close()

    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif isinstance(sheet, int):
            worksheet = workbook.worksheets[sheet]
        else:
            if sheet not in workbook.sheetnames:
                names = ", ".join(f"« {name} »" for name in workbook.sheetnames)
                raise TableError(
                    f"Feuille « {sheet} » introuvable (feuilles : {names}).", code="unknown_sheet"
                )
            worksheet = workbook[sheet]
    except BaseException:
        close()
        raise
    info = TableInfo(format="xlsx", sheet=worksheet.title)
    max_row = worksheet.max_row

    def records() -> Iterator[tuple[int, list[str]]]:
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            yield number, [cell_to_text(value) for value in values]

    table = finish_opening(info, records(), close)
    if max_row:
        table.info.total_rows = max(0, max_row - table.info.header_row)
    return table


def finish_opening(
    info: TableInfo, records: Iterator[tuple[int, list[str]]], closer: Callable[[], None]
) -> Table:
    """Find the header among the first records, then hand the rest to a Table.

    Every format's opener ends here (CSV and XLSX below, ODS in `levier.ingest.ods_table`): `records` are
    (row number, cells as text); `closer` releases the file, when the Table is closed or when no header
    is found.
    """
    head: list[tuple[int, list[str]]] = []
    try:
        for record in records:
            head.append(record)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        candidates = [(index, record) for index, record in enumerate(head) if not _is_broken(record[1])]
        if not any(any(cell.strip() for cell in cells) for _, (_, cells) in candidates):
            raise TableError("Le fichier ne contient aucune ligne lisible.", code="empty_file")
        header_index = candidates[_pick_header([record for _, record in candidates])][0]
    except BaseException:
        closer()
        raise
    header_number, header_cells = head[header_index]
    info.header_row = header_number
    info.headers, info.unnamed_columns = _unique_headers(header_cells)

    def rest() -> Iterator[tuple[int, list[str]]]:
        yield from head[header_index + 1 :]
        yield from records

    return Table(info, rest(), closer)


def open_table(
    path: PathLike,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Open a CSV, XLSX or ODS file (chosen by content, then suffix) and find its header row.

    Raises `TableError` (with a French message) when the file holds no table at all.
    """
    # Imported here: the ODS opener builds on this module's `finish_opening`.
    from levier.ingest.ods_table import is_ods, open_ods_table

    path = Path(path)
    with path.open("rb") as probe:
        magic = probe.read(4)
    if magic == _ZIP_MAGIC and is_ods(path):
        # An .ods is a zip archive too: told apart by its content, whatever its name.
        return open_ods_table(path, sheet)
    if magic == _ZIP_MAGIC or path.suffix.lower() in XLSX_SUFFIXES:
        return _open_xlsx(path, sheet)
    return _open_csv(path, encoding, delimiter)


# --- header normalisation and column matching ------------------------------------------------------

_MIN_CONTAINED_KEY = 5


def normalize_header(text: object) -> str:
    """Comparable form of a header: no accents, lower case, words separated by one space.

    "ET-N°FINESS", "et_n° finess" and "Et N FINESS" all give "et n finess"; "Code Postal",
    "CODE_POSTAL" and "code-postal" give "code postal".
    """
    if text is None:
        return ""
    # Transliterated, "°" would read "deg" and "º" "o": "N°" must fold like "N".
    return fold(str(text).replace("°", " ").replace("º", " "), transliterate=True)


@dataclass(frozen=True)
class Column:
    """A field an importer reads, with the header spellings that mean it."""

    field: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False

    def spellings(self) -> tuple[str, ...]:
        """Normalised spellings, the field name and French label included."""
        spellings = (self.field, self.label, *self.synonyms)
        return tuple(dict.fromkeys(normalize_header(s) for s in spellings if normalize_header(s)))


def suggest_mapping(headers: Iterable[str], columns: Iterable[Column]) -> dict[str, str]:
    """Guess field → header from synonyms: exact normalised matches first, then whole-word containment.

    Each header serves one field at most; fields are served in the order given, so list the most
    specific fields (SIRET) before the vaguer ones (name).
    """
    headers = list(headers)
    normalised = {header: normalize_header(header) for header in headers}
    columns = list(columns)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for exact in (True, False):
        for column in columns:
            if column.field in mapping:
                continue
            for key in column.spellings():
                # Short keys ("cp", "nom", "url") only match exactly: inside a longer header they
                # mean something else ("nom du contact").
                if not exact and len(key) < _MIN_CONTAINED_KEY:
                    continue
                match = next(
                    (
                        header
                        for header in headers
                        if header not in used
                        and normalised[header]
                        and (normalised[header] == key if exact else f" {key} " in f" {normalised[header]} ")
                    ),
                    None,
                )
                if match is not None:
                    mapping[column.field] = match
                    used.add(match)
                    break
    return mapping


def load_mapping(path: PathLike) -> dict[str, str]:
    """Read a mapping field → column header from a JSON object or a TOML file.

    TOML may hold the pairs at top level or under a `[columns]` (or `[mapping]`) table. Raises
    ValueError with a French message when the content is not such a mapping.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".toml":
        data: object = tomllib.loads(text)
        if isinstance(data, dict):
            for table_name in ("columns", "mapping"):
                if isinstance(data.get(table_name), dict):
                    data = data[table_name]
                    break
    else:
        data = json.loads(text)
    if not isinstance(data, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in data.items()
    ):
        raise ValueError(
            f"{path.name} : la correspondance doit associer chaque champ (texte) à un nom de colonne (texte)."
        )
    return dict(data)


def resolve_columns(
    headers: Iterable[str],
    columns: Iterable[Column],
    mapping: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[RowError]]:
    """Match fields to the file's headers: the user's mapping first, synonyms for the rest.

    Returns field → header for every field found, and file-level problems in French: an unknown field
    in the mapping, a mapped column absent from the file (error when the field is required), a required
    field with no column. Header comparison ignores accents, case, spaces and underscores.
    """
    headers = list(headers)
    columns = list(columns)
    by_field = {column.field: column for column in columns}
    by_normalised = {}
    for header in headers:
        by_normalised.setdefault(normalize_header(header), header)
    problems: list[RowError] = []
    resolved: dict[str, str] = {}
    present = ", ".join(f"« {header} »" for header in headers)
    for target, source in (mapping or {}).items():
        column = by_field.get(target)
        if column is None:
            known = ", ".join(by_field)
            problems.append(
                RowError(
                    row=None,
                    field=None,
                    raw_value=target,
                    message=(
                        f"champ « {target} » inconnu dans la correspondance (champs possibles : {known})."
                    ),
                    code="mapping_unknown_field",
                )
            )
            continue
        header = by_normalised.get(normalize_header(source))
        if header is None:
            problems.append(
                RowError(
                    row=None,
                    field=column.label,
                    raw_value=source,
                    message=(
                        f"la colonne « {source} » indiquée dans la correspondance est absente du fichier "
                        f"(colonnes présentes : {present})."
                    ),
                    severity=Severity.ERROR if column.required else Severity.WARNING,
                    code="mapping_column_missing",
                )
            )
            continue
        resolved[target] = header
    remaining_headers = [header for header in headers if header not in resolved.values()]
    remaining_columns = [column for column in columns if column.field not in resolved]
    # A field the user mapped to a missing column is not guessed from synonyms: they meant that one.
    mapped_but_missing = {target for target in (mapping or {}) if target not in resolved}
    suggested = suggest_mapping(
        remaining_headers, [c for c in remaining_columns if c.field not in mapped_but_missing]
    )
    resolved.update(suggested)
    for column in columns:
        if column.required and column.field not in resolved and column.field not in mapped_but_missing:
            names = ", ".join(f"« {s} »" for s in (column.label, *column.synonyms[:4]))
            problems.append(
                RowError(
                    row=None,
                    field=column.label,
                    raw_value=None,
                    message=(
                        f"colonne obligatoire introuvable (noms reconnus : {names}) ; "
                        f"colonnes présentes : {present}."
                    ),
                    code="required_column_missing",
                )
            )
    return resolved, problems
