"""Readers of single DECP values (dates, amounts, durations, CPV, SIRET, places, social considerations).

Each returns the normalised value and the reason codes (see reasons.py) of what it repaired or dropped.
The same raw values come back millions of times in a national file (a buyer's SIRET, a CPV code, a date),
so the pure functions of a raw string are cached.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import lru_cache

from levier.rules import cpv as cpv_rules
from levier.rules import geography
from levier.rules import siret as siret_rules
from levier.rules.text import fold

from .records import (
    SOCIAL_CLAUSE,
    SOCIAL_CRITERION,
    SOCIAL_NONE,
    SOCIAL_RESERVED,
    SOCIAL_RESERVED_CONCESSION,
)

# Earliest and latest plausible notification years: the DECP start in 2018 but carry older framework
# agreements; a year after next is a typing error.
MIN_YEAR = 1990
MAX_YEAR_AHEAD = 2
MAX_DURATION_MONTHS = 1200
# 10 billion euros: above every real French public contract (the largest works concessions are a few
# billions), below the 1e12 to 1e17 fillers seen in real files.
IMPLAUSIBLE_AMOUNT = 1e10
_PLACEHOLDER_AMOUNT = re.compile(r"^9{6,}(\.0+)?$")

_DATE = re.compile(
    r"^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?P<rest>(?:[T ][0-9:.]+)?(?:Z|[+-]\d{2}:?\d{2})?)\s*$"
)
_FRENCH_DATE = re.compile(r"^\s*(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\s*$")
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf\u00a0-\u00ff]|â€")


@lru_cache(maxsize=8192)
def parse_date(raw: str) -> tuple[dt.date | None, tuple[str, ...]]:
    """ "2018-12-17", "2018-12-17+01:00", "2018-12-17T00:00:00Z", "17/12/2018"; "0218-10-29" -> 2018."""
    text = raw.strip()
    if not text:
        return None, ("date_missing",)
    reasons: list[str] = []
    match = _DATE.match(text)
    if match:
        year, month, day = match.group("y"), int(match.group("m")), int(match.group("d"))
        if match.group("rest"):
            reasons.append("date_time_zone_removed")
    else:
        french = _FRENCH_DATE.match(text)
        if not french:
            return None, ("date_invalid",)
        year, month, day = french.group("y"), int(french.group("m")), int(french.group("d"))
    if year.startswith("02"):
        # "0218": the 2 and the 0 typed the wrong way round.
        year = "20" + year[2:]
        reasons.append("date_year_repaired")
    try:
        value = dt.date(int(year), month, day)
    except ValueError:
        return None, ("date_invalid",)
    if not MIN_YEAR <= value.year <= dt.date.today().year + MAX_YEAR_AHEAD:
        return None, ("date_invalid",)
    return value, tuple(reasons)


def read_date(raw: object) -> tuple[dt.date | None, tuple[str, ...]]:
    if raw is None:
        return None, ("date_missing",)
    if isinstance(raw, dt.datetime):
        return raw.date(), ()
    if isinstance(raw, dt.date):
        return raw, ()
    return parse_date(str(raw))


def read_amount(raw: object) -> tuple[float | None, str | None]:
    """An amount in euros HT, or None and the reason it was dropped."""
    if raw is None or raw == "":
        return None, "amount_missing"
    if isinstance(raw, bool):
        return None, "amount_missing"
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            return None, "amount_missing"
    if value != value:  # NaN
        return None, "amount_missing"
    if value <= 0:
        return None, "amount_zero"
    if value >= IMPLAUSIBLE_AMOUNT:
        return None, "amount_implausible"
    if value.is_integer() and _PLACEHOLDER_AMOUNT.match(str(int(value))):
        return None, "amount_placeholder"
    return value, None


def read_duration(raw: object) -> int | None:
    """Months, or None when absent, "NC", zero or over 100 years."""
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = float(str(raw).strip().replace(",", ".")) if not isinstance(raw, int | float) else float(raw)
    except ValueError:
        return None
    if value != value or value < 1 or value > MAX_DURATION_MONTHS:
        return None
    return round(value)


@lru_cache(maxsize=65536)
def read_cpv(raw: str) -> tuple[str | None, str | None]:
    """The 8-digit CPV code and the reason code of a repair or a drop."""
    check = cpv_rules.normalize_cpv(raw)
    if check.status == cpv_rules.STATUS_EMPTY:
        return None, "cpv_missing"
    if check.status == cpv_rules.STATUS_VALID:
        return check.code, None
    if check.status == cpv_rules.STATUS_LOST_LEADING_ZERO:
        return check.code, "cpv_leading_zero_restored"
    if check.status == cpv_rules.STATUS_WRONG_CHECK_DIGIT:
        # "45000000-0": buyers type any digit after the dash; the 8 digits of a known division are kept
        # (a statistic by division or group survives a mistyped last digit), and the repair is counted.
        return check.code, "cpv_check_digit_ignored"
    return None, "cpv_invalid"


@lru_cache(maxsize=262144)
def read_siret(raw: str, invalid: str) -> tuple[str | None, str | None]:
    """A valid SIRET and the reason code of a repair, or None and the reason code `invalid`."""
    check = siret_rules.normalize_siret(raw)
    if check.is_valid:
        return check.value, None
    if check.status == siret_rules.STATUS_LOST_LEADING_ZERO and check.suggestion:
        # The SIRET module never repairs silently for a user's form; for national statistics the repair
        # is counted in the import report instead.
        return check.suggestion, "siret_leading_zero_restored"
    return None, invalid


def clean_identifier(raw: object) -> str:
    """An identifier as text: stripped, inner runs of spaces collapsed, floats from spreadsheets undone."""
    if type(raw) is str:
        text = raw.strip()
        if "  " not in text and "\t" not in text and "\n" not in text:
            return text
        return " ".join(text.split())
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return " ".join(str(raw).split())


def repair_text(raw: object) -> tuple[str, tuple[str, ...]]:
    """Text with HTML entities decoded and UTF-8 read as Latin-1 ("Ã©") put back; spaces collapsed."""
    if raw is None:
        return "", ()
    text = str(raw)
    reasons: list[str] = []
    if "&" in text and ";" in text:
        decoded = html.unescape(text)
        if decoded != text:
            text = decoded
            reasons.append("text_entities_decoded")
    if _MOJIBAKE.search(text):
        try:
            fixed = text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            fixed = text
        if fixed != text:
            text = fixed
            reasons.append("text_accents_repaired")
    return " ".join(text.split()), tuple(reasons)


# --- Place of execution -------------------------------------------------------------------------------

_PLACE_TYPES = {
    "code postal": "postal",
    "code commune": "commune",
    "code arrondissement": "arrondissement",
    "code canton": "canton",
    "code departement": "departement",
    "code region": "region",
    "code pays": "pays",
}


@lru_cache(maxsize=65536)
def read_place(code_raw: str, type_raw: str) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
    """(place type, département, région, reasons) from `lieuExecution` code and typeCode.

    The published type is often wrong ("48330" as "Code arrondissement"): when the code's shape says
    otherwise the shape wins and the repair is counted.
    """
    code = code_raw.strip().upper().replace(" ", "")
    declared = _PLACE_TYPES.get(fold(type_raw)) if type_raw else None
    reasons: list[str] = []
    departements = geography.shipped_departements()
    regions = geography.shipped_regions()
    departement = None
    region = None
    place_type = declared
    if declared == "pays":
        return "pays", None, None, ()
    if declared in ("postal", "commune") and re.fullmatch(r"\d{4}", code):
        code = "0" + code  # a leading zero lost by a spreadsheet or an integer column
    if re.fullmatch(r"\d{5}|2[AB]\d{3}", code):
        if declared == "commune":
            departement = geography.departement_of_insee(code)
        else:
            if declared not in ("postal", None):
                reasons.append("place_type_repaired")
            place_type = "postal"
            departement = geography.departement_of_postcode(code)
    elif declared == "region" and code.zfill(2) in regions:
        region = code.zfill(2)
    elif re.fullmatch(r"\d{1,3}|2[AB]", code):
        departement = geography.normalize_departement_code(code)
        if departement is not None and declared != "departement":
            if code.zfill(2) in regions and declared == "region":
                region = code.zfill(2)
                departement = None
            else:
                reasons.append("place_type_repaired")
                place_type = "departement"
    if departement is not None and departement not in departements:
        departement = None
    if departement is not None:
        region = departements[departement].region_code
    if region is None:
        reasons.append("place_unknown")
    return place_type, departement, region, tuple(reasons)


# --- Social considerations ------------------------------------------------------------------------------

_SOCIAL_BY_FOLDED = {
    fold(SOCIAL_CLAUSE): SOCIAL_CLAUSE,
    fold(SOCIAL_CRITERION): SOCIAL_CRITERION,
    fold(SOCIAL_RESERVED): SOCIAL_RESERVED,
    fold(SOCIAL_RESERVED_CONCESSION): SOCIAL_RESERVED_CONCESSION,
    fold(SOCIAL_NONE): SOCIAL_NONE,
    # The consolidated tabular file writes "Sans objet" for "Pas de considération sociale".
    "sans objet": SOCIAL_NONE,
}
# Close spellings seen in exports (plural, missing word): recognised and counted as repaired.
_SOCIAL_VARIANTS = {
    "clauses sociales": SOCIAL_CLAUSE,
    "criteres sociaux": SOCIAL_CRITERION,
    "critere sociale": SOCIAL_CRITERION,
    "marches reserves": SOCIAL_RESERVED,
    "reserve": SOCIAL_RESERVED,
    "pas de consideration": SOCIAL_NONE,
    "aucune consideration sociale": SOCIAL_NONE,
    "aucune": SOCIAL_NONE,
}
_LIST_SEPARATOR = re.compile(r"\s*[,;|]\s*")


@lru_cache(maxsize=4096)
def _social_value(raw: str) -> tuple[str | None, str | None]:
    text, _ = repair_text(raw)
    key = fold(text)
    if key in _SOCIAL_BY_FOLDED:
        return _SOCIAL_BY_FOLDED[key], None
    if key in _SOCIAL_VARIANTS:
        return _SOCIAL_VARIANTS[key], "social_value_spelling"
    return None, "social_value_unknown"


def read_social(values: list[object]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The distinct known values, in schema order; "none" is dropped when a real consideration is present."""
    key = tuple(str(value) for value in values if value is not None)
    return _read_social(key)


@lru_cache(maxsize=4096)
def _read_social(values: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    found: set[str] = set()
    reasons: list[str] = []
    for raw in values:
        for part in _LIST_SEPARATOR.split(raw.strip()):
            if not part:
                continue
            value, reason = _social_value(part)
            if reason:
                reasons.append(reason)
            if value:
                found.add(value)
    if len(found) > 1:
        found.discard(SOCIAL_NONE)
    order = (SOCIAL_CLAUSE, SOCIAL_CRITERION, SOCIAL_RESERVED, SOCIAL_RESERVED_CONCESSION, SOCIAL_NONE)
    return tuple(value for value in order if value in found), tuple(reasons)


# --- Buyer kind ------------------------------------------------------------------------------------------

# SIRENE numbers public bodies from 1 and 2; the second digit follows the body's category for local
# authorities (21 communes, 22 départements, 23 régions, 24 groupings of local authorities, 26 public
# hospitals), and 11 is the State's own services (ministries and their offices). It is a numbering
# convention, not a legal category: docs/formats/decp.md says how far to trust it. The kinds are those
# of rules.legal.BUYER_KINDS.
_BUYER_KIND_BY_PREFIX = (
    ("21", "commune"),
    ("22", "departement"),
    ("23", "region"),
    ("24", "ept_epci"),
    ("26", "hopital"),
    ("11", "etat"),
)


def buyer_kind(siret: str | None) -> str:
    if not siret:
        return "autre"
    for prefix, kind in _BUYER_KIND_BY_PREFIX:
        if siret.startswith(prefix):
            return kind
    return "autre"
