"""SIRET and SIREN: validation and normalisation of what spreadsheets and open data actually contain.

A SIRET is 14 digits (SIREN on 9 + establishment number on 5) checked with Luhn on the 14 digits.
La Poste is the one documented exception: its establishments share SIREN 356000000 and their SIRETs
are valid when the plain digit sum is a multiple of 5 (Luhn cannot hold for thousands of offices on
5 digits); the head office, 35600000000048, passes Luhn instead, so both tests are accepted there.

Real files break SIRETs in predictable ways (shared/data/structures): Excel drops the leading zero
(13 digits), turns the number into a float ("12345678901234.0" or "1.2345678901234E+13"), people type
spaces, dots or non-breaking spaces, and some lists carry a 15th character. A lost leading zero is never
repaired silently: the 0-prefixed form is offered as a `suggestion` for a human to confirm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

LA_POSTE_SIREN = "356000000"

SIRET_LENGTH = 14
SIREN_LENGTH = 9

STATUS_VALID = "valid"
STATUS_INVALID_CHECKSUM = "invalid_checksum"
STATUS_LOST_LEADING_ZERO = "lost_leading_zero"
STATUS_WRONG_LENGTH = "wrong_length"
STATUS_EMPTY = "empty"
STATUS_NOT_DIGITS = "not_digits"

STATUSES = (
    STATUS_VALID,
    STATUS_INVALID_CHECKSUM,
    STATUS_LOST_LEADING_ZERO,
    STATUS_WRONG_LENGTH,
    STATUS_EMPTY,
    STATUS_NOT_DIGITS,
)

# Separators people and exports put inside identifiers: ordinary, non-breaking and narrow spaces,
# dots, hyphens, underscores, slashes, tabs.
_SEPARATORS = re.compile(r"[\s\u00a0\u202f\u2007.\-_/]+")
# What Excel does to a 14-digit number: "12345678901234.0", "12345678901234,00", "1.2345678901234E+13".
_FLOAT_LIKE = re.compile(r"^\s*(\d+)[.,]0+\s*$")
_SCIENTIFIC = re.compile(r"^\s*\d(?:[.,]\d+)?[eE]\+?\d+\s*$")


@dataclass(frozen=True)
class SiretCheck:
    """The outcome of reading one raw SIRET value."""

    raw: str
    status: str
    value: str | None = None
    siren: str | None = None
    suggestion: str | None = None
    message_fr: str = ""

    @property
    def is_valid(self) -> bool:
        return self.status == STATUS_VALID


def luhn_ok(digits: str) -> bool:
    """True when a digit string passes the Luhn check (the rightmost digit is the check digit)."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _is_la_poste(digits: str) -> bool:
    return digits.startswith(LA_POSTE_SIREN)


def is_valid_siren(s: str) -> bool:
    """A SIREN is 9 digits passing Luhn (La Poste's 356000000 passes it too)."""
    return isinstance(s, str) and len(s) == SIREN_LENGTH and luhn_ok(s)


def is_valid_siret(s: str) -> bool:
    """A SIRET is 14 digits passing Luhn, or La Poste's rule (digit sum multiple of 5)."""
    if not isinstance(s, str) or len(s) != SIRET_LENGTH or not s.isascii() or not s.isdigit():
        return False
    if luhn_ok(s):
        return True
    return _is_la_poste(s) and sum(int(c) for c in s) % 5 == 0


def _clean(raw: str) -> str:
    text = raw.strip()
    if _SCIENTIFIC.match(text):
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return _SEPARATORS.sub("", text)
        if number == number.to_integral_value():
            return str(int(number))
    float_like = _FLOAT_LIKE.match(text)
    if float_like:
        return float_like.group(1)
    return _SEPARATORS.sub("", text)


def normalize_siret(raw: object) -> SiretCheck:
    """Read a raw value (string, int, float, None) and say whether it is a usable SIRET.

    `value` is set only for a valid SIRET; a 13-digit value whose 0-prefixed form is valid gets the
    `lost_leading_zero` status with that form in `suggestion`, never in `value`.
    """
    if raw is None:
        return SiretCheck(raw="", status=STATUS_EMPTY, message_fr="SIRET absent.")
    if isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, float):
        text = repr(raw) if not raw.is_integer() else str(int(raw))
    else:
        text = str(raw)
    cleaned = _clean(text)
    if not cleaned:
        return SiretCheck(raw=text, status=STATUS_EMPTY, message_fr="SIRET absent.")
    if not (cleaned.isascii() and cleaned.isdigit()):
        return SiretCheck(
            raw=text,
            status=STATUS_NOT_DIGITS,
            message_fr=f"SIRET « {text.strip()} » : un SIRET ne contient que des chiffres (14).",
        )
    length = len(cleaned)
    if length == SIRET_LENGTH:
        if is_valid_siret(cleaned):
            return SiretCheck(
                raw=text,
                status=STATUS_VALID,
                value=cleaned,
                siren=cleaned[:SIREN_LENGTH],
                message_fr="SIRET valide.",
            )
        return SiretCheck(
            raw=text,
            status=STATUS_INVALID_CHECKSUM,
            siren=cleaned[:SIREN_LENGTH],
            message_fr=(
                f"SIRET {cleaned} : la clé de contrôle est fausse (erreur de saisie probable, "
                "vérifiez sur annuaire-entreprises.data.gouv.fr)."
            ),
        )
    if length == SIRET_LENGTH - 1:
        candidate = "0" + cleaned
        if is_valid_siret(candidate):
            return SiretCheck(
                raw=text,
                status=STATUS_LOST_LEADING_ZERO,
                siren=candidate[:SIREN_LENGTH],
                suggestion=candidate,
                message_fr=(
                    f"SIRET {cleaned} : 13 chiffres, le zéro initial a probablement été perdu par un "
                    f"tableur ; {candidate} est valide, à confirmer."
                ),
            )
        return SiretCheck(
            raw=text,
            status=STATUS_WRONG_LENGTH,
            message_fr=(
                f"SIRET {cleaned} : 13 chiffres au lieu de 14, et l'ajout d'un zéro initial ne donne "
                "pas un SIRET valide."
            ),
        )
    if length == SIRET_LENGTH + 1:
        return SiretCheck(
            raw=text,
            status=STATUS_WRONG_LENGTH,
            message_fr=(
                f"SIRET {cleaned} : 15 chiffres au lieu de 14 (caractère en trop) ; "
                "impossible de savoir lequel retirer, à corriger à la source."
            ),
        )
    if length == SIREN_LENGTH:
        return SiretCheck(
            raw=text,
            status=STATUS_WRONG_LENGTH,
            siren=cleaned if is_valid_siren(cleaned) else None,
            message_fr=(
                f"« {cleaned} » : 9 chiffres, c'est un SIREN (l'entreprise), pas un SIRET "
                "(l'établissement, 14 chiffres)."
            ),
        )
    return SiretCheck(
        raw=text,
        status=STATUS_WRONG_LENGTH,
        message_fr=f"SIRET {cleaned} : {length} chiffres au lieu de 14.",
    )


def normalize_siren(raw: object) -> str | None:
    """The 9-digit SIREN of a raw SIREN or SIRET value, or None when it cannot be trusted."""
    if raw is None:
        return None
    cleaned = _clean(str(raw))
    if len(cleaned) == SIREN_LENGTH and is_valid_siren(cleaned):
        return cleaned
    check = normalize_siret(raw)
    return check.siren if check.is_valid else None
