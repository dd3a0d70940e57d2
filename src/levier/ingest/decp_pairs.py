"""(object, CPV) pairs from DECP files, to teach the classifier the words buyers use for each code.

Both JSON layouts are read: 2019 (`{"marches": [...]}`) and the format in force since 2024
(`{"marches": {"marche": [...]}}`). Concessions carry no CPV and are skipped, as are records without an
object. The CPV is returned as found (normalising it is the classifier's job, which reports what it
dropped); HTML entities left by some platforms ("D&#8217;UN") are decoded.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DecpPair:
    objet: str
    cpv: str
    buyer_id: str
    source: str
    notified: str = ""
    """Notification date (ISO, the first 10 characters as published; empty when absent)."""

    def __iter__(self) -> Iterator[str]:
        # Unpacks as (objet, cpv), which is what Classifier.train_on expects.
        yield self.objet
        yield self.cpv


def records(document: object) -> list[Mapping]:
    """The contract records of a parsed DECP document, whatever its layout."""
    if isinstance(document, list):
        return [r for r in document if isinstance(r, Mapping)]
    if not isinstance(document, Mapping):
        return []
    marches = document.get("marches")
    if isinstance(marches, Mapping):
        marches = marches.get("marche", [])
    if not isinstance(marches, list):
        return []
    return [r for r in marches if isinstance(r, Mapping)]


def pairs_from_document(document: object, source: str = "") -> Iterator[DecpPair]:
    for record in records(document):
        objet = record.get("objet")
        code = record.get("codeCPV")
        if not isinstance(objet, str) or not objet.strip() or code in (None, ""):
            continue
        buyer = record.get("acheteur")
        buyer_id = str(buyer.get("id", "")) if isinstance(buyer, Mapping) else ""
        yield DecpPair(
            objet=" ".join(html.unescape(objet).split()),
            cpv=str(code).strip(),
            buyer_id=buyer_id,
            source=source,
            notified=str(record.get("dateNotification") or "")[:10],
        )


def read_pairs(paths: Iterable[str | Path]) -> Iterator[DecpPair]:
    """Pairs from DECP JSON files (UTF-8), file by file."""
    for path in paths:
        with open(path, encoding="utf-8-sig") as handle:
            document = json.load(handle)
        yield from pairs_from_document(document, source=Path(path).name)
