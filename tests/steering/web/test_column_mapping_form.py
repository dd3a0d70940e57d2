"""The shared mapping form of core/column_mapping.py, as the spend screen uses it and as the plans screen
would ("Décider plus tard")."""

from __future__ import annotations

from levier.core.column_mapping import ColumnMappingForm

FIELDS = {"object": "Objet", "amount": "Montant", "service": "Service"}
HEADERS = ["Intitulé", "Coût", "Notes"]


def form(data, **options):
    return ColumnMappingForm(data, headers=HEADERS, fields=FIELDS, **options)


def test_answers_and_initial_values():
    bound = form({"column_0": "object", "column_1": "amount", "column_2": "-"})
    assert bound.is_valid() and bound.answers() == ({"object": "Intitulé", "amount": "Coût"}, ["Notes"])
    unbound = form(None, current={"amount": "Coût"}, samples={"Coût": ["12 000"]})
    assert [f.initial for _h, _v, f in unbound.rows] == ["-", "amount", "-"]
    assert unbound.rows[1][1] == ["12 000"]


def test_errors_are_french_and_name_the_column_and_field():
    twice = form({"column_0": "amount", "column_1": "amount", "column_2": "-"})
    assert not twice.is_valid()
    assert twice.errors["column_1"] == [
        "« Montant » est déjà donné par la colonne « Intitulé » : une seule colonne par champ."
    ]
    missing = form(
        {"column_0": "object", "column_1": "-", "column_2": "-"}, required=[(("amount",), "le coût")]
    )
    assert not missing.is_valid() and missing.non_field_errors() == ["Indiquez la colonne qui donne le coût."]
    empty = form({"column_0": "object", "column_1": "amount"})
    assert empty.errors["column_2"] == [
        "Colonne « Notes » : choisissez un champ ou « Colonne non utilisée »."
    ]


def test_later_remembers_nothing():
    later = form({"column_0": "object", "column_1": "", "column_2": "-"}, allow_later=True)
    assert later.is_valid() and later.answers() == ({"object": "Intitulé"}, ["Notes"])
    assert [f.initial for _h, _v, f in form(None, allow_later=True).rows] == ["", "", ""]
