"""Parsers of the values French buyers type into spreadsheets: amounts, dates, durations, natures, yes/no.

Every parser takes whatever a cell holds (text, a number Excel typed, a datetime, None) and returns a
`Parsed` result: the value, or None with a French `error`, plus an optional French `warning` when the
reading is a guess the user should check. They never raise on user input: an importer turns the messages
into row errors, so one bad cell never stops a file.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

from levier.rules.text import fold_words

T = TypeVar("T")


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A parsed cell: `value` is None when the cell is empty or unreadable (then `error` says why)."""

    value: T | None = None
    warning: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class AmountParse(Parsed[Decimal]):
    """An amount; `includes_tax` is True for TTC, False for HT, None when the text says neither.

    `per_year` is True when the cell itself says "/an" or "par an", False for "total" or "sur la durée",
    None otherwise (then the column header decides).
    """

    includes_tax: bool | None = None
    per_year: bool | None = None


class DatePrecision(enum.StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    SEMESTER = "semester"
    YEAR = "year"


_PRECISION_MONTHS = {DatePrecision.MONTH: 1, DatePrecision.QUARTER: 3, DatePrecision.SEMESTER: 6}


@dataclass(frozen=True, order=True)
class ApproxDate:
    """A date known to a period: `first_day` represents it, `precision` says how wide the period is."""

    first_day: dt.date
    precision: DatePrecision

    @property
    def last_day(self) -> dt.date:
        if self.precision is DatePrecision.DAY:
            return self.first_day
        if self.precision is DatePrecision.YEAR:
            return dt.date(self.first_day.year, 12, 31)
        months = _PRECISION_MONTHS[self.precision]
        month_index = self.first_day.month - 1 + months
        next_start = dt.date(self.first_day.year + month_index // 12, month_index % 12 + 1, 1)
        return next_start - dt.timedelta(days=1)

    @property
    def year(self) -> int:
        return self.first_day.year

    def label_fr(self) -> str:
        """How the period reads in French, for previews and messages."""
        d = self.first_day
        if self.precision is DatePrecision.DAY:
            return d.strftime("%d/%m/%Y")
        if self.precision is DatePrecision.MONTH:
            return f"{MONTH_NAMES_FR[d.month - 1]} {d.year}"
        if self.precision is DatePrecision.QUARTER:
            return f"T{(d.month - 1) // 3 + 1} {d.year}"
        if self.precision is DatePrecision.SEMESTER:
            return f"S{(d.month - 1) // 6 + 1} {d.year}"
        return str(d.year)


DateParse = Parsed[ApproxDate]


class Nature(enum.StrEnum):
    """Nature of a public contract (CCP L1111-2 to L1111-4)."""

    WORKS = "travaux"
    SUPPLIES = "fournitures"
    SERVICES = "services"


MONTH_NAMES_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _finite_decimal(raw: int | float | Decimal) -> Decimal | None:
    """A typed number as a Decimal, None for NaN and infinities (which no cell should hold)."""
    # repr() of a float is the shortest text that reads back to it: 12000.5 stays 12000.5, not 12000.4999...
    value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    return value if value.is_finite() else None


def _show(raw: object) -> str:
    """The raw value as the user typed it, for quoting in a message."""
    return str(raw).strip()


# --- Amounts ---------------------------------------------------------------------------------------------

# Every kind of space a spreadsheet or a copy from a PDF puts between thousands, and the apostrophe of the
# Swiss style; they are dropped before the digits are read.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009\u200a\u2008']+")
# Words that stand for "not known yet": the cell is empty for the importer, with a warning, not an error.
_UNKNOWN_WORDS = {
    "nc",
    "n.c.",
    "n.c",
    "nd",
    "n.d.",
    "?",
    "??",
    "???",
    "-",
    "--",
    "/",
    "x",
    "xx",
    "xxx",
    "inconnu",
    "non connu",
    "non communique",
    "non defini",
    "a definir",
    "a determiner",
    "a preciser",
    "a venir",
    "tbd",
    "neant",
    "sans objet",
    "so",
    "s.o.",
}
# Tax words, folded: "TTC", "T.T.C.", "toutes taxes comprises"; "HT", "H.T.", "HTVA", "hors taxes".
_TAX_TTC = re.compile(
    r"\bt\.?\s?t\.?\s?c\.?(?=[\s/),;]|$)|\btoutes taxes comprises\b|\btva (?:comprise|incluse)\b"
)
_TAX_HT = re.compile(r"\bh\.?\s?t\.?(?:\s?v\.?\s?a\.?)?(?=[\s/),;]|$)|\bhors (?:taxes?|tva)\b")
_CURRENCY = re.compile(r"€|\beuros?\b|\beur\b")
# Multipliers as buyers write them after the number: 150k€, 150 K€, 1,2 M€, 1.2M, 2 millions, 1 Md€.
_MULTIPLIERS = (
    (re.compile(r"(?:mds?|milliards?)$"), Decimal(1_000_000_000)),
    (re.compile(r"(?:m|millions?|meur|me)$"), Decimal(1_000_000)),
    (re.compile(r"(?:k|keur|ke|milliers?)$"), Decimal(1_000)),
)
# How a cell says what the amount covers, matched on the folded text (apostrophes are "'", no accents), with
# whatever slash or word joins it to the figure: "/an", "/ an", "/ l'an", "par an", "l'an", "à l'année",
# "par année", "chaque année", "annuel", "annuellement"...
_PER_YEAR = re.compile(
    r"(?:(?:/|\bpar\b|\bchaque\b|\ba\b)\s*(?:l'\s*|une?\s+)?|\bl'\s*)(?:an|annee)s?\b"
    r"|\bannuel(?:le)?s?\b|\bannuellement\b"
)
_PER_MONTH = re.compile(r"(?:/|\bpar\b|\bchaque\b)\s*(?:le\s+)?mois\b|\bmensuel(?:le)?s?\b|\bmensuellement\b")
# "total", "au total", "en tout", "global", "sur la durée (du marché)", "pluriannuel", "cumulé".
_WHOLE_DURATION = re.compile(
    r"\b(?:sur|pour)\s+(?:la|toute\s+la)\s+duree(?:\s+(?:du|de\s+la|de\s+l'|des)\s*[a-z][a-z-]*)?"
    r"|\b(?:au\s+|en\s+)?total(?:e|es|ise|isee)?\b|\ben\s+tout\b|\bglobal(?:e|ement)?\b"
    r"|\bpluriannuel(?:le)?s?\b|\bcumulee?s?\b"
)
# "sur 4 ans", "pour 48 mois": a total, unless the cell also says the figure is yearly or monthly.
_OVER_PERIOD = re.compile(r"\b(?:sur|pour)\s+\d+\s*(?:ans?|annees?|mois)\b")
# Words of an estimate that change nothing to the figure: "environ 12 000 €", "~12 k€", "12 000 € max".
_ESTIMATE = re.compile(
    r"~|≈|\benv\.|\benviron\b|\bapprox(?:\.|imativement\b)?|\bestimee?s?\b|\bmax(?:\.|imum\b)?|\bplafond\b"
)
# "12 000,- €": the Swiss and German way of saying "no cents".
_NO_CENTS = re.compile(r"(?<=\d)[.,]-(?=\s|$)")
# What removing the words above leaves between or around the figure: "/", "( )", ":".
_LEFT_PUNCTUATION = re.compile(r"\(\s*\)|(?:^|(?<=\s))[/:]+(?=\s|$)|[/:]+$")
_WORDS = re.compile(r"[a-z][a-z'.-]*")
_NUMBER = re.compile(r"^[0-9.,]*[0-9][0-9.,]*$")
_RANGE = re.compile(r"^(?:entre\s+)?(?P<low>[^a-z]*?[0-9][^a-z]*?)\s*(?:a|et|-|–)\s*(?P<high>[0-9].*)$")
_EXPECTED = (
    "Attendu : un nombre comme 12 000,50 € ou 1,2 M€, suivi au besoin de HT ou TTC et de « par an » ou "
    "« au total »."
)


def parse_amount(raw: object) -> AmountParse:
    """Read an amount in euros: `12 000,50 €`, `1,2 M€`, `150k€`, `1.500.000,00`, `12,000.50`, a number.

    The cell may also say what the amount covers (`12 000 € HT / l'an`, `300 k€ sur la durée du marché`,
    `1 000 €/mois`, counted ×12 with a warning) and whether it is HT or TTC. A negative amount is returned as
    such (credit notes exist); the caller decides whether it is allowed.
    """
    if _is_blank(raw):
        return AmountParse()
    if isinstance(raw, bool):
        return AmountParse(error=f"Montant illisible : « {_show(raw)} » n'est pas un nombre.")
    if isinstance(raw, int | float | Decimal):
        return _amount_from_number(raw)
    if not isinstance(raw, str):
        return AmountParse(error=f"Montant illisible : « {_show(raw)} ».")
    return _plain_amount(raw) or _amount_from_words(raw)


# A plain amount as exports write it: "1 754,33", "-12,5", "1754.33", "980". Read directly, it gives exactly
# what the full reading gives (tests/steering/test_reader.py compares both on many such cells), several times
# faster; anything else ("1.500", "12 k€", "100 TTC", "(12,00)") is read word by word.
_PLAIN_AMOUNT = re.compile(r"(-?)(\d{1,3}(?: \d{3}){1,3}|\d{1,12})(?:[.,](\d{1,2}))?")


def _plain_amount(raw: str) -> AmountParse | None:
    match = _PLAIN_AMOUNT.fullmatch(raw)
    if match is None:
        return None
    sign, integer, fraction = match.groups()
    value = Decimal(f"{integer.replace(' ', '')}.{fraction or '0'}")
    if sign:
        value = -value  # as the full reading does: "-0" is 0
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return AmountParse(value=value)


def _amount_from_words(raw: str) -> AmountParse:
    """`parse_amount` of a text, word by word (units, multipliers, what it covers, HT or TTC)."""
    # The euro sign is spaced out before folding, since transliteration spells it "EUR" and would glue it to a
    # multiplier ("1 Md€" -> "1 mdeur").
    text = fold_words(raw.replace("\u2212", "-").replace("€", " € "))
    if text in _UNKNOWN_WORDS:
        return AmountParse(warning=f"Montant non renseigné (« {_show(raw)} ») : à compléter.")

    yearly, text = _remove(_PER_YEAR, text)
    monthly, text = _remove(_PER_MONTH, text)
    whole, text = _remove(_WHOLE_DURATION, text)
    over_period, text = _remove(_OVER_PERIOD, text)
    said = [words for words, found in zip(_COVERS_WORDS, (yearly, monthly, whole), strict=True) if found]
    if len(said) > 1:
        return AmountParse(
            error=f"Montant illisible : « {_show(raw)} » se dit à la fois {' et '.join(said)} : "
            "gardez une seule façon de compter (par an, par mois ou au total)."
        )
    per_year = True if yearly or monthly else False if whole or over_period else None

    ttc, text = _remove(_TAX_TTC, text)
    ht, text = _remove(_TAX_HT, text)
    if ttc and ht:
        return AmountParse(
            error=f"Montant illisible : « {_show(raw)} » se dit à la fois HT et TTC : gardez l'un des deux."
        )
    includes_tax = True if ttc else False if ht else None
    text = _CURRENCY.sub(" ", text)
    text = _ESTIMATE.sub(" ", text)
    text = _NO_CENTS.sub("", text)
    text = " ".join(_LEFT_PUNCTUATION.sub(" ", text).split())

    range_match = _RANGE.match(text)
    if range_match and not text.startswith("-"):
        result = _amount_range(raw, range_match.group("low"), range_match.group("high"), includes_tax)
        if monthly and result.value is not None:
            result = _yearly_from_monthly(raw, result)
        return AmountParse(**{**result.__dict__, "per_year": per_year})

    value, warning, error = _amount_from_text(text)
    if error:
        return AmountParse(error=f"Montant illisible : « {_show(raw)} ». {_unread_words(text) or error}")
    warnings = [w for w in (warning, _ttc_warning(includes_tax)) if w]
    result = AmountParse(
        value=value, includes_tax=includes_tax, per_year=per_year, warning=" ".join(warnings) or None
    )
    return _yearly_from_monthly(raw, result) if monthly else result


_COVERS_WORDS = ("« par an »", "« par mois »", "« au total »")


def _remove(pattern: re.Pattern[str], text: str) -> tuple[bool, str]:
    """Whether `pattern` occurs in `text`, and the text without it."""
    cleaned, count = pattern.subn(" ", text)
    return count > 0, cleaned


def _yearly_from_monthly(raw: str, result: AmountParse) -> AmountParse:
    """A monthly amount is counted for a year (×12), with a warning the buyer can check."""
    if result.value is None:
        return result
    yearly = result.value * 12
    if abs(yearly) >= _AMOUNT_LIMIT:
        return AmountParse(error=f"Montant invraisemblable : « {_show(raw)} ».")
    warning = (
        f"Montant mensuel « {_show(raw)} » : compté sur l'année, soit {format_amount_fr(yearly)} par an."
    )
    return AmountParse(
        value=yearly,
        includes_tax=result.includes_tax,
        per_year=True,
        warning=" ".join(w for w in (result.warning, warning) if w),
    )


def _unread_words(text: str) -> str | None:
    """The words left once figures, currency, tax and period are read: what the message should name."""
    words = [w for w in _WORDS.findall(text) if not any(p.fullmatch(w) for p, _ in _MULTIPLIERS)]
    if not words:
        return None
    return f"« {' '.join(words)} » n'est pas compris. {_EXPECTED}"


def format_amount_fr(value: Decimal) -> str:
    """12000.5 -> "12 000,50 €": how messages quote an amount back to a French user."""
    text = f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    return text.replace(",", "\u202f").replace(".", ",") + " €"


def _ttc_warning(includes_tax: bool | None) -> str | None:
    if includes_tax:
        return "Montant indiqué TTC : les seuils et les estimations se comptent HT."
    return None


def _amount_from_number(raw: int | float | Decimal) -> AmountParse:
    value = _finite_decimal(raw)
    if value is None:
        return AmountParse(error="Montant illisible : la cellule ne contient pas un nombre fini.")
    if abs(value) >= _AMOUNT_LIMIT:
        return AmountParse(error=f"Montant invraisemblable : « {_show(raw)} ».")
    return AmountParse(value=value)


def _amount_range(raw: str, low: str, high: str, includes_tax: bool | None) -> AmountParse:
    """`entre 40 et 90 k€`, `100 000 - 150 000`: the upper bound, since thresholds are judged on it."""
    high_value, _, high_error = _amount_from_text(high.strip())
    # A multiplier written only once ("40 à 90 k€") applies to both bounds.
    low_text = low.strip()
    if high_error is None and not any(pattern.search(low_text) for pattern, _ in _MULTIPLIERS):
        low_text += " " + re.sub(r"^[0-9.,\s]+", "", high.strip())
    low_value, _, low_error = _amount_from_text(low_text.strip())
    if high_error or low_error or high_value is None or low_value is None or low_value > high_value:
        return AmountParse(error=f"Montant illisible : « {_show(raw)} ».")
    return AmountParse(
        value=high_value,
        includes_tax=includes_tax,
        warning=f"Fourchette « {_show(raw)} » : la borne haute ({format_amount_fr(high_value)}) est retenue.",
    )


def _amount_from_text(text: str) -> tuple[Decimal | None, str | None, str | None]:
    """(value, warning, error) for a folded text already stripped of currency and tax words."""
    negative = False
    if text.startswith("(") and text.endswith(")"):  # accounting style (1 200,00)
        negative, text = True, text[1:-1].strip()
    if text.startswith("-"):
        negative, text = True, text[1:].strip()
    elif text.startswith("+"):
        text = text[1:].strip()

    multiplier = Decimal(1)
    for pattern, factor in _MULTIPLIERS:
        match = pattern.search(text)
        if match:
            multiplier, text = factor, text[: match.start()].strip()
            break
    number = _SPACES.sub("", text)
    if not _NUMBER.match(number):
        return None, None, _EXPECTED
    digits, warning = _resolve_separators(number, has_multiplier=multiplier != 1)
    if digits is None:
        return None, None, "Séparateurs de milliers et de décimales incohérents."
    try:
        value = Decimal(digits) * multiplier
    except InvalidOperation:
        return None, None, "Attendu : un nombre comme 12 000,50 €."
    value = -value if negative else value
    if abs(value) >= _AMOUNT_LIMIT:
        return None, None, "Montant invraisemblable (mille milliards d'euros ou plus)."
    # Normalise 1.2 × 1 000 000 = 1200000.0 into 1200000 so that equal amounts compare and print alike.
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return value, warning, None


# Above this a figure is a typing accident (and would overflow the decimal context when normalised).
_AMOUNT_LIMIT = Decimal(10) ** 12
_THOUSANDS_GROUPS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")


def _resolve_separators(number: str, *, has_multiplier: bool) -> tuple[str | None, str | None]:
    """Turn French, English or mixed separators into a plain decimal text; None when they contradict."""
    commas, dots = number.count(","), number.count(".")
    if commas and dots:
        # The separator written last is the decimal one: 1.500.000,00 (French), 12,000.50 (English).
        decimal_sep = "," if number.rfind(",") > number.rfind(".") else "."
        thousands_sep = "." if decimal_sep == "," else ","
        integer, _, fraction = number.rpartition(decimal_sep)
        if number.count(decimal_sep) > 1 or not _THOUSANDS_GROUPS.match(integer):
            return None, None
        return integer.replace(thousands_sep, "") + "." + fraction, None
    sep = "," if commas else "." if dots else ""
    if not sep:
        return number, None
    if number.count(sep) > 1:
        return (number.replace(sep, ""), None) if _THOUSANDS_GROUPS.match(number) else (None, None)
    integer, _, fraction = number.partition(sep)
    # One separator followed by exactly three digits: "1.500" or "12,000". Cents never come in threes, so
    # without a multiplier it is a thousands separator; with one ("1,250 M€") it is a decimal comma.
    if len(fraction) == 3 and not has_multiplier and integer not in ("", "0"):
        return integer + fraction, f"« {number} » lu comme {integer + fraction} (séparateur de milliers)."
    return (integer or "0") + "." + fraction, None


# --- Dates -----------------------------------------------------------------------------------------------

# Excel stores a date as days since 1899-12-30 (the 1900 leap-year bug included); LibreOffice does the same.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial numbers between 1955 and 2118: a plan's date, not a year typed as a number nor an amount.
_EXCEL_SERIAL_RANGE = (20_000, 80_000)
_YEAR_RANGE = (1990, 2100)

_MONTH_TOKENS = {
    "janvier": 1,
    "janv": 1,
    "jan": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "mar": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "sep": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
_ORDINALS = {
    "1": 1,
    "1er": 1,
    "1ere": 1,
    "premier": 1,
    "premiere": 1,
    "2": 2,
    "2e": 2,
    "2eme": 2,
    "2nd": 2,
    "2nde": 2,
    "deuxieme": 2,
    "second": 2,
    "seconde": 2,
    "3": 3,
    "3e": 3,
    "3eme": 3,
    "troisieme": 3,
    "4": 4,
    "4e": 4,
    "4eme": 4,
    "quatrieme": 4,
}
_ORDINAL = r"(?P<n>" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + r")"
_YEAR = r"(?P<year>\d{4}|\d{2})"

_ISO_DAY = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:[t ].*)?$")
_FR_DAY = re.compile(r"^(?P<day>\d{1,2})[/.\-](?P<month>\d{1,2})[/.\-]" + _YEAR + r"(?: .*)?$")
_MONTH_NUMBER = re.compile(
    r"^(?P<month>\d{1,2})[/.\-](?P<year>\d{4})$|^(?P<year2>\d{4})[/.\-](?P<month2>\d{1,2})$"
)
_MONTH_NAME = re.compile(
    r"^(?:(?:debut|courant|fin|mi|en|le)[\s\-]+)?(?:(?P<day>\d{1,2})(?:er)? )?(?P<name>[a-z]+)\.?[\s\-/]*"
    + _YEAR
    + r"$"
)
_QUARTER = re.compile(
    r"^(?:(?:t|q)\s?(?P<n1>[1-4])|"
    + _ORDINAL
    + r"\s?trim(?:estre|\.)?|trim(?:estre|\.)?\s?(?P<n2>[1-4]))[\s\-/]*"
    + _YEAR
    + r"$"
)
_QUARTER_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})[\s\-/]*(?:t|q)(?P<n1>[1-4])$")
_SEMESTER = re.compile(
    r"^(?:s\s?(?P<n1>[12])|"
    + _ORDINAL
    + r"\s?sem(?:estre|\.)?|sem(?:estre|\.)?\s?(?P<n2>[12]))[\s\-/]*"
    + _YEAR
    + r"$"
)
_SEMESTER_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})[\s\-/]*s(?P<n1>[12])$")
_YEAR_ONLY = re.compile(r"^(?:annee\s+)?(?P<year>\d{4})$")
_FUZZY_YEAR = re.compile(r"^(?P<when>debut|fin|courant|en)[\s\-]+(?:d'annee\s+|annee\s+)?(?P<year>\d{4})$")


def parse_date(raw: object) -> DateParse:
    """Read a planned date and its precision: `15/03/2027`, `2027-03-15`, `mars 2027`, `T2 2027`, `2027`."""
    if _is_blank(raw):
        return DateParse()
    if isinstance(raw, dt.datetime):
        return DateParse(value=ApproxDate(raw.date(), DatePrecision.DAY))
    if isinstance(raw, dt.date):
        return DateParse(value=ApproxDate(raw, DatePrecision.DAY))
    if isinstance(raw, bool):
        return DateParse(error=f"Date illisible : « {_show(raw)} ».")
    if isinstance(raw, int | float | Decimal):
        return _date_from_number(raw)
    if not isinstance(raw, str):
        return DateParse(error=f"Date illisible : « {_show(raw)} ».")

    text = fold_words(raw).replace("\u2013", "-")
    if text in _UNKNOWN_WORDS:
        return DateParse(warning=f"Date non renseignée (« {_show(raw)} ») : à compléter.")
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        # A serial number or a year that came through as text (CSV export of a date cell).
        return _date_from_number(Decimal(text.replace(",", ".")))
    result = _date_from_text(text)
    if result is None:
        return DateParse(
            error=f"Date illisible : « {_show(raw)} ». "
            "Attendu par exemple 15/03/2027, mars 2027, T2 2027 ou 2027."
        )
    value, warning = result
    if isinstance(value, str):
        return DateParse(error=f"Date illisible : « {_show(raw)} ». {value}")
    if not _YEAR_RANGE[0] <= value.first_day.year <= _YEAR_RANGE[1]:
        return DateParse(error=f"Date invraisemblable : « {_show(raw)} » (année {value.first_day.year}).")
    return DateParse(value=value, warning=warning)


def _date_from_number(raw: int | float | Decimal) -> DateParse:
    number = _finite_decimal(raw)
    if number is None:
        return DateParse(error="Date illisible : la cellule ne contient pas un nombre fini.")
    if number == number.to_integral_value() and _YEAR_RANGE[0] <= number <= _YEAR_RANGE[1]:
        return DateParse(value=ApproxDate(dt.date(int(number), 1, 1), DatePrecision.YEAR))
    if _EXCEL_SERIAL_RANGE[0] <= number <= _EXCEL_SERIAL_RANGE[1]:
        # The fraction is the time of day: irrelevant for a planned date.
        day = _EXCEL_EPOCH + dt.timedelta(days=int(number))
        return DateParse(value=ApproxDate(day, DatePrecision.DAY))
    return DateParse(error=f"Date illisible : le nombre « {raw} » n'est ni une année ni une date Excel.")


def _full_year(text: str) -> int:
    year = int(text)
    # Two-digit years in a purchase plan are this century's: "mars-27" is March 2027.
    return 2000 + year if len(text) == 2 else year


def _safe_day(year: int, month: int, day: int) -> ApproxDate | str:
    try:
        return ApproxDate(dt.date(year, month, day), DatePrecision.DAY)
    except ValueError:
        return f"Le {day:02d}/{month:02d}/{year} n'existe pas."


def _date_from_text(text: str) -> tuple[ApproxDate | str, str | None] | None:
    """(date, warning), (reason, None) for an impossible date, or None when no pattern matches."""
    if match := _ISO_DAY.match(text):
        return _safe_day(int(match["year"]), int(match["month"]), int(match["day"])), None
    if match := _FR_DAY.match(text):
        return _safe_day(_full_year(match["year"]), int(match["month"]), int(match["day"])), None
    if match := _MONTH_NUMBER.match(text):
        month = int(match["month"] or match["month2"])
        year = int(match["year"] or match["year2"])
        if not 1 <= month <= 12:
            return f"Le mois {month} n'existe pas.", None
        return ApproxDate(dt.date(year, month, 1), DatePrecision.MONTH), None
    if (match := _QUARTER.match(text)) or (match := _QUARTER_YEAR_FIRST.match(text)):
        return _period(match, DatePrecision.QUARTER)
    if (match := _SEMESTER.match(text)) or (match := _SEMESTER_YEAR_FIRST.match(text)):
        return _period(match, DatePrecision.SEMESTER)
    if match := _YEAR_ONLY.match(text):
        return ApproxDate(dt.date(int(match["year"]), 1, 1), DatePrecision.YEAR), None
    if match := _FUZZY_YEAR.match(text):
        return _fuzzy_year(match["when"], int(match["year"]))
    if (match := _MONTH_NAME.match(text)) and match["name"] in _MONTH_TOKENS:
        month = _MONTH_TOKENS[match["name"]]
        year = _full_year(match["year"])
        if match["day"]:
            return _safe_day(year, month, int(match["day"])), None
        return ApproxDate(dt.date(year, month, 1), DatePrecision.MONTH), None
    return None


def _period(match: re.Match[str], precision: DatePrecision) -> tuple[ApproxDate, None]:
    groups = match.groupdict()
    number = groups.get("n1") or groups.get("n2")
    index = int(number) if number else _ORDINALS[groups["n"]]
    months = _PRECISION_MONTHS[precision]
    limit = 12 // months
    index = min(index, limit)
    year = _full_year(match["year"])
    return ApproxDate(dt.date(year, (index - 1) * months + 1, 1), precision), None


def _fuzzy_year(when: str, year: int) -> tuple[ApproxDate, str | None]:
    # "début 2027" and "fin 2027" name a part of the year; a quarter is the honest precision, and the user
    # is told how it was read since the planned screening depends on the launch date.
    if when == "debut":
        value = ApproxDate(dt.date(year, 1, 1), DatePrecision.QUARTER)
    elif when == "fin":
        value = ApproxDate(dt.date(year, 10, 1), DatePrecision.QUARTER)
    else:  # "courant 2027", "en 2027"
        return ApproxDate(dt.date(year, 1, 1), DatePrecision.YEAR), None
    word = "début" if when == "debut" else when
    return value, f"« {word} {year} » lu comme {value.label_fr()}."


# --- Durations -------------------------------------------------------------------------------------------

_UNIT_MONTHS = {
    "an": Decimal(12),
    "ans": Decimal(12),
    "annee": Decimal(12),
    "annees": Decimal(12),
    "a": Decimal(12),
    "mois": Decimal(1),
    "m": Decimal(1),
    "semaine": Decimal(12) / Decimal(52),
    "semaines": Decimal(12) / Decimal(52),
    "sem": Decimal(12) / Decimal(52),
    "jour": Decimal(12) / Decimal(365),
    "jours": Decimal(12) / Decimal(365),
    "j": Decimal(12) / Decimal(365),
}
_UNIT = r"(?P<unit>ans?|annees?|mois|semaines?|sem|jours?|[amj])\b"
_TERM = re.compile(r"(?:(?P<times>\d+)\s*[x×\*]\s*)?(?P<number>\d+(?:[.,]\d+)?)\s*(?:" + _UNIT + r")?")
_RENEWALS = re.compile(
    r"(?:renouvelable|reconductible|reconduit|reconduction|renouvellement)s?\s*"
    r"(?:tacitement\s*|expressement\s*)?(?:(?P<count>\d+|une|deux|trois|quatre)\s*fois)?"
    r"(?:\s*(?:par\s+periode\s+de\s+)?(?P<period>\d+)\s*(?P<punit>ans?|mois))?"
)
_TERM_WITH_UNIT = re.compile(r"(?:\d+\s*[x×\*]\s*)?\d+(?:[.,]\d+)?\s*" + _UNIT)
_WORD_NUMBERS = {"une": 1, "deux": 2, "trois": 3, "quatre": 4}
_ONE_OFF_WORDS = {"ponctuel", "ponctuelle", "achat ponctuel", "livraison unique"}
_MAX_WORDS = re.compile(r"\b(?:max(?:imum)?|au plus|maxi)\b")


def parse_duration_months(raw: object, *, default_unit: str = "mois") -> Parsed[int]:
    """Read a duration in whole months: `36 mois`, `3 ans`, `1 an renouvelable 3 fois` (48), `4 ans max`.

    `default_unit` ("mois" or "ans") is the unit of a bare number, taken from the column header.
    """
    if _is_blank(raw):
        return Parsed()
    unit_factor = _UNIT_MONTHS[
        "ans" if fold_words(default_unit) in ("an", "ans", "annee", "annees") else "mois"
    ]
    if isinstance(raw, bool):
        return Parsed(error=f"Durée illisible : « {_show(raw)} ».")
    if isinstance(raw, int | float | Decimal):
        number = _finite_decimal(raw)
        if number is None:
            return Parsed(error="Durée illisible : la cellule ne contient pas un nombre fini.")
        return _months(number, unit_factor, raw, None)
    if not isinstance(raw, str):
        return Parsed(error=f"Durée illisible : « {_show(raw)} ».")

    text = fold_words(raw)
    if text in _UNKNOWN_WORDS or text in _ONE_OFF_WORDS:
        return Parsed(warning=f"Durée non chiffrée (« {_show(raw)} ») : à compléter en mois.")
    if "(" in text:
        # "48 mois (12 mois reconductible 3 fois)": the figure outside the brackets is the answer, the
        # brackets explain it. Read them only when the outside alone is not a duration.
        # Brackets that only add renewals ("1 an (renouvelable 3 fois)") are part of the reading.
        outside = re.sub(r"\(.*?\)", " ", text).strip()
        inside = " ".join(re.findall(r"\((.*?)\)", text))
        if outside and _sum_terms(outside, unit_factor) is not None and _TERM_WITH_UNIT.match(inside.strip()):
            text = outside
        else:
            text = text.replace("(", " ").replace(")", " ")
    notes: list[str] = []
    if _MAX_WORDS.search(text):
        text = _MAX_WORDS.sub(" ", text)
        notes.append("durée maximale")

    renewal = _RENEWALS.search(text)
    if renewal:
        text = text[: renewal.start()]
    base = _sum_terms(text, unit_factor)
    if base is None:
        return Parsed(error=f"Durée illisible : « {_show(raw)} ». Attendu par exemple 36 mois ou 3 ans.")
    total = base
    if renewal:
        count_text = renewal["count"]
        count = (_WORD_NUMBERS.get(count_text) or int(count_text)) if count_text else None
        if count is None:
            notes.append("reconduction de nombre inconnu : durée initiale seule")
        else:
            period = base
            if renewal["period"]:
                period = Decimal(renewal["period"]) * _UNIT_MONTHS[renewal["punit"]]
            total = base + period * count
            notes.append("reconductions comprises")
    return _months(total, Decimal(1), raw, "; ".join(notes) or None)


def _sum_terms(text: str, unit_factor: Decimal) -> Decimal | None:
    """Add up `12 mois + 3 x 12 mois`, `1+1+1 ans`, `2 ans et 6 mois`; a bare number takes the next unit."""
    terms = list(_TERM.finditer(text))
    leftover = _TERM.sub(" ", text)
    # A minus sign is never part of a duration ("-3 ans" is a typing error, not a credit).
    if (
        not terms
        or "-" in leftover
        or re.search(r"[a-z0-9]", re.sub(r"\b(?:et|plus|ferme|fermes|de|d|initiale?|duree)\b", " ", leftover))
    ):
        return None
    total = Decimal(0)
    pending = Decimal(0)  # unitless numbers waiting for the unit written after them ("1+1+1 ans")
    for term in terms:
        value = Decimal(term["number"].replace(",", ".")) * int(term["times"] or 1)
        if term["unit"]:
            total += (pending + value) * _UNIT_MONTHS[term["unit"]]
            pending = Decimal(0)
        else:
            pending += value
    return total + pending * unit_factor


# 100 years: beyond, the cell holds something else than a duration (an amount, a year typed there).
_MAX_MONTHS = 1200


def _months(value: Decimal, unit_factor: Decimal, raw: object, note: str | None) -> Parsed[int]:
    months = value * unit_factor
    if months <= 0 or months > _MAX_MONTHS:
        return Parsed(error=f"Durée invraisemblable : « {_show(raw)} ».")
    whole = int(months.to_integral_value(rounding="ROUND_CEILING"))
    warnings = []
    if note:
        warnings.append(f"« {_show(raw)} » lu comme {whole} mois ({note}).")
    elif whole != months:
        warnings.append(f"« {_show(raw)} » arrondi à {whole} mois.")
    if whole > 240:
        warnings.append(f"Durée inhabituelle : {whole} mois.")
    return Parsed(value=whole, warning=" ".join(warnings) or None)


# --- Nature ----------------------------------------------------------------------------------------------

_NATURE_WORDS: dict[str, tuple[Nature, str | None]] = {
    "t": (Nature.WORKS, None),
    "trx": (Nature.WORKS, None),
    "tvx": (Nature.WORKS, None),
    "travaux": (Nature.WORKS, None),
    "travail": (Nature.WORKS, None),
    "f": (Nature.SUPPLIES, None),
    "fourniture": (Nature.SUPPLIES, None),
    "fournitures": (Nature.SUPPLIES, None),
    "fournitures courantes": (Nature.SUPPLIES, None),
    "mi": (Nature.SUPPLIES, None),  # marchés industriels: equipment bought from industry
    "marches industriels": (Nature.SUPPLIES, None),
    "s": (Nature.SERVICES, None),
    "serv": (Nature.SERVICES, None),
    "service": (Nature.SERVICES, None),
    "services": (Nature.SERVICES, None),
    "prestation": (Nature.SERVICES, None),
    "prestations": (Nature.SERVICES, None),
    "prestations de services": (Nature.SERVICES, None),
    "prestation de service": (Nature.SERVICES, None),
    "prestation de services": (Nature.SERVICES, None),
    "pi": (Nature.SERVICES, None),
    "prestations intellectuelles": (Nature.SERVICES, None),
    "prestation intellectuelle": (Nature.SERVICES, None),
    "tic": (Nature.SERVICES, "« TIC » lu comme services : à vérifier si l'achat porte sur du matériel."),
    # The CCAG "FCS" covers both supplies and services; services is the reading that keeps every option
    # open (insertion clauses bear on labour), and the user is asked to confirm.
    "fcs": (Nature.SERVICES, "« FCS » (fournitures courantes et services) lu comme services : à vérifier."),
    "fournitures courantes et services": (
        Nature.SERVICES,
        "« Fournitures courantes et services » lu comme services : à vérifier.",
    ),
    "fournitures et services": (
        Nature.SERVICES,
        "« Fournitures et services » lu comme services : à vérifier.",
    ),
}


def parse_nature(raw: object) -> Parsed[Nature]:
    """Read the nature of a purchase (travaux, fournitures, services) from the words buyers use."""
    if _is_blank(raw):
        return Parsed()
    if not isinstance(raw, str):
        return Parsed(
            error=f"Nature illisible : « {_show(raw)} ». Attendu : travaux, fournitures ou services."
        )
    text = re.sub(r"[^a-z ]", " ", fold_words(raw))
    text = " ".join(text.split())
    known = _NATURE_WORDS.get(text)
    if known is None and text.startswith(("marche de ", "marches de ", "accord cadre de ")):
        known = _NATURE_WORDS.get(
            text.split(" ", 2)[-1] if text.startswith("accord") else text.split(" ", 2)[2]
        )
    if known is None:
        return Parsed(
            error=f"Nature illisible : « {_show(raw)} ». Attendu : travaux, fournitures ou services."
        )
    nature, warning = known
    return Parsed(value=nature, warning=warning)


# --- Yes / no --------------------------------------------------------------------------------------------

_TRUE_WORDS = {
    "oui",
    "o",
    "x",
    "1",
    "vrai",
    "yes",
    "y",
    "true",
    "v",
    "ok",
    "✓",
    "✔",
    "☑",
    "recurrent",
    "recurrente",
}
_FALSE_WORDS = {"non", "n", "0", "faux", "no", "false", "ponctuel", "ponctuelle"}


def parse_bool_fr(raw: object) -> Parsed[bool]:
    """Read a yes/no cell: oui/non, o/n, x (a ticked box), 1/0, vrai/faux."""
    if _is_blank(raw):
        return Parsed()
    if isinstance(raw, bool):
        return Parsed(value=raw)
    if isinstance(raw, int | float | Decimal):
        number = _finite_decimal(raw)
        if number is not None and number in (0, 1):
            return Parsed(value=bool(number))
        return Parsed(error=f"Valeur illisible : « {_show(raw)} ». Attendu : oui ou non.")
    text = fold_words(str(raw)).strip(" .!")
    if text in _TRUE_WORDS:
        return Parsed(value=True)
    if text in _FALSE_WORDS:
        return Parsed(value=False)
    return Parsed(error=f"Valeur illisible : « {_show(raw)} ». Attendu : oui ou non.")
