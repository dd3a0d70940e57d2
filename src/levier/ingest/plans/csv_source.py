"""Rows of a CSV plan: UTF-8 (with or without BOM) or CP1252, separated by `;`, `,`, tab or `|`.

Excel in French saves "CSV (séparateur : point-virgule)" in CP1252; LibreOffice and online tools write
UTF-8. The encoding is decided on the whole file (a single "é" at line 9,000 decides it), in a streaming
pass with an incremental decoder, then the rows are streamed a second time.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from typing import BinaryIO

from levier.ingest.plans.merges import MAX_COLUMNS
from levier.ingest.plans.sources import Row, Sheet, UnreadableFile

_CANDIDATE_DELIMITERS = (";", ",", "\t", "|")
_SAMPLE_LINES = 50
_CHUNK = 1 << 16


def sniff_encoding(stream: BinaryIO) -> str:
    """utf-8-sig when the whole file decodes as UTF-8, else cp1252 (latin-1 for its 5 unassigned bytes)."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    cp1252_ok = True
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    utf8_ok = True
    while chunk := stream.read(_CHUNK):
        if utf8_ok:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
        if not utf8_ok and cp1252_ok:
            try:
                cp1252.decode(chunk)
            except UnicodeDecodeError:
                cp1252_ok = False
        if not utf8_ok and not cp1252_ok:
            break
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    stream.seek(0)
    if utf8_ok:
        return "utf-8-sig"
    return "cp1252" if cp1252_ok else "latin-1"


def sniff_delimiter(sample_lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number of fields (title rows included)."""
    best, best_score = ";", -1
    for delimiter in _CANDIDATE_DELIMITERS:
        counts = [len(fields) for fields in csv.reader(sample_lines, delimiter=delimiter) if fields]
        counts = [count for count in counts if count > 1]
        if not counts:
            continue
        width, frequency = Counter(counts).most_common(1)[0]
        score = frequency * width
        if score > best_score:
            best, best_score = delimiter, score
    return best


def iter_csv_sheets(stream: BinaryIO, name: str) -> Iterator[Sheet]:
    encoding = sniff_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    sample = []
    for _ in range(_SAMPLE_LINES):
        line = text.readline()
        if not line:
            break
        sample.append(line)
    if not sample:
        raise UnreadableFile("Le fichier est vide.")
    delimiter = sniff_delimiter(sample)
    text.seek(0)
    yield Sheet(name, _rows(text, delimiter))


def _rows(text: io.TextIOWrapper, delimiter: str) -> Iterator[Row]:
    reader = csv.reader(text, delimiter=delimiter)
    try:
        # Records are numbered as a spreadsheet shows them once the CSV is opened in it.
        for row_number, fields in enumerate(reader, start=1):
            yield row_number, [field if field.strip() else None for field in fields[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise UnreadableFile(f"Fichier CSV mal formé vers la ligne {reader.line_num} : {exc}.") from exc
    finally:
        text.detach()
