"""Sectors of the inclusive offer: Levier's own taxonomy, read from data/sectors.json.

Each sector says which CPV codes it covers (by prefix), how structures usually serve it (on site, in a
workshop, goods, staff provision, trading), the share of labour in the price (used for insertion hours,
DESIGN §4) and which kinds of structures usually work in it. The labour shares are informed estimates
except the few DESIGN §4 gives; every organisation may override them, so the table is never read as law.

Pure Python: the screening engine, the directory (sectors from NAF codes) and the classifier share it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from levier.rules import cpv as cpv_rules

DATA_FILE = Path(__file__).with_name("data") / "sectors.json"

PROVISION_KINDS: dict[str, str] = {
    "prestation_sur_site": "Prestation sur site",
    "prestation_en_atelier": "Prestation en atelier",
    "fourniture_biens_produits": "Fourniture de biens produits",
    "mise_a_disposition_personnel": "Mise à disposition de personnel",
    "negoce": "Négoce",
}

STRUCTURE_KINDS: dict[str, str] = {
    "ACI": "Atelier et chantier d'insertion",
    "AI": "Association intermédiaire",
    "EI": "Entreprise d'insertion",
    "ETTI": "Entreprise de travail temporaire d'insertion",
    "EITI": "Entreprise d'insertion par le travail indépendant",
    "GEIQ": "Groupement d'employeurs pour l'insertion et la qualification",
    "EA": "Entreprise adaptée",
    "EATT": "Entreprise adaptée de travail temporaire",
    "ESAT": "Établissement et service d'aide par le travail",
    "SEP": "Service de l'emploi pénitentiaire",
    "ESS": "Entreprise de l'économie sociale et solidaire",
}

LABOUR_BASES = ("design", "estimation", "organisation")

_NAF_PATTERN = re.compile(r"^(\d{2})\.?(\d{0,2})([A-Za-z]?)$")


class TaxonomyError(ValueError):
    """The sectors file (or an override) breaks the taxonomy's rules."""


@dataclass(frozen=True)
class Group:
    code: str
    label: str


@dataclass(frozen=True)
class Sector:
    code: str
    label: str
    group: str
    cpv_prefixes: tuple[str, ...]
    provision_kinds: tuple[str, ...]
    labour_share: float
    labour_share_basis: str
    structure_kinds: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    naf_prefixes: tuple[str, ...] = ()

    @property
    def cpv_stems(self) -> tuple[str, ...]:
        """The significant digits of each CPV code: "77310000" covers every code starting "7731"."""
        return tuple(cpv_prefix(code) for code in self.cpv_prefixes)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "label": self.label,
            "group": self.group,
            "cpv_prefixes": list(self.cpv_prefixes),
            "provision_kinds": list(self.provision_kinds),
            "labour_share": self.labour_share,
            "labour_share_basis": self.labour_share_basis,
            "structure_kinds": list(self.structure_kinds),
            "naf_prefixes": list(self.naf_prefixes),
            "keywords": list(self.keywords),
        }


@dataclass(frozen=True)
class CpvSectorMatch:
    """A sector reached from a CPV code, with how tightly.

    `depth` is the number of significant digits shared (longer is more specific). `narrower` is True
    when the sector's prefix lies below the given code (a generic "45000000" reaches painting works
    only as a possibility that the object's text must confirm).
    """

    sector: Sector
    prefix: str
    depth: int
    narrower: bool = False


def cpv_prefix(code: str) -> str:
    """ "77310000" -> "7731": the digits that carry meaning, at least the 2 of the division."""
    return code[: cpv_rules.significant_length(code)]


def normalize_naf(raw: str) -> str | None:
    """ "81.30Z", "8130z", " 8130Z " -> "8130Z"; None when it is not a NAF rév. 2 code or prefix."""
    match = _NAF_PATTERN.match((raw or "").strip().replace(" ", ""))
    if not match:
        return None
    return f"{match.group(1)}{match.group(2)}{match.group(3).upper()}"


@dataclass(frozen=True)
class Taxonomy:
    version: str
    date: str
    notes: Mapping[str, str]
    groups: tuple[Group, ...]
    sectors: tuple[Sector, ...]
    _by_code: Mapping[str, Sector] = field(repr=False, compare=False, default_factory=dict)
    _by_stem: Mapping[str, tuple[str, ...]] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_dict(cls, document: Mapping[str, object]) -> Taxonomy:
        groups = tuple(Group(code=g["code"], label=g["label"]) for g in document["groups"])
        sectors = tuple(_sector_from_dict(entry) for entry in document["sectors"])
        return cls.build(
            version=str(document.get("version", "")),
            date=str(document.get("date", "")),
            notes=dict(document.get("notes", {})),
            groups=groups,
            sectors=sectors,
        )

    @classmethod
    def build(
        cls,
        *,
        version: str,
        date: str,
        notes: Mapping[str, str],
        groups: tuple[Group, ...],
        sectors: tuple[Sector, ...],
    ) -> Taxonomy:
        _validate(groups, sectors)
        by_stem: dict[str, list[str]] = {}
        for sector in sectors:
            for stem in sector.cpv_stems:
                by_stem.setdefault(stem, []).append(sector.code)
        return cls(
            version=version,
            date=date,
            notes=notes,
            groups=groups,
            sectors=sectors,
            _by_code={sector.code: sector for sector in sectors},
            _by_stem={stem: tuple(codes) for stem, codes in by_stem.items()},
        )

    def __len__(self) -> int:
        return len(self.sectors)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Sector | None:
        return self._by_code.get(code)

    def group(self, code: str) -> Group | None:
        return next((g for g in self.groups if g.code == code), None)

    def sectors_in_group(self, group_code: str) -> list[Sector]:
        return [sector for sector in self.sectors if sector.group == group_code]

    def sectors_for_cpv(self, code: str, *, narrower: bool = False) -> list[CpvSectorMatch]:
        """Sectors whose CPV prefixes cover `code`, the longest (most specific) prefix first.

        With `narrower=True`, sectors whose prefixes sit below a generic code follow, the closest first.
        An unusable code gives an empty list rather than an error: plans carry all sorts of CPV values.
        """
        check = cpv_rules.normalize_cpv(code)
        if check.code is None:
            return []
        code8 = check.code
        found: dict[str, CpvSectorMatch] = {}
        for length in range(len(cpv_prefix(code8)), 1, -1):
            stem = code8[:length]
            for sector_code in self._by_stem.get(stem, ()):
                if sector_code not in found:
                    found[sector_code] = CpvSectorMatch(self._by_code[sector_code], stem, length)
        matches = sorted(found.values(), key=lambda m: -m.depth)
        if narrower:
            own = cpv_prefix(code8)
            below: dict[str, CpvSectorMatch] = {}
            for stem, sector_codes in self._by_stem.items():
                if len(stem) > len(own) and stem.startswith(own):
                    for sector_code in sector_codes:
                        if sector_code in found:
                            continue
                        previous = below.get(sector_code)
                        if previous is None or len(stem) < len(previous.prefix):
                            below[sector_code] = CpvSectorMatch(
                                self._by_code[sector_code], stem, len(own), narrower=True
                            )
            matches.extend(sorted(below.values(), key=lambda m: (len(m.prefix), m.sector.code)))
        return matches

    def sectors_for_naf(self, naf: str) -> list[Sector]:
        """Sectors whose NAF prefixes cover the code, most specific prefix first."""
        code = normalize_naf(naf)
        if not code:
            return []
        scored = []
        for sector in self.sectors:
            depth = max((len(p) for p in sector.naf_prefixes if code.startswith(p)), default=0)
            if depth:
                scored.append((depth, sector))
        scored.sort(key=lambda pair: -pair[0])
        return [sector for _depth, sector in scored]

    def labour_share(self, code: str, overrides: Mapping[str, object] | None = None) -> float:
        """The sector's labour share, an organisation's own value first when it has one."""
        if overrides and code in overrides:
            return _override_share(code, overrides[code])
        sector = self._by_code.get(code)
        if sector is None:
            raise KeyError(f"Secteur inconnu : « {code} ».")
        return sector.labour_share

    def with_overrides(self, overrides: Mapping[str, object]) -> Taxonomy:
        """A copy where an organisation's own labour shares replace the defaults.

        `overrides` maps a sector code to a share (0.55) or to {"labour_share": 0.55}.
        """
        unknown = sorted(set(overrides) - set(self._by_code))
        if unknown:
            raise TaxonomyError(f"Secteurs inconnus dans les valeurs propres : {', '.join(unknown)}.")
        sectors = tuple(
            replace(
                s, labour_share=_override_share(s.code, overrides[s.code]), labour_share_basis="organisation"
            )
            if s.code in overrides
            else s
            for s in self.sectors
        )
        return Taxonomy.build(
            version=self.version, date=self.date, notes=self.notes, groups=self.groups, sectors=sectors
        )


def _override_share(code: str, value: object) -> float:
    raw = value.get("labour_share") if isinstance(value, Mapping) else value
    try:
        share = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TaxonomyError(f"Secteur « {code} » : part de main-d'œuvre illisible ({raw!r}).") from None
    if not 0.0 <= share <= 1.0:
        raise TaxonomyError(f"Secteur « {code} » : la part de main-d'œuvre doit être entre 0 et 1 ({share}).")
    return share


def _sector_from_dict(entry: Mapping[str, object]) -> Sector:
    return Sector(
        code=str(entry["code"]),
        label=str(entry["label"]),
        group=str(entry["group"]),
        cpv_prefixes=tuple(entry.get("cpv_prefixes", ())),
        provision_kinds=tuple(entry.get("provision_kinds", ())),
        labour_share=float(entry["labour_share"]),
        labour_share_basis=str(entry.get("labour_share_basis", "estimation")),
        structure_kinds=tuple(entry.get("structure_kinds", ())),
        keywords=tuple(entry.get("keywords", ())),
        naf_prefixes=tuple(entry.get("naf_prefixes", ())),
    )


def _validate(groups: Iterable[Group], sectors: Iterable[Sector]) -> None:
    group_codes = [g.code for g in groups]
    problems: list[str] = []
    if len(set(group_codes)) != len(group_codes):
        problems.append("codes de groupe en double")
    seen: set[str] = set()
    for sector in sectors:
        where = f"secteur « {sector.code} »"
        if sector.code in seen:
            problems.append(f"{where} en double")
        seen.add(sector.code)
        if sector.group not in group_codes:
            problems.append(f"{where} : groupe inconnu « {sector.group} »")
        if not 0.0 <= sector.labour_share <= 1.0:
            problems.append(f"{where} : part de main-d'œuvre hors de [0, 1]")
        if sector.labour_share_basis not in LABOUR_BASES:
            problems.append(f"{where} : origine de la part de main-d'œuvre inconnue")
        problems.extend(
            f"{where} : mode d'intervention inconnu « {k} »"
            for k in sector.provision_kinds
            if k not in PROVISION_KINDS
        )
        problems.extend(
            f"{where} : type de structure inconnu « {k} »"
            for k in sector.structure_kinds
            if k not in STRUCTURE_KINDS
        )
        for code in sector.cpv_prefixes:
            check = cpv_rules.normalize_cpv(code)
            if check.code != code:
                problems.append(f"{where} : code CPV illisible « {code} »")
        problems.extend(
            f"{where} : code NAF illisible « {n} »" for n in sector.naf_prefixes if normalize_naf(n) != n
        )
    if problems:
        raise TaxonomyError("Taxonomie des secteurs invalide : " + " ; ".join(problems) + ".")


def read_taxonomy(path: str | Path) -> Taxonomy:
    with open(path, encoding="utf-8") as handle:
        return Taxonomy.from_dict(json.load(handle))


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    """The taxonomy shipped with Levier (read once per process)."""
    return read_taxonomy(DATA_FILE)
