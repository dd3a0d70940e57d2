"""French geography, offline: régions, départements and (once loaded) communes, and what buyers type.

Régions and départements ship with the package (rules/data/regions.csv, departements.csv: codes and
names from INSEE's Code officiel géographique, the chef-lieu's position as the point used for
distances). Communes are not shipped: the user loads an official file with
`levier refdata communes FILE`, either La Poste's « base officielle des codes postaux » (`;`) or
data.gouv's « communes-departement-region » (`,`). Until then every place resolves at département
precision and `coverage()` says so, so that the UI can tell the user.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from levier.rules.text import fold

PRECISION_COMMUNE = "commune"
PRECISION_DEPARTEMENT = "departement"
PRECISION_REGION = "region"
PRECISION_RANK = {PRECISION_COMMUNE: 0, PRECISION_DEPARTEMENT: 1, PRECISION_REGION: 2}

EARTH_RADIUS_KM = 6371.0088

# Municipal arrondissements (INSEE codes) and the commune they belong to: postal files list them one
# by one ("PARIS 01"), buyers type "Paris".
ARRONDISSEMENT_PARENTS = (
    (range(75101, 75121), "75056", "Paris"),
    (range(69381, 69390), "69123", "Lyon"),
    (range(13201, 13217), "13055", "Marseille"),
)

_INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_HINT = re.compile(r"^(?P<name>.*?)[\s,]*\((?P<hint>[0-9][0-9ABab]{1,4})\)\s*$")
_TRAILING_HINT = re.compile(r"^(?P<name>.*\D)\s+(?P<hint>\d{2,3}|2[AB]|\d{5})$", re.IGNORECASE)
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    chef_lieu: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    region_code: str
    chef_lieu: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    postcodes: tuple[str, ...]
    departement: str
    region: str | None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Place:
    """Where something is, at the precision that could be established."""

    precision: str
    code: str
    name: str
    departement: str | None = None
    region: str | None = None
    lat: float | None = None
    lon: float | None = None
    postcodes: tuple[str, ...] = ()
    note_fr: str = ""

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def label_fr(self) -> str:
        if self.precision == PRECISION_COMMUNE and self.departement:
            return f"{self.name} ({self.departement})"
        if self.precision == PRECISION_DEPARTEMENT:
            return f"{self.name} ({self.code})"
        return self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "code": self.code,
            "name": self.name,
            "label": self.label_fr,
            "departement": self.departement,
            "region": self.region,
            "lat": self.lat,
            "lon": self.lon,
            "postcodes": list(self.postcodes),
            "note": self.note_fr,
        }


@dataclass(frozen=True)
class Resolution:
    """What a typed place resolved to: one place, several ranked candidates, or nothing."""

    query: str
    status: str  # "found", "ambiguous", "approximate", "not_found"
    candidates: tuple[Place, ...] = ()
    message_fr: str = ""

    @property
    def best(self) -> Place | None:
        return self.candidates[0] if self.candidates else None

    @property
    def found(self) -> bool:
        return self.status == "found"


@dataclass(frozen=True)
class Coverage:
    level: str  # "commune" when communes are loaded, "departement" otherwise
    communes: int
    communes_with_position: int
    departements: int
    regions: int
    source: Mapping[str, Any] = field(default_factory=dict)
    message_fr: str = ""

    @property
    def departement_fallback_only(self) -> bool:
        return self.level == PRECISION_DEPARTEMENT


# --- Shipped tables ------------------------------------------------------------------------------------


def _read_shipped(name: str) -> list[dict[str, str]]:
    text = resources.files("levier.rules").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def shipped_regions() -> dict[str, Region]:
    return {
        row["code"]: Region(row["code"], row["name"], row["chef_lieu"], float(row["lat"]), float(row["lon"]))
        for row in _read_shipped("regions.csv")
    }


@cache
def shipped_departements() -> dict[str, Departement]:
    return {
        row["code"]: Departement(
            row["code"],
            row["name"],
            row["region_code"],
            row["chef_lieu"],
            float(row["lat"]),
            float(row["lon"]),
        )
        for row in _read_shipped("departements.csv")
    }


# --- Codes -------------------------------------------------------------------------------------------------


def normalize_insee_code(raw: object) -> str | None:
    """A 5-character INSEE commune code ("94028", "2A004"), restoring a leading zero lost by a spreadsheet."""
    if raw is None:
        return None
    text = str(raw).strip().upper().replace(" ", "")
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text
    return text if _INSEE_CODE.match(text) else None


def normalize_postcode(raw: object) -> str | None:
    if raw is None:
        return None
    text = re.sub(r"\s+", "", str(raw))
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text
    return text if re.fullmatch(r"\d{5}", text) else None


def departement_of_insee(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def departement_of_postcode(postcode: str) -> str | None:
    """The département a postcode usually belongs to (a few border communes use a neighbour's)."""
    normalized = normalize_postcode(postcode)
    if normalized is None:
        return None
    if normalized.startswith("20"):
        # Corsica: 200xx and 201xx are Corse-du-Sud, 202xx to 206xx Haute-Corse.
        return "2A" if normalized[2] in "01" else "2B"
    if normalized.startswith("97"):
        return normalized[:3]
    return normalized[:2]


def normalize_departement_code(raw: str) -> str | None:
    """ "94", "094" (ASP lists), "2a", "971", "20" is ambiguous (Corsica before 1976): None."""
    text = raw.strip().upper()
    if re.fullmatch(r"0\d{2}", text) and not text.startswith("097"):
        text = text[1:]
    if re.fullmatch(r"\d", text):
        text = "0" + text
    return text if text in shipped_departements() else None


# --- Communes files ---------------------------------------------------------------------------------------

_HEADER_ALIASES = {
    "code": ("code commune insee", "code insee", "code commune", "insee com", "codgeo", "com"),
    "name": (
        "nom commune complet",
        "nom commune",
        "nom de la commune",
        "libelle commune",
        "nom commune postal",
        "libelle",
    ),
    "postcode": ("code postal", "cp"),
    "lat": ("latitude", "lat"),
    "lon": ("longitude", "lon", "lng"),
    "gps": ("coordonnees gps", "coordonnees geographiques", "geopoint", "coordonnees"),
    "departement": ("code departement", "dep", "code dep"),
    "region": ("code region", "reg", "code reg"),
}


class CommunesFileError(ValueError):
    """A communes file whose columns cannot be recognised."""


@dataclass
class CommunesImport:
    communes: list[Commune]
    source_format: str
    rows: int
    errors: list[str]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _map_columns(header: list[str]) -> dict[str, int]:
    folded = [fold(name.lstrip("#\ufeff")) for name in header]
    mapping: dict[str, int] = {}
    for target, aliases in _HEADER_ALIASES.items():
        for alias in aliases:
            if alias in folded:
                mapping[target] = folded.index(alias)
                break
    return mapping


def _to_float(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _parse_gps(text: str | None) -> tuple[float | None, float | None]:
    if not text:
        return None, None
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if len(parts) != 2:
        return None, None
    return _to_float(parts[0]), _to_float(parts[1])


def _display_name(name: str) -> str:
    """La Poste writes names in capitals without accents; keep them, but not shouting in the UI."""
    if name.isupper():
        return " ".join(word.capitalize() if len(word) > 1 else word for word in name.split(" "))
    return name


def read_communes_file(path: str | Path) -> CommunesImport:
    """Read La Poste's base officielle des codes postaux or data.gouv's communes-departement-region."""
    text = _decode(Path(path).read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise CommunesFileError(f"{Path(path).name} : fichier vide.") from exc
    columns = _map_columns(header)
    missing = [name for name in ("code", "name") if name not in columns]
    if missing:
        raise CommunesFileError(
            f"{Path(path).name} : colonnes non reconnues (il faut au moins le code INSEE de la commune "
            "et son "
            f"nom ; en-tête lu : {', '.join(header)})."
        )
    source_format = "laposte" if delimiter == ";" else "datagouv"
    departements = shipped_departements()
    aggregated: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    rows = 0

    def cell(row: list[str], key: str) -> str | None:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else None

    for line_number, row in enumerate(reader, start=2):
        if not row or not any(part.strip() for part in row):
            continue
        rows += 1
        code = normalize_insee_code(cell(row, "code"))
        if code is None:
            errors.append(f"ligne {line_number} : code commune INSEE illisible « {cell(row, 'code')} ».")
            continue
        departement = (cell(row, "departement") or "").upper() or departement_of_insee(code)
        departement = normalize_departement_code(departement) or departement_of_insee(code)
        if departement not in departements:
            # Overseas collectivities (975, 977, 978, 98x) are outside the procurement code's départements.
            continue
        entry = aggregated.setdefault(
            code,
            {
                "name": _display_name(cell(row, "name") or code),
                "postcodes": [],
                "departement": departement,
                "region": cell(row, "region") or departements[departement].region_code,
                "lat": None,
                "lon": None,
            },
        )
        postcode = normalize_postcode(cell(row, "postcode"))
        if postcode and postcode not in entry["postcodes"]:
            entry["postcodes"].append(postcode)
        if entry["lat"] is None:
            lat, lon = _to_float(cell(row, "lat")), _to_float(cell(row, "lon"))
            if lat is None or lon is None:
                lat, lon = _parse_gps(cell(row, "gps"))
            if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
                entry["lat"], entry["lon"] = lat, lon
    communes = [
        Commune(
            code=code,
            name=data["name"],
            postcodes=tuple(sorted(data["postcodes"])),
            departement=data["departement"],
            region=(data["region"] or "").zfill(2) or None,
            lat=data["lat"],
            lon=data["lon"],
        )
        for code, data in sorted(aggregated.items())
    ]
    return CommunesImport(
        communes=_with_parent_communes(communes), source_format=source_format, rows=rows, errors=errors
    )


def _with_parent_communes(communes: list[Commune]) -> list[Commune]:
    """Add Paris, Lyon, Marseille when a file lists only their arrondissements."""
    by_code = {c.code: c for c in communes}
    for codes, parent_code, parent_name in ARRONDISSEMENT_PARENTS:
        if parent_code in by_code:
            continue
        parts = [by_code[str(code)] for code in codes if str(code) in by_code]
        if not parts:
            continue
        placed = [p for p in parts if p.lat is not None and p.lon is not None]
        by_code[parent_code] = Commune(
            code=parent_code,
            name=parent_name,
            postcodes=tuple(sorted({pc for p in parts for pc in p.postcodes})),
            departement=parts[0].departement,
            region=parts[0].region,
            lat=sum(p.lat for p in placed) / len(placed) if placed else None,  # type: ignore[misc]
            lon=sum(p.lon for p in placed) / len(placed) if placed else None,  # type: ignore[misc]
        )
    return sorted(by_code.values(), key=lambda c: c.code)


def communes_to_payload(communes: Iterable[Commune]) -> dict[str, Any]:
    return {
        "columns": ["code", "name", "postcodes", "departement", "region", "lat", "lon"],
        "communes": [
            [c.code, c.name, list(c.postcodes), c.departement, c.region, c.lat, c.lon] for c in communes
        ],
    }


def communes_from_payload(payload: Mapping[str, Any]) -> list[Commune]:
    return [
        Commune(code, name, tuple(postcodes), departement, region, lat, lon)
        for code, name, postcodes, departement, region, lat, lon in payload.get("communes", [])
    ]


def import_file(path: str | Path, store: object | None = None) -> tuple[object, CommunesImport]:
    """Read a communes file and save its normalised copy; returns (refstore.Dataset, import report)."""
    from levier.rules import refstore

    chosen = store if isinstance(store, refstore.RefStore) else refstore.RefStore()
    report = read_communes_file(path)
    if not report.communes:
        raise CommunesFileError(f"{Path(path).name} : aucune commune lisible.")
    dataset = chosen.save(
        "communes",
        communes_to_payload(report.communes),
        path,
        source_format=report.source_format,
        records=len(report.communes),
    )
    return dataset, report


# --- Resolution --------------------------------------------------------------------------------------------


def _search_key(text: str) -> str:
    words = fold(text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class Geography:
    """Régions and départements (always), communes (when loaded), and the lookups over them."""

    def __init__(self, communes: Iterable[Commune] = (), source: Mapping[str, Any] | None = None):
        self.regions = shipped_regions()
        self.departements = shipped_departements()
        self.communes: dict[str, Commune] = {c.code: c for c in communes}
        self.source = dict(source or {})
        self._by_name: dict[str, list[str]] = {}
        self._by_postcode: dict[str, list[str]] = {}
        # A city listed by arrondissement answers a postcode with the arrondissement, not the whole city.
        split_cities = {
            parent
            for codes, parent, _name in ARRONDISSEMENT_PARENTS
            if any(str(code) in self.communes for code in codes)
        }
        for commune in self.communes.values():
            self._by_name.setdefault(_search_key(commune.name), []).append(commune.code)
            if commune.code in split_cities:
                continue
            for postcode in commune.postcodes:
                self._by_postcode.setdefault(postcode, []).append(commune.code)
        self._departement_names = {_search_key(d.name): code for code, d in self.departements.items()}
        self._region_names = {_search_key(r.name): code for code, r in self.regions.items()}

    @classmethod
    def load(cls, store: object | None = None) -> Geography:
        """Shipped tables plus the communes saved by `levier refdata communes`, when there are any."""
        from levier.rules import refstore

        chosen = store if isinstance(store, refstore.RefStore) else refstore.RefStore()
        dataset = chosen.load("communes")
        if dataset is None:
            return cls()
        return cls(communes_from_payload(dataset.payload), source=dataset.provenance)

    # Places from codes.

    def region_place(self, code: str) -> Place | None:
        region = self.regions.get(code.zfill(2))
        if region is None:
            return None
        return Place(PRECISION_REGION, region.code, region.name, None, region.code, region.lat, region.lon)

    def departement_place(self, code: str, note_fr: str = "") -> Place | None:
        normalized = normalize_departement_code(code)
        if normalized is None:
            return None
        dep = self.departements[normalized]
        return Place(
            PRECISION_DEPARTEMENT,
            dep.code,
            dep.name,
            dep.code,
            dep.region_code,
            dep.lat,
            dep.lon,
            note_fr=note_fr,
        )

    def commune_place(self, code: str) -> Place | None:
        normalized = normalize_insee_code(code)
        commune = self.communes.get(normalized) if normalized else None
        if commune is None:
            return None
        lat, lon, note = commune.lat, commune.lon, ""
        if lat is None or lon is None:
            # No coordinates in the file (recent La Poste files): the département's point stands in.
            dep = self.departements[commune.departement]
            lat, lon = dep.lat, dep.lon
            note = (
                "Position approchée : chef-lieu du département "
                "(le fichier des communes n'a pas de coordonnées)."
            )
        return Place(
            PRECISION_COMMUNE,
            commune.code,
            commune.name,
            commune.departement,
            commune.region,
            lat,
            lon,
            commune.postcodes,
            note_fr=note,
        )

    # What the user types.

    def resolve_place(
        self, text: str, near: Place | tuple[float, float] | None = None, limit: int = 10
    ) -> Resolution:
        """Resolve "Créteil", "94000", "94", "Val-de-Marne", "Île-de-France", "Saint-Denis (93)".

        Ambiguous names return every candidate, ranked by: the département or postcode given in
        brackets, then distance to `near` when given (the buyer's own location), then metropolitan
        France first, then code.
        """
        query = (text or "").strip()
        if not query:
            return Resolution(query, "not_found", message_fr="Lieu vide.")
        name, hint = query, None
        bracketed = _HINT.match(query) or _TRAILING_HINT.match(query)
        if bracketed:
            name, hint = bracketed.group("name").strip(" ,-"), bracketed.group("hint").upper()

        compact = re.sub(r"\s+", "", name)
        if compact and (compact.isdigit() or re.fullmatch(r"2[ABab]|\d{2,3}|2[ABab]\d{3}", compact)):
            return self._resolve_code(query, compact.upper())

        key = _search_key(name)
        candidates: list[Place] = []
        region = self._region_names.get(key)
        if region:
            candidates.append(self.region_place(region))  # type: ignore[arg-type]
        dep = self._departement_names.get(key)
        if dep:
            candidates.append(self.departement_place(dep))  # type: ignore[arg-type]
        candidates.extend(self.commune_place(code) for code in self._by_name.get(key, ()))  # type: ignore[misc]
        status = "found"
        if not candidates:
            candidates = self._approximate(key)
            status = "approximate" if candidates else "not_found"
        if not candidates:
            hint_note = (
                ""
                if self.communes
                else " (les communes ne sont pas chargées : seuls les départements et régions sont reconnus)"
            )
            return Resolution(query, "not_found", message_fr=f"Lieu « {query} » introuvable{hint_note}.")

        if hint:
            matching = [c for c in candidates if self._matches_hint(c, hint)]
            if matching:
                candidates = matching + [c for c in candidates if c not in matching]
                if status == "found" and len(matching) == 1:
                    return Resolution(query, "found", tuple(candidates[:limit]), self._message(candidates[0]))
        candidates = self._rank(candidates, near)
        if status == "found" and len(candidates) > 1:
            same_kind = [c for c in candidates if c.precision == PRECISION_COMMUNE]
            if len(same_kind) > 1 or not same_kind:
                status = "ambiguous"
            else:
                # "Paris" is a commune and a département: the commune is the precise answer.
                candidates.sort(key=lambda c: PRECISION_RANK[c.precision])
        candidates = candidates[:limit]
        if status == "ambiguous":
            listed = ", ".join(c.label_fr for c in candidates)
            message = (
                f"« {query} » désigne plusieurs lieux : {listed}. "
                f"Précisez le département, ex. « {name} (93) »."
            )
        elif status == "approximate":
            listed = ", ".join(c.label_fr for c in candidates)
            message = f"« {query} » n'existe pas tel quel ; lieux proches : {listed}."
        else:
            message = self._message(candidates[0])
        return Resolution(query, status, tuple(candidates), message)

    def _resolve_code(self, query: str, code: str) -> Resolution:
        if len(code) == 5:
            places = [self.commune_place(c) for c in self._by_postcode.get(code, ())]
            places = [p for p in places if p is not None]
            if not places and code in self.communes:
                places = [self.commune_place(code)]  # type: ignore[list-item]
            if places:
                places.sort(key=lambda p: p.code)
                if len(places) == 1:
                    return Resolution(query, "found", tuple(places), self._message(places[0]))
                listed = ", ".join(p.label_fr for p in places)
                return Resolution(
                    query,
                    "ambiguous",
                    tuple(places),
                    f"Le code postal {code} couvre plusieurs communes : {listed}.",
                )
            dep_code = departement_of_postcode(code) if code.isdigit() else departement_of_insee(code)
            note = (
                "Communes non chargées : lieu ramené au département du code postal."
                if not self.communes
                else f"Code {code} inconnu de la base des communes chargée : lieu ramené au département."
            )
            place = self.departement_place(dep_code or "", note_fr=note)
            if place is None:
                return Resolution(
                    query, "not_found", message_fr=f"Code « {code} » : ni code postal ni code commune connu."
                )
            return Resolution(query, "found", (place,), f"{self._message(place)} {note}")
        place = self.departement_place(code)
        if place is None:
            return Resolution(query, "not_found", message_fr=f"« {code} » n'est pas un code de département.")
        return Resolution(query, "found", (place,), self._message(place))

    def _approximate(self, key: str) -> list[Place]:
        names: dict[str, tuple[str, str]] = {}
        for name_key, code in self._region_names.items():
            names[name_key] = (PRECISION_REGION, code)
        for name_key, code in self._departement_names.items():
            names[name_key] = (PRECISION_DEPARTEMENT, code)
        found: list[Place] = []
        prefixed = [n for n in self._by_name if n.startswith(key + " ")] if len(key) >= 3 else []
        close = difflib.get_close_matches(key, list(names) + list(self._by_name), n=8, cutoff=0.85)
        for name_key in dict.fromkeys(close + sorted(prefixed)[:8]):
            if name_key in names:
                precision, code = names[name_key]
                place = (
                    self.region_place(code) if precision == PRECISION_REGION else self.departement_place(code)
                )
                if place:
                    found.append(place)
            for code in self._by_name.get(name_key, ()):
                place = self.commune_place(code)
                if place:
                    found.append(place)
        return found

    def _matches_hint(self, place: Place, hint: str) -> bool:
        if len(hint) == 5:
            return hint in place.postcodes or place.code == hint
        normalized = normalize_departement_code(hint)
        return normalized is not None and place.departement == normalized

    def _rank(self, places: list[Place], near: Place | tuple[float, float] | None) -> list[Place]:
        origin = _position(near) if near is not None else None

        def key(place: Place) -> tuple[float, int, str]:
            distance = 0.0
            if origin is not None and place.has_position:
                distance = haversine_km(origin[0], origin[1], place.lat, place.lon)  # type: ignore[arg-type]
            overseas = 1 if (place.departement or "").startswith("97") else 0
            return (distance, overseas, place.code)

        return sorted(places, key=key)

    def _message(self, place: Place) -> str:
        if place.precision == PRECISION_COMMUNE:
            return f"Commune : {place.label_fr}."
        if place.precision == PRECISION_DEPARTEMENT:
            return f"Département : {place.label_fr}."
        return f"Région : {place.name}."

    def coverage(self) -> Coverage:
        placed = sum(1 for c in self.communes.values() if c.lat is not None and c.lon is not None)
        if self.communes:
            level = PRECISION_COMMUNE
            message = (
                f"{len(self.communes)} communes chargées ({placed} avec coordonnées) depuis "
                f"{self.source.get('source_file', 'un fichier officiel')}."
            )
            if placed < len(self.communes):
                message += " Les distances des communes sans coordonnées partent du chef-lieu du département."
        else:
            level = PRECISION_DEPARTEMENT
            message = (
                "Seuls les départements et les régions sont disponibles : les lieux sont situés "
                "au département. Chargez la base des communes (levier refdata communes FICHIER) "
                "pour la précision à la commune."
            )
        return Coverage(
            level=level,
            communes=len(self.communes),
            communes_with_position=placed,
            departements=len(self.departements),
            regions=len(self.regions),
            source=self.source,
            message_fr=message,
        )

    def departements_of_region(self, region_code: str) -> list[str]:
        return sorted(code for code, dep in self.departements.items() if dep.region_code == region_code)

    def iter_communes(self) -> Iterator[Commune]:
        return iter(self.communes.values())


def _position(value: object) -> tuple[float, float]:
    if isinstance(value, Place):
        if not value.has_position:
            raise ValueError(f"{value.label_fr} : position inconnue.")
        return value.lat, value.lon  # type: ignore[return-value]
    if isinstance(value, (Commune, Departement, Region)):
        if value.lat is None or value.lon is None:
            raise ValueError(f"{value.name} : position inconnue.")
        return value.lat, value.lon
    if isinstance(value, tuple) and len(value) == 2:
        return float(value[0]), float(value[1])
    raise TypeError(f"Position attendue (lieu ou couple latitude, longitude), reçu : {value!r}.")


def distance_km(a: object, b: object, geography: Geography | None = None) -> float:
    """Great-circle distance between two places, positions (lat, lon) or typed places ("Créteil")."""
    points = []
    for value in (a, b):
        if isinstance(value, str):
            resolution = (geography or get_geography()).resolve_place(value)
            if resolution.best is None:
                raise ValueError(resolution.message_fr)
            value = resolution.best
        points.append(_position(value))
    return haversine_km(points[0][0], points[0][1], points[1][0], points[1][1])


# --- Default instance --------------------------------------------------------------------------------------

_default: dict[str, Any] = {}


def get_geography(store: object | None = None) -> Geography:
    """The geography of the default data directory, reloaded when `levier refdata communes` changed it."""
    from levier.rules import refstore

    chosen = store if isinstance(store, refstore.RefStore) else refstore.RefStore()
    target = chosen.path_for("communes")
    stamp = (str(target), target.stat().st_mtime if target.exists() else None)
    if _default.get("stamp") != stamp:
        _default["geography"] = Geography.load(chosen)
        _default["stamp"] = stamp
    return _default["geography"]


def resolve_place(text: str, near: Place | tuple[float, float] | None = None) -> Resolution:
    return get_geography().resolve_place(text, near=near)


def coverage() -> Coverage:
    return get_geography().coverage()
