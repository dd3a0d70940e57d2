"""French amounts, dates, durations, natures and yes/no cells: examples from plans, and properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from levier.ingest.french_values import (
    ApproxDate,
    DatePrecision,
    Nature,
    parse_amount,
    parse_bool_fr,
    parse_date,
    parse_duration_months,
    parse_nature,
)
from tests.ingest.plan_factory import AMOUNT_STYLES, MONTHS_FR, french_amount

# --- Amounts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 000,50 €", "12000.50"),
        ("12 000,50", "12000.50"),
        ("12\u202f000,50\u00a0€", "12000.50"),
        ("12\u00a0000,50 € HT", "12000.50"),
        ("1,2 M€", "1200000"),
        ("1.2M€", "1200000"),
        ("150k€", "150000"),
        ("150 K€", "150000"),
        ("1 500 000", "1500000"),
        ("1.500.000,00", "1500000"),
        ("12,000.50", "12000.50"),
        ("2 millions", "2000000"),
        ("1 Md€", "1000000000"),
        ("0,5 M€", "500000"),
        ("-1 200,00 €", "-1200"),
        ("(1 200,00)", "-1200"),
        (12000.5, "12000.5"),
        (150000, "150000"),
        (Decimal("99.99"), "99.99"),
    ],
)
def test_amount_examples(text, expected):
    result = parse_amount(text)
    assert result.ok, result.error
    assert result.value == Decimal(expected)


@pytest.mark.parametrize("text", ["NC", "?", "n.c.", "À définir", "-", ""])
def test_amount_placeholders_are_empty_with_a_warning(text):
    result = parse_amount(text)
    assert result.ok and result.value is None
    assert (result.warning is not None) == bool(text)


def test_amount_ttc_is_flagged_and_ht_is_not():
    ttc = parse_amount("120 000 € TTC")
    assert ttc.value == Decimal(120000) and ttc.includes_tax is True and "TTC" in ttc.warning
    ht = parse_amount("100 000 € HT")
    assert ht.includes_tax is False and ht.warning is None


def test_amount_per_year_and_whole_duration_markers():
    assert parse_amount("12 000 €/an").per_year is True
    assert parse_amount("12 000 € HT par an").per_year is True
    assert parse_amount("300 k€ sur la durée").per_year is False
    assert parse_amount("300 k€").per_year is None


@pytest.mark.parametrize(
    ("text", "value", "per_year", "includes_tax"),
    [
        ("12 000 € / l'an", "12000", True, None),
        ("12 000 € l’an", "12000", True, None),
        ("12 000 €/an", "12000", True, None),
        ("12 000 € / an", "12000", True, None),
        ("12 000 € HT / l'an", "12000", True, False),
        ("12 000 € HT/l’an", "12000", True, False),
        ("12 000 €/ l’année", "12000", True, None),
        ("12 000 € par année", "12000", True, None),
        ("12 000 € à l'année", "12000", True, None),
        ("12 000 € annuels", "12000", True, None),
        ("12 000 € (par an)", "12000", True, None),
        ("12 000 € / an / HT", "12000", True, False),
        ("12 000 € TTC / an", "12000", True, True),
        ("12 000 €/an sur 4 ans", "12000", True, None),
        ("12 k€/an", "12000", True, None),
        ("12k€", "12000", None, None),
        ("1,2 M€", "1200000", None, None),
        ("12.000,50 €", "12000.50", None, None),
        ("12 000,- €", "12000", None, None),
        ("environ 12 000 €", "12000", None, None),
        ("~12 k€ max", "12000", None, None),
        ("12 000 € HTVA", "12000", None, False),
        ("12 000 € hors taxes", "12000", None, False),
        ("12 000 € toutes taxes comprises", "12000", None, True),
        ("12 000 € HT (total)", "12000", False, False),
        ("12 000 € en tout", "12000", False, None),
        ("48 000 € HT sur 4 ans", "48000", False, False),
        ("300 k€ sur la durée du marché", "300000", False, None),
        ("300 k€ HT sur la durée de l'accord-cadre", "300000", False, False),
        ("300 k€ pluriannuel", "300000", False, None),
        ("entre 40 et 90 k€ par an", "90000", True, None),
    ],
)
def test_amount_says_what_it_covers_in_every_usual_way(text, value, per_year, includes_tax):
    result = parse_amount(text)
    assert result.ok, result.error
    assert (result.value, result.per_year, result.includes_tax) == (Decimal(value), per_year, includes_tax)


def test_monthly_amount_is_counted_for_the_year_with_a_warning():
    result = parse_amount("1 000 € HT par mois")
    assert (result.value, result.per_year, result.includes_tax) == (Decimal(12000), True, False)
    assert "mensuel" in result.warning and "12\u202f000 € par an" in result.warning


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("12 000 €/an au total", "à la fois « par an » et « au total »"),
        ("1 000 €/mois soit 12 000 € par an", "à la fois « par an » et « par mois »"),
        ("12 000 € HT, soit 14 400 € TTC", "à la fois HT et TTC"),
        ("12 000 € pour info", "« pour info » n'est pas compris"),
        ("douze mille euros", "« douze mille » n'est pas compris"),
    ],
)
def test_amount_that_cannot_be_read_names_what_is_wrong_in_french(text, named):
    result = parse_amount(text)
    assert result.value is None and result.error.startswith(f"Montant illisible : « {text} »")
    assert named in result.error


def test_amount_range_keeps_the_upper_bound_with_a_warning():
    result = parse_amount("entre 40 et 90 k€")
    assert result.value == Decimal(90000)
    assert "borne haute" in result.warning


def test_ambiguous_three_digit_group_is_read_as_thousands_with_a_warning():
    result = parse_amount("12,000")
    assert result.value == Decimal(12000) and "milliers" in result.warning
    # With a multiplier the comma is a decimal one.
    assert parse_amount("1,250 M€").value == Decimal(1250000)


@pytest.mark.parametrize("text", ["abc", "12 000,00,00", "1.2.3,4.5", "€", "M€", True, ["list"]])
def test_amount_errors_are_french_messages(text):
    result = parse_amount(text)
    assert result.value is None and result.error.startswith("Montant illisible")


_CENTS = st.integers(min_value=1, max_value=5_000_000_000)


@settings(max_examples=300)
@given(cents=_CENTS, style=st.sampled_from(AMOUNT_STYLES))
def test_amount_written_the_french_way_reads_back_equal(cents, style):
    amount = Decimal(cents) / 100
    if style == "k_euro":
        amount = amount.to_integral_value()  # buyers write k€ figures with at most 3 decimals
    if style == "m_euro":
        amount = (amount / 1000).to_integral_value() * 1000
    if amount == 0:
        return
    text = french_amount(amount, style)
    result = parse_amount(text)
    assert result.ok, (text, result.error)
    assert result.value == amount, text


# How buyers say what an amount covers, as typed (accents, curly apostrophes, slashes and spaces vary).
_YEARLY_WORDS = (
    "/an",
    "/ an",
    " / l'an",
    "/l’an",
    " l'an",
    " par an",
    " par année",
    " à l’année",
    " annuel",
    " annuels",
    " (par an)",
    "/année",
    " / l’année",
    " chaque année",
)
_TOTAL_WORDS = (
    " total",
    " au total",
    " en tout",
    " sur la durée",
    " sur la durée du marché",
    " sur toute la durée",
    " pour la durée de l'accord-cadre",
    " sur 4 ans",
    " pour 36 mois",
    " (total)",
    " global",
    " pluriannuel",
)
_TAX_WORDS = {
    "": None,
    " HT": False,
    " H.T.": False,
    " HTVA": False,
    " hors taxes": False,
    " TTC": True,
    " T.T.C.": True,
    " toutes taxes comprises": True,
}


@settings(max_examples=300)
@given(
    cents=_CENTS,
    style=st.sampled_from([s for s in AMOUNT_STYLES if not s.endswith("_ht")]),  # says HT itself
    covers=st.sampled_from([(w, True) for w in _YEARLY_WORDS] + [(w, False) for w in _TOTAL_WORDS]),
    tax=st.sampled_from(sorted(_TAX_WORDS)),
    tax_first=st.booleans(),
)
def test_amount_with_its_period_and_tax_words_reads_back_equal(cents, style, covers, tax, tax_first):
    amount = Decimal(cents) / 100
    if style == "k_euro":
        amount = amount.to_integral_value()
    if style == "m_euro":
        amount = (amount / 1000).to_integral_value() * 1000
    if amount == 0:
        return
    words, per_year = covers
    figure = french_amount(amount, style)
    text = figure + tax + words if tax_first else figure + words + tax
    result = parse_amount(text)
    assert result.ok, (text, result.error)
    assert (result.value, result.per_year, result.includes_tax) == (amount, per_year, _TAX_WORDS[tax]), text


@settings(max_examples=200)
@given(
    figure=st.sampled_from(["12 000 €", "1,2 M€", "150k€", "12 000,50"]),
    words=st.text(alphabet="abcdfgijqvwxyz", min_size=2, max_size=8).filter(lambda w: w not in {"xx", "xxx"}),
)
def test_amount_followed_by_unknown_words_names_them(figure, words):
    result = parse_amount(f"{figure} {words}")
    assert result.value is None
    assert f"« {words} » n'est pas compris" in result.error


@given(value=st.floats(min_value=0.01, max_value=1e10, allow_nan=False))
def test_amount_typed_by_excel_reads_back_equal(value):
    assert parse_amount(value).value == Decimal(repr(value))


# --- Dates -----------------------------------------------------------------------------------------------

D = DatePrecision


@pytest.mark.parametrize(
    ("text", "first_day", "precision"),
    [
        ("15/03/2027", dt.date(2027, 3, 15), D.DAY),
        ("15-03-2027", dt.date(2027, 3, 15), D.DAY),
        ("15.03.27", dt.date(2027, 3, 15), D.DAY),
        ("2027-03-15", dt.date(2027, 3, 15), D.DAY),
        ("2027-03-15 00:00:00", dt.date(2027, 3, 15), D.DAY),
        ("15 mars 2027", dt.date(2027, 3, 15), D.DAY),
        (46461, dt.date(2027, 3, 15), D.DAY),
        (dt.datetime(2027, 3, 15, 10, 30), dt.date(2027, 3, 15), D.DAY),
        (dt.date(2027, 3, 15), dt.date(2027, 3, 15), D.DAY),
        ("mars 2027", dt.date(2027, 3, 1), D.MONTH),
        ("Mars-27", dt.date(2027, 3, 1), D.MONTH),
        ("fév. 2027", dt.date(2027, 2, 1), D.MONTH),
        ("AOÛT 2027", dt.date(2027, 8, 1), D.MONTH),
        ("03/2027", dt.date(2027, 3, 1), D.MONTH),
        ("2027-03", dt.date(2027, 3, 1), D.MONTH),
        ("T2 2027", dt.date(2027, 4, 1), D.QUARTER),
        ("2e trimestre 2027", dt.date(2027, 4, 1), D.QUARTER),
        ("2ème trimestre 2027", dt.date(2027, 4, 1), D.QUARTER),
        ("1er trimestre 2027", dt.date(2027, 1, 1), D.QUARTER),
        ("Q4 2027", dt.date(2027, 10, 1), D.QUARTER),
        ("2027 T3", dt.date(2027, 7, 1), D.QUARTER),
        ("S1 2027", dt.date(2027, 1, 1), D.SEMESTER),
        ("2nd semestre 2027", dt.date(2027, 7, 1), D.SEMESTER),
        ("2027", dt.date(2027, 1, 1), D.YEAR),
        (2027, dt.date(2027, 1, 1), D.YEAR),
        ("courant 2027", dt.date(2027, 1, 1), D.YEAR),
        ("début 2027", dt.date(2027, 1, 1), D.QUARTER),
        ("fin 2027", dt.date(2027, 10, 1), D.QUARTER),
    ],
)
def test_date_examples(text, first_day, precision):
    result = parse_date(text)
    assert result.ok, result.error
    assert result.value == ApproxDate(first_day, precision)


def test_fuzzy_year_words_warn_how_they_were_read():
    assert parse_date("fin 2027").warning == "« fin 2027 » lu comme T4 2027."


@pytest.mark.parametrize("text", ["31/02/2027", "13/2027", "janvier", "bientôt", "15/03/1850", 12.5])
def test_date_errors_are_french_messages(text):
    result = parse_date(text)
    assert result.value is None and result.error.startswith("Date")


def test_approx_date_last_day_and_label():
    assert ApproxDate(dt.date(2027, 4, 1), D.QUARTER).last_day == dt.date(2027, 6, 30)
    assert ApproxDate(dt.date(2027, 7, 1), D.SEMESTER).last_day == dt.date(2027, 12, 31)
    assert ApproxDate(dt.date(2027, 2, 1), D.MONTH).last_day == dt.date(2027, 2, 28)
    assert ApproxDate(dt.date(2027, 3, 1), D.MONTH).label_fr() == "mars 2027"


_DAYS = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2095, 12, 31))


def _formats(day: dt.date) -> list[tuple[str, ApproxDate]]:
    quarter = (day.month - 1) // 3 + 1
    semester = (day.month - 1) // 6 + 1
    month = ApproxDate(day.replace(day=1), D.MONTH)
    quarter_start = ApproxDate(dt.date(day.year, 3 * quarter - 2, 1), D.QUARTER)
    name = MONTHS_FR[day.month - 1]
    return [
        (day.strftime("%d/%m/%Y"), ApproxDate(day, D.DAY)),
        (day.strftime("%d-%m-%Y"), ApproxDate(day, D.DAY)),
        (day.isoformat(), ApproxDate(day, D.DAY)),
        (f"{name} {day.year}", month),
        (f"{name.upper()} {day.year}", month),
        (f"{day.month:02d}/{day.year}", month),
        (f"T{quarter} {day.year}", quarter_start),
        (f"{'1er' if quarter == 1 else f'{quarter}e'} trimestre {day.year}", quarter_start),
        (f"S{semester} {day.year}", ApproxDate(dt.date(day.year, 6 * semester - 5, 1), D.SEMESTER)),
        (str(day.year), ApproxDate(dt.date(day.year, 1, 1), D.YEAR)),
    ]


@given(day=_DAYS)
def test_date_written_in_every_style_reads_back_to_its_period(day):
    for text, expected in _formats(day):
        result = parse_date(text)
        assert result.value == expected, (text, result)
        assert expected.first_day <= day <= expected.last_day


@given(day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2069, 12, 31)))
def test_two_digit_years_are_this_century(day):
    text = f"{MONTHS_FR[day.month - 1].capitalize()}-{day.year % 100:02d}"
    assert parse_date(text).value == ApproxDate(day.replace(day=1), D.MONTH)


# --- Durations, nature, yes/no ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "months", "warned"),
    [
        ("36 mois", 36, False),
        ("3 ans", 36, False),
        ("1 an", 12, False),
        (36, 36, False),
        ("12 mois + 3 x 12 mois", 48, False),
        ("1+1+1+1 ans", 48, False),
        ("2 ans et 6 mois", 30, False),
        ("1 an renouvelable 3 fois", 48, True),
        ("1 an reconductible tacitement 3 fois", 48, True),
        ("1 an (renouvelable 3 fois)", 48, True),
        ("48 mois (12 mois reconductible 3 fois)", 48, False),
        ("4 ans max", 48, True),
        ("6 semaines", 2, True),
        ("90 jours", 3, True),
    ],
)
def test_duration_examples(text, months, warned):
    result = parse_duration_months(text)
    assert result.value == months
    assert (result.warning is not None) == warned


def test_duration_bare_number_takes_the_column_unit():
    assert parse_duration_months(3, default_unit="ans").value == 36
    assert parse_duration_months("4", default_unit="années").value == 48


def test_duration_renewals_note_says_so():
    assert "reconductions comprises" in parse_duration_months("1 an renouvelable 3 fois").warning


@pytest.mark.parametrize("text", ["long", "0 mois", "-3 ans"])
def test_duration_errors(text):
    assert parse_duration_months(text).error is not None


@pytest.mark.parametrize(
    ("text", "nature", "warned"),
    [
        ("Travaux", Nature.WORKS, False),
        ("T", Nature.WORKS, False),
        ("TRX", Nature.WORKS, False),
        ("Fournitures", Nature.SUPPLIES, False),
        ("F", Nature.SUPPLIES, False),
        ("Services", Nature.SERVICES, False),
        ("S", Nature.SERVICES, False),
        ("PI", Nature.SERVICES, False),
        ("Prestations intellectuelles", Nature.SERVICES, False),
        ("Marché de travaux", Nature.WORKS, False),
        ("FCS", Nature.SERVICES, True),
        ("Fournitures courantes et services", Nature.SERVICES, True),
    ],
)
def test_nature_examples(text, nature, warned):
    result = parse_nature(text)
    assert result.value is nature
    assert (result.warning is not None) == warned


def test_nature_unknown_is_an_error():
    assert parse_nature("Mixte ?").error.startswith("Nature illisible")


@pytest.mark.parametrize(
    ("text", "value"),
    [("oui", True), ("Non", False), ("x", True), ("X", True), ("1", True), (0, False), (1, True), ("", None)],
)
def test_bool_examples(text, value):
    assert parse_bool_fr(text).value is value


def test_bool_unknown_is_an_error():
    assert parse_bool_fr("peut-être").error is not None


# --- Nothing a user types makes a parser raise -----------------------------------------------------------

_CELLS = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789 ,.-€kKmMTtSs/+()x°éèaouniea\u00a0\u202f"),
    st.integers(),
    st.floats(),
    st.decimals(allow_nan=True),
    st.dates(),
    st.datetimes(),
    st.booleans(),
)


@settings(max_examples=500)
@given(cell=_CELLS)
def test_no_parser_raises_on_any_cell(cell):
    for parser in (parse_amount, parse_date, parse_duration_months, parse_nature, parse_bool_fr):
        result = parser(cell)
        assert result.error is None or result.value is None
        assert result.error is None or isinstance(result.error, str)
