"""The JSON of le marché de l'inclusion's API, `GET /api/siae/` (and `/api/siae/{id}/` items).

Fields read, as named by the API's serializers (gip-inclusion/le-marche, lemarche/api/siaes/
serializers.py, `SiaeListSerializer` and `SiaeDetailSerializer`): `id`, `siret`, `name`, `brand`,
`kind`, `nature` (HEAD_OFFICE or ANTENNA), `presta_type` / `presta_types` (DISP, PREST, BUILD),
`contact_website`, `address`, `city`, `post_code`, `department`, `region`, `is_active`, and in detail
items `sectors` (objects with `name` and `slug`). Contact persons, logos, networks, offers, client
references and timestamps are not read. The API exposes no coordinates. Earlier API versions named the
same data in camelCase French (`raisonSociale`, `enseigne`, `type`, `siteWeb`, `ville`, `codePostal`,
`departement`): those names are accepted too.

Accepted shapes: a JSON list of items (the anonymous answer), a DRF page `{"count", "next",
"previous", "results": [...]}` (the authenticated answer), or a list of such pages saved one after the
other. The key is le marché's `id`: an antenna shares its head office's SIRET.
"""

from __future__ import annotations

import json
from pathlib import Path

from levier.ingest.errors import RowError
from levier.ingest.structures import cleaning as c
from levier.ingest.structures.records import (
    Kind,
    OfferKind,
    ProgressCallback,
    ReadResult,
    ResultBuilder,
    Source,
    row_record,
)
from levier.ingest.tabular import PathLike

# Current field name → older names of the same field.
ALIASES = {
    "name": ("raisonSociale",),
    "brand": ("enseigne",),
    "kind": ("type",),
    "contact_website": ("siteWeb", "website"),
    "city": ("ville",),
    "post_code": ("codePostal",),
    "department": ("departement",),
}
PRESTA_TO_OFFER = {
    "PREST": OfferKind.SERVICES.value,
    "DISP": OfferKind.STAFF_PROVISION.value,
    "BUILD": OfferKind.GOODS.value,
}
NATURE_TO_HEAD_OFFICE = {"HEAD_OFFICE": True, "ANTENNA": False}
ITEM = "Élément"


def _items(data: object) -> list[object] | None:
    if isinstance(data, list):
        if data and all(isinstance(page, dict) and "results" in page for page in data):
            return [item for page in data for item in (page.get("results") or [])]
        return data
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return data["results"]
    return None


def _get(item: dict, field: str) -> object:
    if item.get(field) not in (None, ""):
        return item[field]
    for alias in ALIASES.get(field, ()):
        if item.get(alias) not in (None, ""):
            return item[alias]
    return None


def _text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return c.clean_text(str(value))


def read_lemarche(path: PathLike, *, progress: ProgressCallback | None = None) -> ReadResult:
    """Read a saved answer of le marché de l'inclusion's SIAE API: one record per structure `id`."""
    builder = ResultBuilder(Source.LEMARCHE, progress)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        builder.add(RowError(None, None, None, f"JSON illisible ({error}).", code="unreadable_file"))
        return builder.result()
    items = _items(data)
    if items is None:
        builder.add(
            RowError(
                None,
                None,
                None,
                "ni une liste de structures, ni une page de l'API (clé « results ») : rien à lire.",
                code="unreadable_file",
            )
        )
        return builder.result()
    builder.total = len(items)
    builder.file_info.update(format="json", items=len(items))
    seen: dict[str, int] = {}
    for number, item in enumerate(items, start=1):
        builder.row_done()
        ctx = c.RowContext(number, builder.add, row_label=ITEM)
        if not isinstance(item, dict):
            ctx.reject(None, repr(item)[:80], "not_an_object", "un objet JSON est attendu ; élément rejeté.")
            continue
        item_id = _text(item.get("id"))
        # Without an id the SIRET keys the record; it must then be valid.
        check, issue = c.check_siret(_text(item.get("siret")), is_key=item_id is None, unit="élément")
        key = item_id or check.value
        ctx.report("siret", item.get("siret"), issue)
        name = _text(_get(item, "name"))
        if name is None:
            ctx.reject("name", None, "name_missing", "nom absent ; élément rejeté.")
        if ctx.rejected or key is None:
            continue
        if key in seen:
            ctx.reject(
                "id", key, "duplicate_key", f"id {key} déjà lu (élément {seen[key]}) ; élément rejeté."
            )
            continue
        seen[key] = number

        raw_kind = _text(_get(item, "kind"))
        kinds: tuple[str, ...] = ()
        if raw_kind:
            if raw_kind.upper() in Kind.__members__:
                kinds = (Kind[raw_kind.upper()].value,)
            else:
                ctx.report(
                    "kind", raw_kind, c.Issue("kind_unknown", f"type « {raw_kind} » inconnu ; ignoré.")
                )
        postcode, issue = c.clean_postcode(_text(_get(item, "post_code")))
        ctx.report("post_code", _get(item, "post_code"), issue)
        departement, issue = c.clean_departement(_text(_get(item, "department")))
        ctx.report("department", _get(item, "department"), issue)
        is_active = item.get("is_active")
        builder.records.append(
            row_record(
                Source.LEMARCHE,
                key,
                number,
                siret=check.value,
                siret_status=check.status,
                siret_suggestion=check.suggestion,
                name=name,
                brand=_text(_get(item, "brand")),
                kinds=kinds,
                offer_kinds=_offer_kinds(item, ctx),
                is_head_office=NATURE_TO_HEAD_OFFICE.get(_text(item.get("nature")) or ""),
                is_active=is_active if isinstance(is_active, bool) else None,
                address=_text(item.get("address")),
                postcode=postcode,
                city=_text(_get(item, "city")),
                departement=departement or c.departement_from_postcode(postcode),
                region=_text(item.get("region")),
                website=_text(_get(item, "contact_website")),
                sectors=_sectors(item.get("sectors")),
            )
        )
    return builder.result()


def _offer_kinds(item: dict, ctx: c.RowContext) -> tuple[str, ...]:
    """`presta_type` (list, or a comma-separated string in exports) and `presta_types` (detail)."""
    values: list[str] = []
    for field in ("presta_type", "presta_types"):
        raw = item.get(field)
        if isinstance(raw, str):
            raw = raw.split(",")
        if isinstance(raw, list):
            values.extend(str(value).strip().upper() for value in raw if value is not None)
    offers = []
    for value in dict.fromkeys(values):
        if not value:
            continue
        if value in PRESTA_TO_OFFER:
            offers.append(PRESTA_TO_OFFER[value])
        else:
            ctx.report(
                "presta_type",
                value,
                c.Issue("offer_kind_unknown", f"type de prestation « {value} » inconnu ; ignoré."),
            )
    return tuple(sorted(set(offers)))


def _sectors(raw: object) -> tuple[str, ...]:
    """Sector slugs (le marché's taxonomy; mapped to CPV codes by levier.rules, not here)."""
    if not isinstance(raw, list):
        return ()
    slugs = []
    for sector in raw:
        if isinstance(sector, dict):
            slug = _text(sector.get("slug")) or _text(sector.get("name"))
        else:
            slug = _text(sector)
        if slug and slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)
