"""Property-based tests of header normalisation and column matching: any case, accent, separator or
order variant of a file's headers maps to the same fields."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from levier.ingest.structures.ea import COLUMNS as EA_COLUMNS
from levier.ingest.structures.ea import suggest_ea_mapping
from levier.ingest.tabular import normalize_header, resolve_columns

ACCENTS = {"a": "àâä", "e": "éèêë", "i": "îï", "o": "ôö", "u": "ùûü", "c": "ç"}

# Headers as a ministry file could spell them, one per field (the EA reader's canonical spellings).
CANONICAL = {
    "siret": "N° SIRET",
    "brand": "Enseigne",
    "name": "Raison sociale",
    "kind": "Type de structure",
    "legal_form": "Forme juridique",
    "naf": "Code NAF",
    "address_complement": "Complément d'adresse",
    "address": "Adresse",
    "postcode": "Code postal",
    "insee_code": "Code commune INSEE",
    "city": "Commune",
    "departement": "Département",
    "region": "Région",
    "website": "Site internet",
    "sectors": "Secteurs d'activité",
}


@st.composite
def variant(draw, text: str) -> str:
    """Same header, spelt differently: case, accents added or removed, spaces, underscores, hyphens."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[0]
        choice = draw(st.integers(0, 3))
        if base.lower() in ACCENTS and choice == 0:
            char = draw(st.sampled_from(ACCENTS[base.lower()]))
        elif choice == 1:
            char = base
        if char == " ":
            char = draw(st.sampled_from([" ", "_", "  ", "-", " _ ", "."]))
        out.append(char.upper() if draw(st.booleans()) else char.lower())
    padding = draw(st.sampled_from(["", " ", "  ", "\t"]))
    return padding + "".join(out) + padding


@given(st.data())
def test_normalize_header_ignores_case_accents_and_separators(data):
    for text in CANONICAL.values():
        assert normalize_header(data.draw(variant(text))) == normalize_header(text)


@given(st.data(), st.permutations(list(CANONICAL)))
def test_any_permutation_and_spelling_of_headers_maps_to_the_same_fields(data, order):
    headers = {field: data.draw(variant(CANONICAL[field])) for field in order}
    mapping = suggest_ea_mapping([headers[field] for field in order])
    assert mapping == {field: headers[field] for field in CANONICAL}


@given(st.data(), st.permutations(list(CANONICAL)))
def test_a_user_mapping_matches_whatever_the_spelling(data, order):
    file_headers = [CANONICAL[field] for field in order]
    user_mapping = {field: data.draw(variant(CANONICAL[field])) for field in ("siret", "name", "city")}
    resolved, problems = resolve_columns(file_headers, EA_COLUMNS, user_mapping)
    assert problems == []
    assert {field: resolved[field] for field in user_mapping} == {
        field: CANONICAL[field] for field in user_mapping
    }


@given(st.text())
def test_normalize_header_is_idempotent_and_plain(text):
    once = normalize_header(text)
    assert normalize_header(once) == once
    assert all(char.isascii() and (char.isalnum() or char == " ") for char in once)
    assert "  " not in once and once == once.strip()
