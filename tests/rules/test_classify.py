"""The classifier on buyers' wording: examples, CPV given, training, persistence, arbitrary text."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from levier.ingest.decp_pairs import pairs_from_document, read_pairs
from levier.rules import cpv as cpv_rules
from levier.rules.classify import Classifier, default_model_path
from levier.rules.classify_text import default_analyzer
from tests.paths import SHARED_DATA

EFORMS_FR = SHARED_DATA / "cpv" / "eforms_code_fr.xml"
DECP = SHARED_DATA / "decp" / "samples"


@pytest.fixture(scope="module")
def labels():
    if not EFORMS_FR.exists():
        pytest.skip(f"official CPV file missing: {EFORMS_FR}")
    return cpv_rules.read_eforms_labels(EFORMS_FR)


@pytest.fixture(scope="module")
def model(labels):
    return Classifier(labels)


@pytest.fixture(scope="module")
def codes_only():
    return Classifier()


def top_codes(result, k=3):
    return [guess.code for guess in result.cpv[:k]]


@pytest.mark.parametrize(
    ("text", "cpv_prefix", "sector"),
    [
        ("Entretien des espaces verts", "7731", "espaces-verts-entretien"),
        ("Nettoyage des locaux administratifs", "909", "nettoyage-locaux"),
        ("Travaux de peinture intérieure", "45442", "peinture-interieure"),
        ("Fourniture de repas en liaison froide", "555", "repas-liaison"),
        ("Déménagement des services municipaux", "98392", "demenagement"),
    ],
)
def test_examples(model, text, cpv_prefix, sector):
    result = model.classify(text)
    assert any(code.startswith(cpv_prefix) for code in top_codes(result)), result.to_dict()
    assert sector in [guess.code for guess in result.sectors[:3]], result.to_dict()


def test_catering_sector_and_division(model):
    result = model.classify("Fourniture de repas en liaison froide")
    assert any(code.startswith("55") for code in top_codes(result))


def test_printing_and_mailing(model):
    result = model.classify("Impression et routage des bulletins municipaux")
    assert any(code.startswith("798") for code in top_codes(result))
    assert {"impression", "routage-mise-sous-pli"} & {g.code for g in result.sectors[:3]}


def test_buyers_abbreviations(model):
    assert top_codes(model.classify("Entretien EV"))[0].startswith("773")
    assert "deee" in [g.code for g in model.classify("Collecte des DEEE").sectors[:3]]


def test_accent_and_case_insensitive(model):
    plain = model.classify("ENTRETIEN DES ESPACES VERTS")
    accented = model.classify("Entretien des Espaces Verts")
    assert top_codes(plain) == top_codes(accented)
    assert top_codes(model.classify("Travaux de peinture interieure")) == top_codes(
        model.classify("TRAVAUX DE PEINTURE INTÉRIEURE")
    )


def test_given_cpv_dominates(model):
    result = model.classify("Entretien des espaces verts", cpv="90919200-4")
    assert result.given_cpv == "90919200"
    assert result.cpv[0].code == "90919200" and result.cpv[0].score == 1.0
    assert result.sectors[0].code == "nettoyage-locaux"
    assert result.confidence >= 0.8


def test_bad_given_cpv_is_reported_and_ignored(model):
    result = model.classify("Entretien des espaces verts", cpv="12345678-9")
    assert result.given_cpv is None
    assert result.notes_fr
    assert top_codes(result)[0].startswith("773")


def test_works_without_any_cpv_file(codes_only):
    assert codes_only.codes_only
    result = codes_only.classify("Entretien des espaces verts")
    assert result.sectors[0].code == "espaces-verts-entretien"
    assert top_codes(result)[0].startswith("773")
    assert result.cpv[0].label is None


def test_training_on_decp_pairs(labels):
    pairs = [("Prestations de balayage mécanisé des voies communales", "90610000")] * 3
    trained = Classifier(labels)
    assert trained.train_on([*pairs, ("objet sans code", "pas un code")]) == 3
    assert top_codes(trained.classify("balayage mécanisé des voies"))[0] == "90610000"


def test_save_and_load(tmp_path, labels):
    trained = Classifier(labels)
    trained.train_on([("Fauchage des accotements", "77312000")])
    path = trained.save(default_model_path(tmp_path))
    assert path.name == "classifier.json.gz" and path.parent.name == "models"
    loaded = Classifier.load(path)
    for text in ("Fauchage des accotements", "Maint. chaufferies", "Nettoyage des vitres"):
        assert loaded.classify(text).to_dict() == trained.classify(text).to_dict()


def test_to_dict_is_json(model):
    data = model.classify("Travaux de peinture intérieure").to_dict()
    json.dumps(data)
    assert data["cpv"][0]["formatted"].startswith(data["cpv"][0]["code"] + "-")
    assert set(data) >= {"cpv", "sectors", "confidence"}


def test_empty_text(model):
    result = model.classify("")
    assert result.cpv == () and result.confidence == 0.0 and result.notes_fr


def test_truncated_words_are_completed(model):
    result = model.classify("PREST SONORISAT SPECTACLES")
    assert any(code.startswith(("923", "32342", "51313")) for code in top_codes(result, 5)), result.to_dict()


def test_analyser_drops_boilerplate():
    terms = default_analyzer().analyse("Marché n° 2019-12 : lot 3 - Nettoyage de la mairie").terms
    assert set(terms) == {default_analyzer().stem("nettoyage")}


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=12)))
def test_arbitrary_text_never_crashes(codes_only, text, cpv):
    result = codes_only.classify(text, cpv=cpv)
    for guesses in (result.cpv, result.sectors):
        scores = [guess.score for guess in guesses]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= score <= 1.0 for score in scores)
    assert 0.0 <= result.confidence <= 1.0


def test_decp_pairs_both_formats():
    v2019 = {"marches": [{"objet": "D&#8217;un test", "codeCPV": "45000000-7", "acheteur": {"id": "1"}}]}
    v2024 = {"marches": {"marche": [{"objet": "Lot 2", "codeCPV": "45000000"}, {"objet": "Concession"}]}}
    assert [tuple(p) for p in pairs_from_document(v2019)] == [("D\u2019un test", "45000000-7")]
    assert [tuple(p) for p in pairs_from_document(v2024)] == [("Lot 2", "45000000")]
    assert list(pairs_from_document({"marches": "nope"})) == []


def test_decp_pairs_from_real_files():
    files = sorted(DECP.glob("decp20*.json"))
    if not files:
        pytest.skip("DECP samples missing")
    pairs = list(read_pairs(files))
    assert len(pairs) > 1500
    assert {p.source for p in pairs} >= {"decp2019_pes_2019-04-05.json", "decp2022_format_sample_2.json"}
    assert all(p.objet and p.cpv for p in pairs)
