"""The hierarchical answer (divisions, groups) and a floor of accuracy on real awarded contracts.

The floor test trains on the DECP 2019 samples' buyers outside one fifth (drawn by a hash of the buyer, so
that no buyer is on both sides, and objects deduplicated) and classifies that fifth: a bad regression of the
classifier (text analysis, group model, training) drops it below the floors, set a few points under what
the model measures (83 % and 65 % on 2026-11-23; untrained or flat it scores 78 % and 61 %, 77 % and 64 %).
"""

import gzip
import json
import zlib

import pytest

from levier.ingest.decp_pairs import read_pairs
from levier.rules import cpv as cpv_rules
from levier.rules.classify import Classifier, ClassifierParams, default_model_path
from levier.rules.classify_groups import GroupBayes, backoff, by_prefix, usage_within_divisions
from levier.rules.classify_text import default_analyzer
from levier.rules.text import fold
from tests.paths import SHARED_DATA
from tests.rules import test_classify

labels = test_classify.labels  # the official CPV labels, read once per module

DECP_2019 = sorted((SHARED_DATA / "decp" / "samples").glob("decp2019_*.json"))


@pytest.fixture(scope="module")
def split(labels):
    if len(DECP_2019) < 2:
        pytest.skip("DECP 2019 samples missing")
    seen, train, test = set(), [], []
    for pair in read_pairs(DECP_2019):
        check = cpv_rules.normalize_cpv(pair.cpv)
        key = fold(pair.objet)
        if not check.is_usable or check.code not in labels or key in seen:
            continue
        seen.add(key)
        side = test if zlib.crc32(f"floor:{pair.buyer_id}".encode()) % 5 == 0 else train
        side.append((pair.objet, check.code))
    return train, test


def top3_rates(model, cases):
    divisions = groups = 0
    for text, truth in cases:
        result = model.classify(text, limit=3)
        divisions += truth[:2] in [guess.code for guess in result.divisions[:3]]
        groups += truth[:3] in [guess.code for guess in result.groups[:3]]
    return divisions / len(cases), groups / len(cases)


def test_accuracy_floor_on_unseen_buyers(labels, split):
    train, test = split
    assert len(test) > 200 and len(train) > 900
    model = Classifier(labels)
    assert model.train_on(train) == len(train)
    division_rate, group_rate = top3_rates(model, test)
    assert division_rate >= 0.80, division_rate
    assert group_rate >= 0.62, group_rate


def test_cpv_list_leads_with_the_three_best_groups(labels):
    model = Classifier(labels)
    result = model.classify("Fourniture de repas en liaison froide", limit=5)
    assert [guess.code[:3] for guess in result.cpv[:3]] == [guess.code for guess in result.groups[:3]]
    assert result.divisions[0].code == "55" and result.divisions[0].label.startswith("Services d'hôtellerie")
    scores = [guess.score for guess in result.cpv]
    assert scores == sorted(scores, reverse=True)


def test_division_is_the_sum_of_its_groups(labels):
    result = Classifier(labels).classify("Entretien des espaces verts et élagage", limit=50)
    assert result.divisions[0].code == "77"
    assert sum(guess.score for guess in result.divisions) == pytest.approx(1.0, abs=0.01)
    best_group = max(guess.score for guess in result.groups if guess.code.startswith("77"))
    assert result.divisions[0].score >= best_group


def test_hierarchy_ignores_accents_case_and_punctuation(labels):
    model = Classifier(labels)
    texts = (
        "TRAVAUX DE RÉFECTION DE LA TOITURE",
        "Travaux de refection de la toiture",
        "travaux-de-réfection, toiture",
    )
    answers = [model.classify(text).to_dict() for text in texts]
    for answer in answers[1:]:
        assert answer["divisions"] == answers[0]["divisions"]
        assert answer["groups"] == answers[0]["groups"]
        assert answer["cpv"] == answers[0]["cpv"]
    assert answers[0]["divisions"][0]["code"] == "45"


def test_given_cpv_heads_every_level(labels):
    result = Classifier(labels).classify("Entretien des espaces verts", cpv="90919200")
    assert result.divisions[0].code == "90" and result.divisions[0].score == 1.0
    assert result.groups[0].code == "909"
    assert result.to_dict()["groups"][0]["code"] == "909"


def test_training_moves_the_group_of_a_buyers_wording(labels):
    text = "Fauchage raisonné des délaissés"
    pairs = [("Fauchage raisonné des délaissés routiers", "77312000"), ("Fauchage des délaissés", "77312000")]
    trained = Classifier(labels)
    trained.train_on(pairs * 2)
    assert trained.classify(text).groups[0].code == "773"


def test_flat_ranking_is_kept_as_the_previous_method(labels):
    flat = Classifier(labels, params=ClassifierParams(group_model=False))
    result = flat.classify("Nettoyage des locaux administratifs")
    assert result.divisions == () and result.groups == ()
    assert result.cpv[0].code.startswith("909")


def test_codes_only_model_answers_by_group():
    result = Classifier().classify("Nettoyage des locaux")
    assert result.groups and result.groups[0].code == "909"
    assert result.divisions[0].code == "90"


def test_saved_model_of_another_format_or_damaged_is_refused(tmp_path, labels):
    trained = Classifier(labels)
    trained.train_on([("Fauchage des accotements", "77312000")])
    path = trained.save(default_model_path(tmp_path))
    loaded = Classifier.load(path)
    assert loaded.classify("Fauchage").to_dict() == trained.classify("Fauchage").to_dict()

    with gzip.open(path, "rb") as zipped:
        data = json.loads(zipped.read())
    data["format"] = 1
    old = tmp_path / "old.json.gz"
    old.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(ValueError, match="autre format"):
        Classifier.load(old)
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="relancez"):
        Classifier.load(broken)
    del data["example_features"]
    data["format"] = trained.to_dict()["format"]
    partial = tmp_path / "partial.json.gz"
    partial.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(ValueError, match="incomplet"):
        Classifier.load(partial)


def test_character_grams_match_truncations_and_accents():
    analyzer = default_analyzer()
    full = analyzer.features("Réaménagement")
    truncated = analyzer.features("REAMNGT")
    assert set(full) & set(truncated) & {"# rea"}
    assert analyzer.features("DÉSAMIANTAGE") == analyzer.features("desamiantage")
    assert not any(term.startswith("#") and "lot" in term for term in analyzer.features("Lot 3 : lot"))


def test_group_bayes_learns_and_normalises():
    model = GroupBayes.fit(
        [("909", {"nettoy": 2.0, "locaux": 1.0}, 1.0), ("773", {"tont": 1.0, "gazon": 1.0}, 1.0)],
        {"909": 3, "773": 1},
        alpha=0.1,
        temperature=1.0,
    )
    posterior = model.posterior({"tont": 1.0, "inconnu": 5.0})
    assert max(posterior, key=posterior.get) == "773"
    assert sum(posterior.values()) == pytest.approx(1.0)
    assert model.posterior({"inconnu": 1.0}) == {}
    assert (
        GroupBayes.from_dict(json.loads(json.dumps(model.to_dict()))).posterior({"tont": 1.0})
        == posterior | {}
    )


def test_backoff_spreads_a_division_over_the_groups_buyers_use():
    usage = usage_within_divisions({"45000000": 3, "45421000": 1})
    assert usage == {"450": 0.75, "454": 0.25}
    groups = {"454": 0.6, "773": 0.4}
    divisions = by_prefix(groups.items(), 2)
    mixed = backoff(groups, divisions, usage, 0.5)
    assert mixed["450"] == pytest.approx(0.5 * 0.75 * 0.6)
    assert mixed["454"] == pytest.approx(0.5 * 0.6 + 0.5 * 0.25 * 0.6)
    assert mixed["773"] == pytest.approx(0.2)
    assert backoff(groups, divisions, usage, 0.0) == groups


def test_marks_of_the_objects_shape():
    analyzer = default_analyzer()
    works = analyzer.features("Travaux de peinture - LOT 3")
    assert {"@works", "@lot"} <= set(works) and "@empty" not in works
    supplies = analyzer.features("Fourniture de papier")
    assert "@supplies" in supplies and "@lot" not in supplies
    assert {"@lot", "@empty"} <= set(analyzer.features("LOT 4"))


def test_a_lot_without_a_trade_word_leans_where_buyers_put_such_lots(labels):
    # Buyers often give every lot of a building operation the generic 45000000; an object naming only the
    # lot and the site has no word the labels know, but its marks ("@lot", "@empty") were seen with 450.
    sites = ("Groupe Voltaire", "Le Bosquet")
    pairs = [(f"LOT {n} - {site}", "45000000") for n in range(1, 5) for site in sites]
    trained = Classifier(labels)
    trained.train_on([*pairs, ("Lait demi-écrémé", "15511000"), ("Entretien des espaces verts", "77310000")])
    features = trained.analyzer.features("LOT 7 - Kerbrat")
    posterior = trained.bayes.posterior(features)
    assert max(posterior, key=posterior.get) == "450" and posterior["450"] > 0.3
    # Without its marks the same object tells the groups apart no better than chance.
    unmarked = trained.bayes.posterior({t: v for t, v in features.items() if not t.startswith("@")})
    assert unmarked.get("450", 0.0) < 0.05
