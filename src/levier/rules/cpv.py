"""CPV 2008 (Common Procurement Vocabulary, Regulation (EC) No 213/2008): codes, hierarchy, labels.

A CPV code is 8 digits plus a check digit ("45000000-7"). The hierarchy is read from the trailing
zeros: division (2 significant digits), group (3), class (4), category (5), then finer levels down
to 8 digits. Works are division 45; divisions 03 to 44 and 48 (software packages) are supplies;
divisions 50 to 98 are services (Annex I of the regulation: "Main vocabulary").

The check digit is not described in the regulation. It is recomputed here with the weights 3, 7, 1,
3, 7, 1, 3, 7 on the 8 digits, sum modulo 10, which reproduces the official lists; one quirk was found
in them: below division 09 (not 09000000 itself) every published check digit is that value plus 6,
modulo 10 (09310000-5, 09100000-0...). It is kept as published, since buyers copy the official
digit. docs/refdata.md explains how this was checked.

Labels are not shipped: users load an official file (eForms SDK translations or SIMAP cpv_2008.xml)
with `levier refdata cpv FILE`; every function here works on codes alone without it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

CODE_LENGTH = 8

# The 45 divisions of CPV 2008 (Annex I of Regulation (EC) No 213/2008). A 7-digit code is only
# repaired into "0" + code when that lands on a real division (03 or 09).
DIVISIONS = frozenset(
    {
        "03", "09", "14", "15", "16", "18", "19", "22", "24", "30", "31", "32", "33", "34", "35",
        "37", "38", "39", "41", "42", "43", "44", "45", "48", "50", "51", "55", "60", "63", "64",
        "65", "66", "70", "71", "72", "73", "75", "76", "77", "79", "80", "85", "90", "92", "98",
    }
)  # fmt: skip

WORKS_DIVISION = "45"
SOFTWARE_DIVISION = "48"
NATURES = ("works", "supplies", "services")
NATURE_LABELS_FR = {"works": "travaux", "supplies": "fournitures", "services": "services"}

_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7)
_DIVISION_09_OFFSET = 6

LEVEL_NAMES = {1: "division", 2: "group", 3: "class", 4: "category"}
LEVEL_LABELS_FR = {1: "division", 2: "groupe", 3: "classe", 4: "catégorie"}

STATUS_VALID = "valid"
STATUS_LOST_LEADING_ZERO = "lost_leading_zero"
STATUS_WRONG_CHECK_DIGIT = "wrong_check_digit"
STATUS_UNKNOWN_DIVISION = "unknown_division"
STATUS_UNKNOWN_CODE = "unknown_code"
STATUS_WRONG_LENGTH = "wrong_length"
STATUS_NOT_DIGITS = "not_digits"
STATUS_EMPTY = "empty"

_SEPARATORS = re.compile(r"[\s\u00a0\u202f\u2007._']+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
# The code (7 to 9 digits), an optional "-D" check digit, then possibly a label: "45000000-7 Travaux".
_CODE_PATTERN = re.compile(r"^(?P<digits>\d+)(?:-(?P<check>\d))?(?=$|[^\d])")
_EXCEL_FLOAT = re.compile(r"^(\d{7,8})[.,]0+$")


class CpvError(ValueError):
    """A value that is not a CPV code where one is required."""


@dataclass(frozen=True)
class CpvCheck:
    """The outcome of reading one raw CPV value."""

    raw: str
    status: str
    code: str | None = None
    check_digit_given: int | None = None
    message_fr: str = ""

    @property
    def is_usable(self) -> bool:
        """The 8 digits can be trusted: valid, or a leading zero restored without doubt."""
        return self.code is not None and self.status in (STATUS_VALID, STATUS_LOST_LEADING_ZERO)

    @property
    def formatted(self) -> str | None:
        return format_cpv(self.code) if self.code else None


def check_digit(code8: str) -> int:
    """The check digit of an 8-digit CPV code as it appears in the official lists."""
    if len(code8) != CODE_LENGTH or not code8.isascii() or not code8.isdigit():
        raise CpvError(f"Code CPV attendu sur 8 chiffres : « {code8} ».")
    value = sum(weight * int(digit) for weight, digit in zip(_WEIGHTS, code8, strict=True)) % 10
    if code8.startswith("09") and code8 != "09000000":
        value = (value + _DIVISION_09_OFFSET) % 10
    return value


def format_cpv(code: str) -> str:
    """ "45000000" -> "45000000-7"."""
    code8 = _require_code(code)
    return f"{code8}-{check_digit(code8)}"


def _clean(raw: str) -> str:
    text = _DASHES.sub("-", raw.strip())
    excel = _EXCEL_FLOAT.match(text)
    if excel:
        return excel.group(1)
    text = _SEPARATORS.sub("", text)
    return re.sub(r"\s*-\s*", "-", text)


def normalize_cpv(raw: object, catalogue: CpvCatalogue | None = None) -> CpvCheck:
    """Read a raw CPV value as found in plans and open data, and say what it is worth.

    Accepted: "45000000-7", "45000000", "45 000 000 - 7", "450000007" (check digit glued), a lost
    leading zero "3000000" or "3000000-1", a float from a spreadsheet, a code followed by its label.
    With a non-empty catalogue, a well-formed code missing from it gets `unknown_code`.
    """
    if raw is None:
        return CpvCheck(raw="", status=STATUS_EMPTY, message_fr="Code CPV absent.")
    text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
    cleaned = _clean(text)
    if not cleaned:
        return CpvCheck(raw=text, status=STATUS_EMPTY, message_fr="Code CPV absent.")
    match = _CODE_PATTERN.match(cleaned)
    if not match:
        return CpvCheck(
            raw=text,
            status=STATUS_NOT_DIGITS,
            message_fr=f"« {text.strip()} » n'est pas un code CPV (8 chiffres, puis un chiffre de contrôle).",
        )
    digits, check = match.group("digits"), match.group("check")
    given = int(check) if check is not None else None

    status = STATUS_VALID
    if len(digits) == CODE_LENGTH + 1 and given is None:
        # "450000007": the check digit glued to the code, trusted only when it matches.
        if check_digit(digits[:CODE_LENGTH]) != int(digits[-1]):
            return _wrong_length(text, digits)
        digits, given = digits[:CODE_LENGTH], int(digits[-1])
    elif len(digits) == CODE_LENGTH - 1:
        digits = "0" + digits
        status = STATUS_LOST_LEADING_ZERO
    elif len(digits) != CODE_LENGTH:
        return _wrong_length(text, digits)

    if digits[:2] not in DIVISIONS:
        return CpvCheck(
            raw=text,
            status=STATUS_UNKNOWN_DIVISION,
            check_digit_given=given,
            message_fr=f"Code CPV {digits} : la division {digits[:2]} n'existe pas dans le CPV 2008.",
        )
    expected = check_digit(digits)
    if given is not None and given != expected:
        return CpvCheck(
            raw=text,
            status=STATUS_WRONG_CHECK_DIGIT,
            code=digits,
            check_digit_given=given,
            message_fr=(
                f"Code CPV {digits}-{given} : le chiffre de contrôle devrait être {expected} "
                f"({digits}-{expected}) ; le code ou le chiffre de contrôle est mal saisi."
            ),
        )
    if catalogue is not None and len(catalogue) and digits not in catalogue:
        return CpvCheck(
            raw=text,
            status=STATUS_UNKNOWN_CODE,
            code=digits,
            check_digit_given=given,
            message_fr=f"Code CPV {digits}-{expected} : absent de la nomenclature CPV 2008 chargée.",
        )
    if status == STATUS_LOST_LEADING_ZERO:
        message = (
            f"Code CPV {digits}-{expected} : le zéro initial avait été perdu (7 chiffres, "
            "probablement un tableur) ; il a été rétabli."
        )
    else:
        message = f"Code CPV {digits}-{expected} valide."
    return CpvCheck(raw=text, status=status, code=digits, check_digit_given=given, message_fr=message)


def _wrong_length(text: str, digits: str) -> CpvCheck:
    return CpvCheck(
        raw=text,
        status=STATUS_WRONG_LENGTH,
        message_fr=f"Code CPV « {digits} » : {len(digits)} chiffres au lieu de 8.",
    )


def _require_code(code: str) -> str:
    """An 8-digit code from a code or a formatted code; raises CpvError otherwise."""
    if isinstance(code, str) and len(code) == CODE_LENGTH and code.isascii() and code.isdigit():
        return code
    check = normalize_cpv(code)
    if check.code is None:
        raise CpvError(check.message_fr)
    return check.code


def significant_length(code: str) -> int:
    """How many leading digits carry meaning: 2 for a division, up to 8."""
    code8 = _require_code(code)
    return max(2, len(code8.rstrip("0")))


def level(code: str) -> int:
    """1 division, 2 group, 3 class, 4 category, 5 to 7 the finer subdivisions."""
    return significant_length(code) - 1


def _prefix_code(code: str, length: int) -> str:
    code8 = _require_code(code)
    return code8[:length].ljust(CODE_LENGTH, "0")


def division(code: str) -> str:
    return _prefix_code(code, 2)


def group(code: str) -> str:
    return _prefix_code(code, 3)


def class_(code: str) -> str:
    return _prefix_code(code, 4)


def category(code: str) -> str:
    return _prefix_code(code, 5)


def parent(code: str) -> str | None:
    """The code one level up in the structure (None for a division).

    The structural parent may be missing from the nomenclature (a few levels are skipped);
    CpvCatalogue.parent() walks up to the nearest code that exists.
    """
    length = significant_length(code)
    if length <= 2:
        return None
    return _prefix_code(code, length - 1)


def ancestors(code: str) -> list[str]:
    """Structural ancestors from the division down to the parent."""
    chain: list[str] = []
    current = parent(code)
    while current is not None:
        chain.append(current)
        current = parent(current)
    return list(reversed(chain))


def is_within(code: str, scope: str) -> bool:
    """True when `code` is `scope` or below it in the hierarchy."""
    scope_length = significant_length(scope)
    return _require_code(code)[:scope_length] == _require_code(scope)[:scope_length]


def nature(code: str) -> str:
    """ "works" for division 45, "supplies" for divisions below 45 and 48, "services" otherwise."""
    div = _require_code(code)[:2]
    if div == WORKS_DIVISION:
        return "works"
    if div < WORKS_DIVISION or div == SOFTWARE_DIVISION:
        return "supplies"
    return "services"


# --- Official label files -------------------------------------------------------------------------

_EFORMS_KEY = re.compile(r"^code\|name\|cpv\.(\d{8})$")
_EFORMS_LANG_FILES = ("code_{lang}.xml", "eforms_code_{lang}.xml")


def read_eforms_labels(path: str | Path, lang: str = "fr") -> dict[str, str]:
    """CPV labels from an eForms SDK translation file (Java properties XML, one file per language).

    Keys look like `code|name|cpv.45000000`. `path` may be the file itself or the SDK's translations/
    directory, in which case the file for `lang` is picked.
    """
    source = Path(path)
    if source.is_dir():
        for pattern in _EFORMS_LANG_FILES:
            candidate = source / pattern.format(lang=lang.lower())
            if candidate.exists():
                source = candidate
                break
        else:
            raise FileNotFoundError(
                f"Aucun fichier de traduction eForms pour la langue « {lang} » dans {path}."
            )
    labels: dict[str, str] = {}
    for _event, element in ET.iterparse(source, events=("end",)):
        if element.tag == "entry":
            match = _EFORMS_KEY.match(element.get("key", ""))
            if match and element.text:
                labels[match.group(1)] = element.text.strip()
            element.clear()
    return labels


def read_simap_cpv(path: str | Path, lang: str = "FR") -> dict[str, str]:
    """CPV labels from SIMAP's cpv_2008.xml (`<CPV CODE="03000000-1"><TEXT LANG="FR">...`).

    Codes whose published check digit disagrees with check_digit() are kept (the file is the
    reference), the code being the 8 digits.
    """
    wanted = lang.upper()
    labels: dict[str, str] = {}
    for _event, element in ET.iterparse(Path(path), events=("end",)):
        if element.tag != "CPV":
            continue
        raw_code = (element.get("CODE") or "").strip()
        digits = raw_code.split("-")[0]
        if len(digits) == CODE_LENGTH and digits.isdigit():
            for text in element.iter("TEXT"):
                if (text.get("LANG") or "").upper() == wanted and text.text:
                    labels[digits] = text.text.strip()
                    break
        element.clear()
    return labels


def detect_format(path: str | Path) -> str:
    """ "eforms" or "simap", from the first bytes of an XML file."""
    with open(path, "rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace")
    if "<properties" in head or "code|name|" in head:
        return "eforms"
    if "<CPV_CODE" in head or "<CPV " in head:
        return "simap"
    raise CpvError(
        f"{Path(path).name} : format non reconnu "
        "(attendu : traduction eForms code_fr.xml ou SIMAP cpv_2008.xml)."
    )


def read_labels(path: str | Path, lang: str = "fr") -> dict[str, str]:
    """Labels from either official format, detected from the file's content."""
    if detect_format(path) == "eforms":
        return read_eforms_labels(path, lang)
    return read_simap_cpv(path, lang)


# --- Catalogue -------------------------------------------------------------------------------------


class CpvCatalogue:
    """The CPV nomenclature as loaded by the user (may be empty: everything still works on codes)."""

    def __init__(self, labels: Mapping[str, str] | None = None, source: Mapping[str, str] | None = None):
        self._labels = dict(labels or {})
        self.source = dict(source or {})
        self._children: dict[str, list[str]] | None = None

    @classmethod
    def from_file(cls, path: str | Path, lang: str = "fr") -> CpvCatalogue:
        return cls(read_labels(path, lang), source={"file": Path(path).name})

    @classmethod
    def load(cls, store: object | None = None) -> CpvCatalogue:
        """The catalogue saved by `levier refdata cpv`, or an empty one when none was loaded."""
        from levier.rules import refstore

        chosen = store if isinstance(store, refstore.RefStore) else refstore.RefStore()
        dataset = chosen.load("cpv")
        if dataset is None:
            return cls()
        return cls(dataset.payload.get("labels", {}), source=dataset.provenance)

    def __len__(self) -> int:
        return len(self._labels)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._labels

    @property
    def loaded(self) -> bool:
        return bool(self._labels)

    def codes(self) -> list[str]:
        return sorted(self._labels)

    def label(self, code: str) -> str | None:
        check = normalize_cpv(code)
        return self._labels.get(check.code) if check.code else None

    def describe(self, code: str) -> str:
        """ "45000000-7 Travaux de construction", or the formatted code alone without labels."""
        code8 = _require_code(code)
        text = self._labels.get(code8)
        return f"{format_cpv(code8)} {text}" if text else format_cpv(code8)

    def parent(self, code: str) -> str | None:
        """The nearest ancestor present in the catalogue (structural parent when it is empty)."""
        current = parent(code)
        if not self._labels:
            return current
        while current is not None and current not in self._labels:
            current = parent(current)
        return current

    def children(self, code: str) -> list[str]:
        """Codes of the catalogue whose nearest existing ancestor is `code`."""
        if self._children is None:
            index: dict[str, list[str]] = {}
            for each in sorted(self._labels):
                up = self.parent(each)
                if up is not None:
                    index.setdefault(up, []).append(each)
            self._children = index
        return list(self._children.get(_require_code(code), []))

    def descendants(self, code: str) -> list[str]:
        return [each for each in self.codes() if each != code and is_within(each, code)]

    def search(self, words: str, limit: int = 20) -> list[str]:
        """Codes whose label contains every word (accent and case insensitive)."""
        from levier.rules.text import fold

        needles = fold(words).split()
        if not needles:
            return []
        found = [code for code, text in sorted(self._labels.items()) if all(n in fold(text) for n in needles)]
        return found[:limit]


def codes_from(values: Iterable[object]) -> list[str]:
    """The usable 8-digit codes among raw values, in order, without duplicates."""
    seen: dict[str, None] = {}
    for value in values:
        check = normalize_cpv(value)
        if check.is_usable and check.code:
            seen.setdefault(check.code, None)
    return list(seen)


def import_file(path: str | Path, store: object | None = None, lang: str = "fr") -> object:
    """Read an official CPV file (eForms or SIMAP) and save its normalised copy in the store.

    Returns the saved refstore.Dataset. Raises CpvError when the file holds no CPV label.
    """
    from levier.rules import refstore

    chosen = store if isinstance(store, refstore.RefStore) else refstore.RefStore()
    source_format = detect_format(path)
    labels = read_eforms_labels(path, lang) if source_format == "eforms" else read_simap_cpv(path, lang)
    if not labels:
        raise CpvError(f"{Path(path).name} : aucun libellé CPV trouvé pour la langue « {lang} ».")
    return chosen.save(
        "cpv",
        {"lang": lang.lower(), "labels": labels},
        path,
        source_format=source_format,
        records=len(labels),
    )
