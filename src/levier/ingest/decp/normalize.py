"""One raw DECP record (a dict from JSON, XML or a tabular row group) into a normalised `Contract`.

The readers hand over dicts shaped as the source had them; every layout difference between the 2019
format, the format in force since 2024 and the XML of both is absorbed here:

- lists are either plain (`"titulaires": [{...}]`, 2019), wrapped (`[{"titulaire": {...}}]`, 2024 JSON) or
  a container element (`{"titulaire": [...]}` or a single `{...}`, XML);
- modifications are applied in order of their `id` (2024) or of their notification date (2019): the last
  one giving an amount, a duration or holders wins; the initial values are kept beside;
- concessions (`contrat-concession`, `_type` "Contrat de concession", or a concession nature) take their
  amount from `valeurGlobale`, their date from `dateSignature`, their holders from `concessionnaires`.
"""

from __future__ import annotations

from functools import lru_cache

from levier.rules import cpv as cpv_rules
from levier.rules.text import fold

from . import values
from .records import KIND_CONCESSION, KIND_CONTRACT, Contract, Holder

LEGAL_NATURES = (
    "Marché",
    "Marché de partenariat",
    "Marché de défense ou de sécurité",
    "Accord-cadre",
    "Marché subséquent",
    "Concession de travaux",
    "Concession de service",
    "Concession de service public",
    "Délégation de service public",
)
PROCEDURES = (
    "Procédure adaptée",
    "Appel d'offres ouvert",
    "Appel d'offres restreint",
    "Procédure avec négociation",
    "Marché passé sans publicité ni mise en concurrence préalable",
    "Dialogue compétitif",
    "Procédure négociée ouverte",
    "Procédure non négociée ouverte",
    "Procédure négociée restreinte",
    "Procédure non négociée restreinte",
)
_NATURE_BY_FOLDED = {fold(value): value for value in LEGAL_NATURES}
# "Marché de sécurité" is what the consolidated file writes for "Marché de défense ou de sécurité".
_NATURE_BY_FOLDED["marche de securite"] = "Marché de défense ou de sécurité"
_PROCEDURE_BY_FOLDED = {fold(value): value for value in PROCEDURES}
_CONCESSION_NATURE_TO_CPV_NATURE = {
    "Concession de travaux": "works",
    "Concession de service": "services",
    "Concession de service public": "services",
    "Délégation de service public": "services",
}
_SIRET_TYPES = {"", "siret"}


def entries(value: object, inner: str) -> list[dict]:
    """The items of a DECP list in any of its layouts (plain, wrapped, XML container, single item)."""
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        if inner in value:
            return entries(value[inner], inner)
        return [value]
    if isinstance(value, list):
        found: list[dict] = []
        for item in value:
            if isinstance(item, dict):
                if inner in item and len(item) == 1:
                    found.extend(entries(item[inner], inner))
                else:
                    found.append(item)
        return found
    return []


def scalars(value: object, inner: str) -> list[object]:
    """The values of a DECP list of strings: `{"considerationSociale": [...]}`, a list, or one string."""
    if value is None:
        return []
    if isinstance(value, dict):
        return scalars(value.get(inner), inner)
    if isinstance(value, list):
        found: list[object] = []
        for item in value:
            found.extend(scalars(item, inner) if isinstance(item, dict | list) else [item])
        return found
    return [value]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return None
    text = " ".join(str(value).split())
    return text or None


@lru_cache(maxsize=1024)
def _folded(raw: str) -> str:
    return fold(raw)


@lru_cache(maxsize=4096)
def _canonical(raw: str, kind: str) -> tuple[str, bool]:
    """(schema value, True) for a known nature or procedure, (the value as published, False) otherwise."""
    table = _NATURE_BY_FOLDED if kind == "nature" else _PROCEDURE_BY_FOLDED
    text = " ".join(raw.split())
    found = table.get(fold(text))
    return (found, True) if found else (text, False)


def _is_concession(record: dict) -> bool:
    kind = record.get("_type")
    if kind and "concession" in _folded(str(kind)):
        return True
    nature = record.get("nature")
    if nature and _folded(str(nature)).startswith(("concession", "delegation de service")):
        return True
    return "acheteur" not in record and "autoriteConcedante" in record


def _holders(items: list[dict], reasons: set[str]) -> list[Holder]:
    holders: list[Holder] = []
    seen: set[str] = set()
    for item in items:
        identifier = values.clean_identifier(item.get("id"))
        if not identifier:
            continue
        id_type = values.clean_identifier(item.get("typeIdentifiant")).upper() or "SIRET"
        siret = None
        if id_type.lower() in _SIRET_TYPES:
            siret, reason = values.read_siret(identifier, "holder_siret_invalid")
            if reason:
                reasons.add(reason)
        key = siret or identifier
        if key in seen:
            continue
        seen.add(key)
        name, _ = values.repair_text(item.get("denominationSociale") or item.get("nom"))
        holders.append(
            Holder(identifier=siret or identifier, id_type=id_type, siret=siret, name=name or None)
        )
    return holders


def _modification_order(indexed: tuple[int, dict]) -> tuple:
    position, item = indexed
    raw_id = item.get("id")
    try:
        number = int(str(raw_id).strip())
    except (TypeError, ValueError):
        number = None
    date = str(item.get("dateNotificationModification") or item.get("dateSignatureModification") or "")
    published = str(item.get("datePublicationDonneesModification") or "")
    return (number is None, number or 0, date[:10], published[:10], position)


def normalize(record: object, source_format: str, position: int) -> tuple[Contract | None, set[str]]:
    """The contract and the reason codes of what was rejected, repaired or dropped."""
    reasons: set[str] = set()
    if not isinstance(record, dict):
        return None, {"not_a_record"}
    concession = _is_concession(record)
    contract_id = values.clean_identifier(record.get("id"))
    if not contract_id:
        return None, {"missing_id"}
    buyer = record.get("autoriteConcedante") if concession else record.get("acheteur")
    if not isinstance(buyer, dict):
        buyer = record.get("acheteur") if isinstance(record.get("acheteur"), dict) else {}
    buyer_id = values.clean_identifier(buyer.get("id"))
    if not buyer_id:
        return None, {"missing_buyer"}
    buyer_siret, buyer_reason = values.read_siret(buyer_id, "buyer_siret_invalid")
    if buyer_reason:
        reasons.add(buyer_reason)
    buyer_name, _ = values.repair_text(buyer.get("nom"))

    contract = Contract(
        contract_id=contract_id,
        buyer_id=buyer_siret or buyer_id,
        kind=KIND_CONCESSION if concession else KIND_CONTRACT,
        source_format=source_format,
        position=position,
        buyer_siret=buyer_siret,
        buyer_name=buyer_name or None,
        buyer_kind=values.buyer_kind(buyer_siret or (buyer_id if buyer_id.isdigit() else None)),
    )
    objet, text_reasons = values.repair_text(record.get("objet"))
    contract.object = objet
    reasons.update(text_reasons)

    for kind in ("nature", "procedure"):
        raw = record.get(kind)
        if raw is None or isinstance(raw, dict | list) or not str(raw).strip():
            continue
        value, known = _canonical(str(raw), kind)
        if not known:
            reasons.add("value_outside_schema")
        if kind == "nature":
            contract.legal_nature = value
        else:
            contract.procedure = value

    if concession:
        reasons.add("concession")
        contract.nature = _CONCESSION_NATURE_TO_CPV_NATURE.get(contract.legal_nature or "")
    else:
        code, cpv_reason = values.read_cpv(str(record.get("codeCPV") or ""))
        if cpv_reason:
            reasons.add(cpv_reason)
        contract.cpv = code
        contract.nature = cpv_rules.nature(code) if code else None

    place = record.get("lieuExecution")
    if isinstance(place, dict) and _text(place.get("code")):
        contract.place_code = _text(place.get("code"))
        place_type, departement, region, place_reasons = values.read_place(
            contract.place_code or "", _text(place.get("typeCode")) or ""
        )
        contract.place_type, contract.departement, contract.region = place_type, departement, region
        reasons.update(place_reasons)
    else:
        reasons.add("place_unknown")

    date_field = "dateSignature" if concession and record.get("dateSignature") else "dateNotification"
    contract.notified_on, date_reasons = values.read_date(record.get(date_field))
    reasons.update(date_reasons)
    contract.published_on, _ = values.read_date(record.get("datePublicationDonnees"))

    amount_field = "valeurGlobale" if concession else "montant"
    amount, amount_reason = values.read_amount(record.get(amount_field))
    if amount_reason:
        reasons.add(amount_reason)
    duration = values.read_duration(record.get("dureeMois"))
    holder_field, holder_inner = (
        ("concessionnaires", "concessionnaire") if concession else ("titulaires", "titulaire")
    )
    holders = _holders(entries(record.get(holder_field), holder_inner), reasons)
    contract.initial_amount, contract.initial_duration_months = amount, duration
    contract.initial_holders = holders

    modifications = entries(record.get("modifications"), "modification")
    for _, item in sorted(enumerate(modifications), key=_modification_order):
        changed = False
        new_amount, _ = values.read_amount(item.get(amount_field))
        if new_amount is not None:
            amount, changed = new_amount, True
        new_duration = values.read_duration(item.get("dureeMois"))
        if new_duration is not None:
            duration, changed = new_duration, True
        new_holders = _holders(entries(item.get(holder_field), holder_inner), reasons)
        if new_holders:
            holders, changed = new_holders, True
        contract.modifications += changed
    if contract.modifications:
        reasons.add("modifications_applied")
    contract.amount, contract.duration_months, contract.holders = amount, duration, holders
    if duration is None:
        reasons.add("duration_invalid")
    if not holders:
        reasons.add("holders_missing")

    if "considerationsSociales" in record:
        social, social_reasons = values.read_social(
            scalars(record.get("considerationsSociales"), "considerationSociale")
        )
        reasons.update(social_reasons)
        contract.social = social or None
    else:
        reasons.add("social_not_published")
    return contract, reasons
