"""Stable keys: how a line of this year's plan is recognised in next month's import of the same plan.

The buyer's own reference when the line has one; otherwise a hash of the object, the service and the
year, folded (case, accents, punctuation, spacing) so that retyping "Nettoyage des locaux" as
"NETTOYAGE  des locaux." keeps the key. docs/formats/plans.md explains the rule and its limits.
"""

from __future__ import annotations

import hashlib

from levier.rules.text import fold

_HASH_LENGTH = 20


def reference_key(reference: str) -> str:
    return "ref:" + fold(reference)


def content_key(object_text: str, service: str | None, year: int | None) -> str:
    material = "|".join((fold(object_text), fold(service or ""), str(year or "")))
    return "obj:" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:_HASH_LENGTH]


def purchase_key(reference: str | None, object_text: str, service: str | None, year: int | None) -> str:
    if reference and fold(reference):
        return reference_key(reference)
    return content_key(object_text, service, year)


def lot_key(purchase: str, lot_number: str) -> str:
    return f"{purchase}/lot:{fold(lot_number)}"
