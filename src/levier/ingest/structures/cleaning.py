"""Cleaning of the values found in structure lists, with the damage seen in the real files.

Every function returns the clean value (or None) and, when something was repaired or dropped, an
`Issue` that the reader turns into a located `RowError`. Leading zeros lost by a spreadsheet are put
back only where the length of the code proves it (a 4-digit postcode, an 8-digit FINESS number): those
codes have a fixed length and a leading zero is the only thing Excel removes. SIRETs are the exception:
`levier.rules.siret` only *suggests* the 0-prefixed form, because a 13-digit SIRET can also be a typo.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from levier.ingest.errors import RowError, Severity
from levier.rules.siret import SiretCheck, luhn_ok, normalize_siret

_SPACES = re.compile(r"\s+")
# Characters that never belong in an identifier and betray a copy-paste: tab, NUL, CR/LF, NBSP...
_STRAY = re.compile(r"[\x00-\x1f\x7f\u00a0\u200b\u202f\ufeff]")
_STRAY_NAMES = {
    "\t": "une tabulation",
    "\n": "un saut de ligne",
    "\r": "un retour chariot",
    "\u00a0": "une espace insécable",
    "\u202f": "une espace fine insécable",
    "\u200b": "une espace de largeur nulle",
    "\ufeff": "une marque d'ordre des octets",
}


@dataclass(frozen=True, slots=True)
class Issue:
    code: str
    message: str
    severity: Severity = Severity.WARNING


class RowContext:
    """Locates issues found in one row and hands them to the result as `RowError`."""

    def __init__(self, row: int, add: Callable[[RowError], None], *, row_label: str = "Ligne") -> None:
        self.row = row
        self._add = add
        self.row_label = row_label
        self.rejected = False

    def report(self, field_label: str | None, raw: object, issue: Issue | None) -> None:
        if issue is None:
            return
        if issue.severity == Severity.ERROR:
            self.rejected = True
        self._add(
            RowError(
                row=self.row,
                field=field_label,
                raw_value=None if raw is None else str(raw),
                message=issue.message,
                severity=issue.severity,
                code=issue.code,
                row_label=self.row_label,
            )
        )

    def reject(self, field_label: str | None, raw: object, code: str, message: str) -> None:
        self.report(field_label, raw, Issue(code, message, Severity.ERROR))


def clean_text(raw: object) -> str | None:
    """Trim, collapse runs of spaces (FINESS pads addresses with them), None when empty."""
    if raw is None:
        return None
    text = _SPACES.sub(" ", str(raw).replace("\u00a0", " ")).strip()
    return text or None


def _digits_only(raw: object) -> str:
    return _SPACES.sub("", str(raw or "")).strip()


# --- SIRET ------------------------------------------------------------------------------------------


# How a message names the thing kept or rejected: a spreadsheet line, or an item of a JSON list.
_KEPT = {"ligne": "ligne conservée", "élément": "élément conservé"}
_REJECTED = {"ligne": "ligne rejetée", "élément": "élément rejeté"}


def check_siret(raw: object, *, is_key: bool, unit: str = "ligne") -> tuple[SiretCheck, Issue | None]:
    """Check a SIRET with the shared rule; say what happens to the row in French.

    When the SIRET is the record's key (ASP, GEIQ, EA lists) an unusable one rejects the row; otherwise
    (ESAT, keyed by FINESS) the row is kept without SIRET. A valid SIRET that came with stray characters
    (the GEIQ list has tabs in front of four of them) is kept with a warning.
    """
    check = normalize_siret(raw)
    if check.is_valid:
        raw_text = str(raw)
        if _STRAY.search(raw_text):
            shown = raw_text.encode("unicode_escape").decode("ascii")
            found = sorted(
                {_STRAY_NAMES.get(char, "caractère de contrôle") for char in _STRAY.findall(raw_text)}
            )
            return check, Issue(
                "siret_stray_characters",
                f"« {shown} » : {len(raw_text)} caractères dont {', '.join(found)} (invisible), retiré ; "
                f"SIRET {check.value} valide.",
            )
        return check, None
    if check.status == "empty":
        if is_key:
            return check, Issue("siret_missing", f"SIRET absent ; {_REJECTED[unit]}.", Severity.ERROR)
        return check, Issue("siret_missing", f"SIRET absent ; {_KEPT[unit]} sans SIRET.")
    base = check.message_fr.rstrip(".")
    if is_key:
        return check, Issue(
            f"siret_{check.status}",
            f"{base} ; {_REJECTED[unit]} (le SIRET est la clé de cette liste).",
            Severity.ERROR,
        )
    return check, Issue(f"siret_{check.status}", f"{base} ; {_KEPT[unit]} sans SIRET.")


# --- geography --------------------------------------------------------------------------------------

_OVERSEAS = re.compile(r"^(?:97[1-8]|98[4-9])$")


def clean_departement(raw: object) -> tuple[str | None, Issue | None]:
    """Département code as INSEE writes it: "01".."95", "2A", "2B", "971".."976" (and overseas COM).

    Accepts the ASP's 3-character codes ("001", "075", "02A") silently, a 1-digit code (lost zero)
    with a warning, and the ASP's split of the Nord ("59L" Lille, "59V" Valenciennes) as "59".
    """
    text = _digits_only(raw).upper()
    if not text:
        return None, None
    if text in ("59L", "59V"):
        return "59", None
    if len(text) == 3 and text.startswith("0"):
        text = text[1:]
    if len(text) == 1 and text in "123456789":
        return f"0{text}", Issue(
            "departement_lost_leading_zero",
            f"« {text} » : zéro initial perdu par un tableur, corrigé en 0{text}.",
        )
    if text in ("2A", "2B") or _OVERSEAS.match(text):
        return text, None
    if text == "20":
        return None, Issue(
            "departement_invalid", "« 20 » n'existe plus depuis 1976 (2A ou 2B) ; code ignoré."
        )
    if len(text) == 2 and text.isdigit() and "01" <= text <= "95":
        return text, None
    return None, Issue("departement_invalid", f"code département « {text} » non reconnu ; ignoré.")


def departement_from_postcode(postcode: str | None) -> str | None:
    """Département of a postcode: 2 digits, 3 overseas; Corsica's 20xxx split at 20200 (2A below)."""
    if not postcode or len(postcode) != 5 or not postcode.isdigit():
        return None
    if postcode.startswith("20"):
        return "2A" if postcode < "20200" else "2B"
    if postcode.startswith(("97", "98")):
        return postcode[:3]
    return postcode[:2]


def departement_from_insee(code: str | None) -> str | None:
    if not code or len(code) != 5:
        return None
    if code.startswith(("97", "98")):
        return code[:3]
    return code[:2]


def _leading_zero_restored(text: str, code: str, label: str) -> tuple[str, Issue]:
    """A fixed-length code a spreadsheet read as a number, one digit short: the zero is put back."""
    return "0" + text, Issue(
        code,
        f"{label} {text} sur {len(text)} chiffres : zéro initial perdu par un tableur, corrigé en 0{text}.",
    )


def clean_postcode(raw: object) -> tuple[str | None, Issue | None]:
    text = _digits_only(raw)
    if not text:
        return None, None
    if len(text) == 5 and text.isdigit():
        return text, None
    if len(text) == 4 and text.isdigit():
        return _leading_zero_restored(text, "postcode_lost_leading_zero", "code postal")
    return None, Issue("postcode_invalid", f"code postal « {text} » invalide (5 chiffres attendus) ; ignoré.")


_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def clean_insee_code(raw: object) -> tuple[str | None, Issue | None]:
    text = _digits_only(raw).upper()
    if not text:
        return None, None
    if _INSEE.match(text):
        return text, None
    if len(text) == 4 and text.isdigit():
        return _leading_zero_restored(text, "insee_code_lost_leading_zero", "code commune")
    return None, Issue("insee_code_invalid", f"code commune INSEE « {text} » invalide ; ignoré.")


# --- FINESS -----------------------------------------------------------------------------------------

_FINESS = re.compile(r"^(?:\d{9}|2[AB]\d{7})$")


def finess_checksum_ok(finess: str) -> bool:
    """Luhn on the 9 characters; Corsica's "2A"/"2B" count as "21"/"22".

    The letter substitution is not documented in the FINESS guides we found: it holds for every one of
    the 7 Corsican numbers of the national ESAT list, and Luhn holds for all 1,497 others.
    """
    digits = finess.replace("2A", "21", 1) if finess.startswith("2A") else finess
    digits = digits.replace("2B", "22", 1) if digits.startswith("2B") else digits
    return luhn_ok(digits)


def clean_finess(raw: object) -> tuple[str | None, Issue | None]:
    """A FINESS number: 9 characters, the first two being the département (2A/2B for Corsica).

    8 digits means Excel dropped the leading zero of départements 01-09: put back with a warning
    (the number is a key, and the next, undamaged, export must give the same key).
    """
    text = _digits_only(raw).upper()
    if not text:
        return None, None
    issue = None
    if len(text) == 8 and text.isdigit():
        text, issue = _leading_zero_restored(text, "finess_lost_leading_zero", "n° FINESS")
    if not _FINESS.match(text):
        return None, Issue("finess_invalid", f"n° FINESS « {text} » invalide (9 caractères attendus).")
    if not finess_checksum_ok(text):
        return text, Issue(
            "finess_invalid_checksum",
            f"n° FINESS {text} : la clé de contrôle est fausse ; numéro conservé tel quel, à vérifier.",
        )
    return text, issue


# --- activity codes, numbers ------------------------------------------------------------------------

_NAF = re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$")


def clean_naf(raw: object) -> tuple[str | None, Issue | None]:
    """NAF rev. 2 code as "7830Z" (accepts "78.30Z", "78.30 z")."""
    text = _digits_only(raw).upper()
    if not text:
        return None, None
    match = _NAF.match(text)
    if not match:
        return None, Issue("naf_invalid", f"code NAF « {text} » invalide (forme 7830Z attendue) ; ignoré.")
    return "".join(match.groups()), None


_ROME = re.compile(r"^[A-N]\d{4}$")


def clean_rome(raw: object) -> tuple[str | None, Issue | None]:
    """ROME job code, a letter A-N and 4 digits; lower-case letters are accepted with a warning."""
    text = _digits_only(raw)
    if not text:
        return None, None
    if _ROME.match(text):
        return text, None
    if _ROME.match(text.upper()):
        upper = text.upper()
        return upper, Issue("rome_lower_case", f"code ROME « {text} » en minuscules, lu {upper}.")
    return None, Issue("rome_invalid", f"code ROME « {text} » invalide (forme K2204 attendue) ; ignoré.")


def parse_int(raw: object, what: str) -> tuple[int | None, Issue | None]:
    text = _digits_only(raw).replace(",", ".")
    if not text:
        return None, None
    if re.fullmatch(r"\d+(?:\.0+)?", text):
        return int(text.split(".")[0]), None
    return None, Issue("number_invalid", f"{what} « {text} » : nombre entier attendu ; ignoré.")


def parse_float(raw: object, what: str) -> tuple[float | None, Issue | None]:
    text = _digits_only(raw).replace(",", ".")
    if not text:
        return None, None
    try:
        value = float(text)
    except ValueError:
        return None, Issue("number_invalid", f"{what} « {text} » : nombre attendu ; ignoré.")
    if value != value or value in (float("inf"), float("-inf")):
        return None, Issue("number_invalid", f"{what} « {text} » : nombre attendu ; ignoré.")
    return value, None


def check_lat_lon(lat: float | None, lon: float | None) -> tuple[float | None, float | None, Issue | None]:
    """Keep a coordinate pair only when both are present and plausible for France (overseas included)."""
    if lat is None or lon is None:
        return None, None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        message = f"coordonnées ({lat}, {lon}) hors limites ; ignorées."
        return None, None, Issue("coordinates_invalid", message)
    return round(lat, 6), round(lon, 6), None
