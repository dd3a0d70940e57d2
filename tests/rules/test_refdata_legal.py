"""The dated legal reference data (thresholds.json, articles.json) against docs/refdata.md.

Every fact still marked « à vérifier » in the data must be explained in the « Faits non confirmés » section of
docs/refdata.md, and every threshold must run without a gap from its first period to today.
"""

import itertools
import re
from datetime import date, timedelta

import pytest

from levier.rules import legal
from tests.paths import REPO_ROOT

REFDATA_DOC = REPO_ROOT / "docs" / "refdata.md"


def _unconfirmed_section() -> str:
    text = REFDATA_DOC.read_text("utf-8")
    match = re.search(r"^#+ Faits non confirmés\n(.*?)(?=^#+ |\Z)", text, flags=re.M | re.S)
    assert match, "docs/refdata.md has no « Faits non confirmés » section"
    return match.group(1)


def _marked_data() -> dict[str, str]:
    """id (or exemption code) -> the text carrying the mark, for every datum still « à vérifier »."""
    marked = {}
    for threshold in legal.thresholds():
        if "vérifier" in threshold.source:
            marked[threshold.id] = threshold.source
    for article in legal.articles().values():
        for text in (article.text_fr, article.source, *article.conditions_fr):
            if "vérifier" in text:
                marked[article.id] = text
    for exemption in legal.obligation_exemptions():
        if "vérifier" in exemption.label_fr + exemption.source:
            marked[exemption.code] = exemption.source
    return marked


def test_every_unconfirmed_fact_is_explained_in_the_docs():
    section = _unconfirmed_section()
    missing = [key for key in _marked_data() if f"`{key}`" not in section]
    assert not missing, f"facts marked « à vérifier » but not explained in docs/refdata.md: {missing}"


def test_the_docs_explain_no_fact_the_data_no_longer_marks():
    section = _unconfirmed_section()
    named = set(re.findall(r"^- `([a-z_0-9]+)`", section, flags=re.M))
    assert named, "the « Faits non confirmés » section names no datum"
    assert named <= set(_marked_data()), named - set(_marked_data())


@pytest.mark.parametrize("threshold_id", sorted({t.id for t in legal.thresholds()}))
def test_each_threshold_runs_without_a_gap_and_is_still_in_force(threshold_id):
    by_group = {}
    for threshold in legal.thresholds():
        if threshold.id == threshold_id:
            by_group.setdefault(threshold.buyer_group, []).append(threshold)
    for periods in by_group.values():
        periods.sort(key=lambda t: t.valid_from)
        for before, after in itertools.pairwise(periods):
            assert before.valid_to + timedelta(days=1) == after.valid_from, (before, after)
        assert periods[-1].valid_to is None


def test_eu_thresholds_for_2026_2027_match_the_design_and_name_their_regulation():
    expected = {
        ("services", "central"): 140_000,
        ("supplies", "other"): 216_000,
        ("works", "other"): 5_404_000,
    }
    for (nature, group), amount in expected.items():
        for day in (date(2026, 1, 1), date(2027, 12, 31)):
            threshold = legal.eu_threshold(nature, group, day)
            assert threshold.amount == amount
            assert "2025/2152" in threshold.source
        assert legal.eu_threshold(nature, group, date(2025, 12, 31)).amount != amount


def test_quoted_articles_carry_the_law_s_wording():
    articles = legal.articles()
    ess = articles["reserved_ess"]
    assert ess.text_fr.startswith("Des marchés ou des lots d'un marché, qui portent exclusivement")
    assert "y compris lorsqu'il agit en tant qu'entité adjudicatrice" in ess.text_fr
    assert not any("pas aux entités adjudicatrices" in c for c in ess.conditions_fr)
    assert "établissement pénitentiaire" in articles["reserved_prison"].text_fr
    assert "2021-1729" not in articles["reserved_prison"].source
    for article_id in ("reserved_disability", "reserved_insertion", "reserved_prison"):
        conditions = articles[article_id].conditions_fr
        assert any("R2113-7" in c and "avis d'appel à la concurrence" in c for c in conditions)
