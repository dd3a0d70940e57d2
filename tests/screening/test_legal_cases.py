"""Legal edge cases: the L2112-2-1 obligation by date and amount, what each option satisfies, ESS limits."""

from dataclasses import replace
from datetime import date

from levier.rules.legal import articles, eu_threshold
from levier.screening import DirectoryIndex, Policy, screen

from .builders import AFTER_OBLIGATION, LYON, purchase, structure


def _index():
    return DirectoryIndex.build(
        [structure(i, "EA", "nettoyage-locaux", LYON) for i in range(1, 5)]
        + [structure(10 + i, "ACI", "aide-domicile", LYON) for i in range(3)]
        + [structure(20 + i, "ESS", "aide-domicile", LYON) for i in range(4)]
    )


def _eu(on: date) -> int:
    return eu_threshold("services", "other", on).amount


def test_obligation_starts_on_its_date_and_at_the_eu_threshold():
    start = articles()["social_obligation"].valid_from
    index = _index()
    total = _eu(start)
    at = purchase("90910000", None, total_amount=total, months=12, launch_date=start)
    before = replace(at, launch_date=date.fromordinal(start.toordinal() - 1))
    below = replace(at, total_amount=total - 1)
    assert screen(at, index).compulsory is True
    assert screen(before, index).compulsory is False
    assert screen(below, index).compulsory is False
    assert screen(replace(at, defence_or_security=True), index).compulsory is False


def test_no_consideration_when_compulsory_scores_nothing_and_needs_a_justification():
    result = screen(purchase("90910000", 400_000, months=12), _index())
    assert result.compulsory and result.compulsory_unmet
    none = result.option("none")
    assert none.score == 0
    assert "L2112-2-1" in none.justification_fr
    for exemption in result.frame.obligation_exemptions:
        assert exemption.label_fr in none.justification_fr
    assert result.recommendation.code != "none"


def test_a_planned_clause_meets_the_duty():
    result = screen(purchase("90910000", 400_000, months=12, planned_clause=True), _index())
    assert result.compulsory and not result.compulsory_unmet


def test_criterion_alone_never_meets_the_obligation():
    result = screen(purchase("90910000", 400_000, months=12), _index())
    criterion = result.option("criterion")
    assert not criterion.meets_obligation
    assert any(f.code == "obligation" and f.weight < 0 for f in criterion.factors)
    assert result.option("clause").meets_obligation


def test_reserved_contract_meets_the_duty_only_when_the_organisation_says_so():
    p = purchase("90910000", 400_000, months=12)
    assert (
        screen(p, _index(), Policy(reserved_meets_obligation=True))
        .option("reserve_disability")
        .meets_obligation
    )
    assert (
        not screen(p, _index(), Policy(reserved_meets_obligation=False))
        .option("reserve_disability")
        .meets_obligation
    )


def test_articles_come_from_the_reference_data():
    result = screen(purchase("90910000", 100_000), _index())
    expected = {
        "reserve_disability": articles()["reserved_disability"].article,
        "reserve_insertion": articles()["reserved_insertion"].article,
        "reserve_both": articles()["reserved_both"].article,
        "clause": articles()["insertion_clause"].article,
        "criterion": articles()["social_criterion"].article,
    }
    for code, article in expected.items():
        assert result.option(code).articles == (article,)
    assert expected["reserve_disability"] == "L2113-12"


def test_ess_reservation_only_for_the_social_services_list():
    cleaning = screen(purchase("90910000", 100_000), _index())
    assert cleaning.option("reserve_ess") is None
    home_help = screen(purchase("85312000", 100_000, months=24), _index())
    ess = home_help.option("reserve_ess")
    assert ess is not None and ess.articles == (articles()["reserved_ess"].article,)
    assert ess.candidate_count == 4


def test_ess_reservation_longer_than_allowed_is_marked_down():
    limit = int(articles()["reserved_ess"].extra.get("max_duration_months", 36))
    short = screen(purchase("85312000", 100_000, months=limit), _index()).option("reserve_ess")
    long = screen(purchase("85312000", 100_000, months=limit + 12), _index()).option("reserve_ess")
    assert long.score < short.score
    assert long.warnings_fr and str(limit) in long.warnings_fr[0]


def test_missing_amount_or_date_leaves_the_frame_open_with_a_note():
    result = screen(purchase("90910000", None, launch_date=None), _index())
    assert result.frame is None and result.notes_fr
    assert result.options  # still ranked on the supply


def test_works_use_the_works_threshold():
    p = purchase("45442100", 1_000_000, nature="works", months=12, launch_date=AFTER_OBLIGATION)
    result = screen(p, _index())
    assert result.frame.eu_threshold.id == "eu_works"
    assert result.compulsory is False
