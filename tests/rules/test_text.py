"""The folds built on `rules.text.unaccent` differ on purpose; these cases pin where, so that a change to
one of them is a decision and not an accident."""

from decimal import Decimal

import pytest

from levier.ingest.french_values import parse_amount
from levier.ingest.plans.headers import normalise_header
from levier.ingest.tabular import normalize_header
from levier.rules.text import fold, fold_words, unaccent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Œuvre d'art", "oeuvre d'art"),
        ("m²", "m2"),
        ("Île-de-France", "ile-de-france"),
        ("12\u00a0000\u202f€", "12 000 €"),
    ],
)
def test_decomposition_keeps_signs_and_spells_oe(text, expected):
    assert unaccent(text) == expected


@pytest.mark.parametrize(
    ("text", "folded", "words", "tabular_header", "plan_header"),
    [
        # The euro sign: a space for fold and the plan headers, a word for French values and file headers.
        ("Montant (€ HT)", "montant ht", "montant (eur ht)", "montant eur ht", "montant ht"),
        ("1 Md€", "1 md", "1 mdeur", "1 mdeur", "1 md"),
        # Ligature and superscript read the same everywhere.
        ("Cœur de ville", "coeur de ville", "coeur de ville", "coeur de ville", "coeur de ville"),
        ("Surface m²", "surface m2", "surface m2", "surface m2", "surface m2"),
        # The typographic apostrophe becomes the plain one only where punctuation is kept.
        ("l’an", "l an", "l'an", "l an", "l an"),
        # Non-breaking and narrow spaces are spaces.
        ("Code\u00a0postal\u202fCP", "code postal cp", "code postal cp", "code postal cp", "code postal cp"),
        # The degree sign would read "deg" transliterated: the file headers blank it first.
        ("N° FINESS", "n finess", "ndeg finess", "n finess", "n finess"),
        ("Nº SIRET", "no siret", "no siret", "n siret", "no siret"),
        # Letters without a decomposition are dropped by fold, spelled by transliteration.
        ("ex æquo", "ex quo", "ex aequo", "ex aequo", "ex quo"),
    ],
)
def test_folds_differ_only_where_pinned(text, folded, words, tabular_header, plan_header):
    assert fold(text) == folded
    assert fold_words(text) == words
    assert normalize_header(text) == tabular_header
    assert normalise_header(text) == plan_header


def test_fold_is_the_decomposed_fold_unless_asked_to_transliterate():
    assert fold("Montant €", transliterate=True) == "montant eur"
    assert fold("Montant €") == "montant"


@pytest.mark.parametrize(
    ("raw", "value", "per_year"),
    [
        ("12\u00a0000 € l’an", Decimal(12000), True),
        ("1 Md€", Decimal(1_000_000_000), None),
        ("1,2\u202fM€ HT", Decimal(1_200_000), None),
    ],
)
def test_amounts_read_through_the_transliterated_fold(raw, value, per_year):
    parsed = parse_amount(raw)
    assert (parsed.value, parsed.per_year) == (value, per_year)
