"""Streaming sources of raw DECP records: JSON (ijson), XML (iterparse), consolidated tabular file (DuckDB).

Each source yields `(position, raw record, format label)` one record at a time, so that memory stays bounded
whatever the file's size; `bytes_read()` (or `rows_read()`) feeds the progress bar.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import ijson

FORMAT_2019_JSON = "decp-2019-json"
FORMAT_2024_JSON = "decp-2024-json"
FORMAT_2019_XML = "decp-2019-xml"
FORMAT_2024_XML = "decp-2024-xml"
FORMAT_TABULAR_CSV = "decp-tabulaire-csv"
FORMAT_TABULAR_PARQUET = "decp-tabulaire-parquet"

FORMAT_LABELS_FR = {
    FORMAT_2019_JSON: "DECP format 2019 (JSON)",
    FORMAT_2024_JSON: "DECP format 2024 (JSON)",
    FORMAT_2019_XML: "DECP format 2019 (XML)",
    FORMAT_2024_XML: "DECP format 2024 (XML)",
    FORMAT_TABULAR_CSV: "DECP consolidées tabulaires (CSV)",
    FORMAT_TABULAR_PARQUET: "DECP consolidées tabulaires (Parquet)",
}

_PEEK_BYTES = 1 << 16
_SCAN_BLOCK = 1 << 23
_RECORD_TAGS = ("marche", "contrat-concession")


class DecpFormatError(ValueError):
    """A file that is not a DECP file in any known layout (French message)."""


class CountingReader(io.RawIOBase):
    """A binary file wrapper counting the bytes handed to the parser (for the progress bar)."""

    def __init__(self, handle: IO[bytes]):
        self._handle = handle
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.count += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# Bare NaN / Infinity values of a key (written by pandas-based exports, refused by strict JSON parsers)
# become null. Only a value right after `"key":` is touched, so that "ratio: NaN" inside a text stays.
_NON_FINITE = re.compile(rb'(?<=":)(\s*)-?(?:NaN|Infinity)(?=\s*(?:[,\]}]|\Z))')
_CUT_BYTES = b",[{\n"


class JsonBytes(CountingReader):
    """CountingReader that turns bare NaN and Infinity into null, across read boundaries.

    Each block is cut before its last `,` `[` `{` or newline, so that a key, its colon and its value always
    arrive in the same block.
    """

    def __init__(self, handle: IO[bytes]):
        super().__init__(handle)
        self._carry = b""
        self._pending = b""
        self._eof = False

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""  # ijson probes the stream's type with read(0)
        size = size if size > 0 else 1 << 16
        while not self._pending and not (self._eof and not self._carry):
            self._fill(size)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def _fill(self, size: int) -> None:
        block = self._handle.read(size)
        self.count += len(block)
        if not block:
            self._eof = True
            self._pending, self._carry = self._clean(self._carry), b""
            return
        buffer = self._carry + block
        cut = max(buffer.rfind(bytes([byte])) for byte in _CUT_BYTES)
        if cut <= 0:
            self._carry = buffer
            return
        self._carry = buffer[cut:]
        self._pending = self._clean(buffer[:cut])

    @staticmethod
    def _clean(data: bytes) -> bytes:
        if b"NaN" in data or b"Infinity" in data:
            return _NON_FINITE.sub(rb"\1null", data)
        return data


def detect(path: Path) -> str:
    """The source kind from the file's first bytes: "json", "xml", "csv" or "parquet"."""
    with open(path, "rb") as handle:
        head = handle.read(_PEEK_BYTES)
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"{", b"[")):
        return "json"
    if text.startswith(b"<"):
        return "xml"
    if b"\n" in text or text:
        first_line = text.split(b"\n", 1)[0].lower()
        if b"uid" in first_line or b"acheteur" in first_line or b"codecpv" in first_line:
            return "csv"
    raise DecpFormatError(
        f"{path.name} : format non reconnu (attendu : DECP en JSON ou XML, fichier consolidé CSV ou Parquet)."
    )


def _json_layout(path: Path) -> str:
    """ "list" (2019: marches is an array), "object" (2024: marches.marche), or "top" (a bare array)."""
    with open(path, "rb") as handle:
        head = handle.read(_PEEK_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return "top"
    key = head.find(b'"marches"')
    if key < 0:
        raise DecpFormatError(f"{path.name} : pas de clé « marches » au début du fichier JSON.")
    rest = head[key + len(b'"marches"') :].lstrip(b" \t\r\n")
    if not rest.startswith(b":"):
        raise DecpFormatError(f"{path.name} : la clé « marches » n'est pas suivie d'une valeur.")
    value = rest[1:].lstrip(b" \t\r\n")
    if value.startswith(b"["):
        return "list"
    if value.startswith(b"{"):
        return "object"
    raise DecpFormatError(f"{path.name} : « marches » n'est ni une liste ni un objet.")


def _contains(path: Path, needle: bytes) -> bool:
    overlap = len(needle) - 1
    tail = b""
    with open(path, "rb") as handle:
        while block := handle.read(_SCAN_BLOCK):
            if needle in tail + block[: overlap + len(needle)] or needle in block:
                return True
            tail = block[-overlap:]
    return False


class JsonSource:
    def __init__(self, path: Path):
        self.path = path
        self.layout = _json_layout(path)
        self.format = FORMAT_2024_JSON if self.layout == "object" else FORMAT_2019_JSON
        self._readers: list[CountingReader] = []
        self.size = path.stat().st_size
        self._passes = [("marches.marche.item" if self.layout == "object" else "marches.item")]
        if self.layout == "top":
            self._passes = ["item"]
        if self.layout == "object" and _contains(path, b'"contrat-concession"'):
            # A second pass for the concessions array: cheaper than building every object in Python.
            self._passes.append("marches.contrat-concession.item")
            self.size *= 2

    def bytes_read(self) -> int:
        return sum(reader.count for reader in self._readers)

    def __iter__(self) -> Iterator[tuple[int, object, str]]:
        position = 0
        for prefix in self._passes:
            with open(self.path, "rb") as handle:
                reader = JsonBytes(handle)
                self._readers.append(reader)
                for item in ijson.items(reader, prefix, use_float=True):
                    position += 1
                    yield position, item, self.format


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def element_to_dict(element: ET.Element) -> object:
    """An XML element as the JSON the same record would have: text for leaves, repeated tags as lists."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    result: dict[str, object] = {}
    for child in children:
        key = _local(child.tag)
        value = element_to_dict(child)
        if key in result:
            existing = result[key]
            if isinstance(existing, list):
                existing.append(value)
            else:
                result[key] = [existing, value]
        else:
            result[key] = value
    return result


class XmlSource:
    def __init__(self, path: Path):
        self.path = path
        self.size = path.stat().st_size
        self._reader: CountingReader | None = None

    def bytes_read(self) -> int:
        return self._reader.count if self._reader else 0

    def __iter__(self) -> Iterator[tuple[int, object, str]]:
        position = 0
        with open(self.path, "rb") as handle:
            self._reader = CountingReader(handle)
            depth = 0
            root: ET.Element | None = None
            try:
                for event, element in ET.iterparse(self._reader, events=("start", "end")):
                    if event == "start":
                        depth += 1
                        if root is None:
                            root = element
                        continue
                    depth -= 1
                    if depth == 1 and _local(element.tag) in _RECORD_TAGS:
                        position += 1
                        record = element_to_dict(element)
                        if isinstance(record, dict) and _local(element.tag) == "contrat-concession":
                            record.setdefault("_type", "Contrat de concession")
                        generation = (
                            FORMAT_2024_XML
                            if isinstance(record, dict) and "considerationsSociales" in record
                            else FORMAT_2019_XML
                        )
                        yield position, record, generation
                        if root is not None:
                            root.clear()  # the record is complete: free it and its siblings
            except ET.ParseError as error:
                raise DecpFormatError(f"{self.path.name} : XML illisible ({error}).") from error
