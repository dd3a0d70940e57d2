"""Suppliers of the spend linked to structures of the directory.

- SIRET found in the directory: automatic match (method "siret").
- Otherwise the SIREN (the company of an establishment the directory lists under another SIRET):
  automatic match (method "siren"), since it is the same legal entity.
- Otherwise a name close enough to a structure's name or brand: a proposal that a user confirms or rejects
  (method "name", `score` between NAME_THRESHOLD and 1).

A SupplierMatch is keyed by the supplier (`SpendLine.supplier_key`), not by the line: a decision (confirmed,
rejected) survives re-imports and applies to every year. Suppliers without any match get no row, so that
the next import tries again against the directory as it then is.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

from levier.directory.models import Structure
from levier.rules.text import fold

from .models import MatchMethod, MatchStatus, SupplierMatch

NAME_THRESHOLD = 0.86
# Words that say nothing about who the supplier is: legal forms and the kind of structure.
_NOISE = frozenset(
    [
        "sa",
        "sas",
        "sasu",
        "sarl",
        "eurl",
        "sci",
        "scop",
        "scic",
        "snc",
        "gie",
        "eirl",
        "ei",
        "ste",
        "societe",
        "ets",
        "etablissement",
        "etablissements",
        "association",
        "asso",
        "assoc",
        "fondation",
        "cooperative",
        "groupe",
        "et",
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "l",
        "d",
        "a",
        "au",
        "aux",
        "en",
        "esat",
        "ea",
        "eatt",
        "aci",
        "ai",
        "etti",
        "eiti",
        "geiq",
        "entreprise",
        "adaptee",
        "insertion",
        "chantier",
    ]
)
# A token present in more structure names than this is too common to pick candidates with.
_COMMON_TOKEN = 300


def name_key(name: str) -> str:
    """The words of a name that identify it: folded, without legal forms and stop words."""
    return " ".join(word for word in fold(name).split() if word not in _NOISE and len(word) > 1)


@dataclass(frozen=True)
class Supplier:
    key: str
    name: str
    siret: str


class NameIndex:
    """Structures by the words of their name and brand, to score a supplier's name against a few."""

    def __init__(self) -> None:
        self.names: dict[int, list[str]] = defaultdict(list)
        self.by_token: dict[str, set[int]] = defaultdict(set)
        for pk, name, brand in Structure.objects.filter(is_active=True).values_list("pk", "name", "brand"):
            for text in (name, brand):
                key = name_key(text or "")
                if not key:
                    continue
                self.names[pk].append(key)
                for token in key.split():
                    self.by_token[token].add(pk)

    def best(self, name: str) -> tuple[int, float] | None:
        """The structure whose name or brand is closest to `name` (difflib ratio), if at least
        NAME_THRESHOLD; on a tie, the smallest pk.

        A candidate's ratio is computed only when it could win: the ratio 2*M/T (M matched characters,
        T both lengths) is at most 2*min(lengths)/T and 2*(characters in common)/T (difflib's
        real_quick_ratio and quick_ratio), so a name whose bound is below the threshold or not above the
        best so far is skipped without changing the answer."""
        key = name_key(name)
        if not key:
            return None
        candidates: set[int] = set()
        for token in key.split():
            found = self.by_token.get(token, ())
            if len(found) <= _COMMON_TOKEN:
                candidates.update(found)
        length = len(key)
        chars = Counter(key).items()
        best: tuple[int, float] | None = None
        for pk in sorted(candidates):
            floor = best[1] if best is not None else NAME_THRESHOLD
            score = None
            for other in self.names[pk]:
                total = length + len(other)
                bound = 2.0 * min(length, len(other)) / total
                if bound < floor or (best is not None and bound <= floor):
                    continue
                common = sum(min(count, other.count(char)) for char, count in chars)
                bound = 2.0 * common / total
                if bound < floor or (best is not None and bound <= floor):
                    continue
                ratio = SequenceMatcher(None, key, other).ratio()
                if score is None or ratio > score:
                    score = ratio
            if score is not None and score >= NAME_THRESHOLD and (best is None or score > best[1]):
                best = (pk, score)
        return best


_DIGITS = re.compile(r"^\d{14}$")


def match_suppliers(organisation, suppliers: list[Supplier]) -> dict[str, int]:
    """Create the matches of the suppliers that have none yet; return counts by method."""
    known = set(
        SupplierMatch.objects.filter(
            organisation=organisation, supplier_key__in=[s.key for s in suppliers]
        ).values_list("supplier_key", flat=True)
    )
    todo = [supplier for supplier in suppliers if supplier.key not in known]
    counts = {MatchMethod.SIRET: 0, MatchMethod.SIREN: 0, MatchMethod.NAME: 0}
    if not todo:
        return counts
    sirets = {s.siret for s in todo if _DIGITS.match(s.siret)}
    by_siret: dict[str, int] = {}
    by_siren: dict[str, int] = {}
    for pk, siret in Structure.objects.filter(siret__in=sirets).order_by("pk").values_list("pk", "siret"):
        by_siret.setdefault(siret, pk)
    for pk, siren in (
        Structure.objects.filter(siren__in={s[:9] for s in sirets}).order_by("pk").values_list("pk", "siren")
    ):
        by_siren.setdefault(siren, pk)
    index: NameIndex | None = None
    rows = []
    for supplier in todo:
        structure_id, method, score, status = None, None, 1.0, MatchStatus.AUTOMATIC
        if supplier.siret and supplier.siret in by_siret:
            structure_id, method = by_siret[supplier.siret], MatchMethod.SIRET
        elif supplier.siret and supplier.siret[:9] in by_siren:
            structure_id, method = by_siren[supplier.siret[:9]], MatchMethod.SIREN
        elif supplier.name:
            index = index or NameIndex()
            found = index.best(supplier.name)
            if found is not None:
                structure_id, score = found
                method, status = MatchMethod.NAME, MatchStatus.PROPOSED
        if structure_id is None:
            continue
        counts[method] += 1
        rows.append(
            SupplierMatch(
                organisation=organisation,
                supplier_key=supplier.key,
                supplier_name=supplier.name[:255],
                supplier_siret=supplier.siret,
                structure_id=structure_id,
                method=method,
                score=round(score, 3),
                status=status,
            )
        )
    SupplierMatch.objects.bulk_create(rows, batch_size=500)
    return counts
