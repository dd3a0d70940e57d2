"""What a structure search asks, checked once for the pages, the API and the terminal alike.

`StructureQuery.from_params` takes what a person typed (strings, lists) and either returns a query or raises
`ValidationError` with one French message per faulty field; `selectors.search_structures` runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from levier.rules.geography import normalize_departement_code
from levier.rules.sectors import load_taxonomy
from levier.rules.text import fold

from .models import Family, Kind

SORT_RELEVANCE = "relevance"
SORT_DISTANCE = "distance"
SORT_NAME = "name"
SORTS = {SORT_RELEVANCE: "Pertinence", SORT_DISTANCE: "Distance", SORT_NAME: "Nom"}
MAX_RADIUS_KM = 1000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


@dataclass(frozen=True)
class StructureQuery:
    text: str = ""
    sectors: tuple[str, ...] = ()
    group: str = ""
    family: str = ""
    kinds: tuple[str, ...] = ()
    near: str = ""
    radius_km: float | None = None
    departement: str = ""
    min_amount: int | None = None
    sort: str = SORT_RELEVANCE
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    words: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> StructureQuery:
        """Read typed values: `sector` and `kind` may repeat (lists) or be comma-separated."""
        errors: dict[str, list[str]] = {}
        taxonomy = load_taxonomy()

        def add(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        text = _text(params.get("text") or params.get("q"))
        sectors = _codes(params.get("sector") or params.get("sectors"))
        for code in sectors:
            if code not in taxonomy:
                add("sector", f"Secteur inconnu : « {code} ».")
        group = _text(params.get("group"))
        if group and taxonomy.group(group) is None:
            add("group", f"Groupe de secteurs inconnu : « {group} ».")
        family = _text(params.get("family"))
        if family and family not in Family.values:
            add("family", f"Famille inconnue : « {family} » (attendu : {', '.join(Family.values)}).")
        kinds = tuple(code.upper() for code in _codes(params.get("kind") or params.get("kinds")))
        for code in kinds:
            if code not in Kind.values:
                add("kind", f"Type de structure inconnu : « {code} » (attendu : {', '.join(Kind.values)}).")
        near = _text(params.get("near"))
        radius = _number(params.get("radius") or params.get("radius_km"), "radius", "Rayon", add)
        if radius is not None and not 0 < radius <= MAX_RADIUS_KM:
            add("radius", f"Rayon : entre 1 et {MAX_RADIUS_KM} km.")
        if radius is not None and not near:
            add("near", "Indiquez un lieu (commune, code postal ou département) pour chercher dans un rayon.")
        departement = _text(params.get("departement"))
        if departement:
            normalized = normalize_departement_code(departement)
            if normalized is None:
                add("departement", f"Département inconnu : « {departement} ».")
            departement = normalized or ""
        amount = _number(params.get("min_amount"), "min_amount", "Montant", add)
        if amount is not None and amount < 0:
            add("min_amount", "Montant : une valeur positive est attendue.")
        sort = _text(params.get("sort")) or SORT_RELEVANCE
        if sort not in SORTS:
            add("sort", f"Tri inconnu : « {sort} » (attendu : {', '.join(SORTS)}).")
        if sort == SORT_DISTANCE and not near:
            add("sort", "Le tri par distance demande un lieu.")
        page = _number(params.get("page"), "page", "Page", add) or 1
        per_page = _number(params.get("per_page"), "per_page", "Résultats par page", add) or DEFAULT_PER_PAGE
        if not 1 <= per_page <= MAX_PER_PAGE:
            add("per_page", f"Résultats par page : entre 1 et {MAX_PER_PAGE}.")
        if errors:
            raise ValidationError({name: messages for name, messages in errors.items()})
        return cls(
            text=text,
            sectors=sectors,
            group=group,
            family=family,
            kinds=kinds,
            near=near,
            radius_km=radius,
            departement=departement,
            min_amount=int(amount) if amount is not None else None,
            sort=sort,
            page=max(1, int(page)),
            per_page=int(per_page),
            words=tuple(dict.fromkeys(fold(text).split())),
        )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value).strip()


def _codes(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    items: Iterable[object] = value if isinstance(value, (list, tuple)) else [value]
    codes: list[str] = []
    for item in items:
        codes += [part.strip() for part in str(item).split(",") if part.strip()]
    return tuple(dict.fromkeys(codes))


def _number(value: object, name: str, label: str, add) -> float | None:
    text = _text(value).replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        add(name, f"{label} : nombre attendu, reçu « {_text(value)} ».")
        return None
    if number != number or number in (float("inf"), float("-inf")):
        add(name, f"{label} : nombre attendu, reçu « {_text(value)} ».")
        return None
    return number
