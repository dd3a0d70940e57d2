"""Cases from practice: what buyers and facilitators reserve, split or give a clause, and why."""

from dataclasses import replace

import pytest

from levier.rules.hours import insertion_hours
from levier.rules.sectors import load_taxonomy
from levier.screening import DirectoryIndex, LotInput, Policy, screen

from .builders import (
    BOURGOIN,
    GIVORS,
    GRENOBLE,
    LYON,
    VIENNE,
    VILLEFRANCHE,
    VILLEURBANNE,
    VOIRON,
    purchase,
    structure,
)


def _disability_supply(sector: str, n: int = 4):
    return [structure(i, "ESAT" if i % 2 else "EA", sector, LYON) for i in range(1, n + 1)]


def test_catering_is_reserved_to_esat_and_ea():
    index = DirectoryIndex.build(_disability_supply("restauration-collective"))
    result = screen(purchase("55523100", 250_000, months=48), index)
    best = result.recommendation
    assert best.code == "reserve_disability", [(o.code, o.score) for o in result.options]
    assert best.candidate_count == 4 and best.candidate_counts == {"EA": 2, "ESAT": 2}
    assert any("structures capables" in f.text_fr for f in best.factors)


def test_printing_and_mailing_are_reserved_to_esat_and_ea():
    index = DirectoryIndex.build(
        _disability_supply("impression")
        + [
            replace(s, id=s.id + 10, sectors=("routage-mise-sous-pli",))
            for s in _disability_supply("impression")
        ]
    )
    for cpv in ("79810000", "79571000"):
        result = screen(purchase(cpv, 60_000, months=36), index)
        assert result.recommendation.code == "reserve_disability", cpv


def test_green_space_upkeep_reserved_to_an_ea_when_eas_carry_it():
    index = DirectoryIndex.build(
        [structure(i, "EA", "espaces-verts-entretien", LYON) for i in range(1, 4)]
        + [structure(9, "ESAT", "impression", LYON)]
    )
    result = screen(purchase("77310000", 120_000, months=36), index)
    assert result.recommendation.code == "reserve_disability"
    assert set(result.recommendation.candidate_counts) == {"EA"}
    # No SIAE in the trade: reserving to them finds nobody and scores nothing.
    assert result.option("reserve_insertion").score == 0


def test_waste_collection_is_split_into_geographic_lots_reserved_to_siae():
    sites = (LYON, VILLEURBANNE, GIVORS, VILLEFRANCHE, GRENOBLE, VOIRON, VIENNE, BOURGOIN)
    # SIAE carrying up to 400 k€ a year each (an EI and an ACI in each town): none can take the whole 1.6 M€.
    entries = [
        structure(number * 2 + offset, kind, "collecte-dechets-menagers", near, turnover=800_000, radius=35)
        for number, near in enumerate((LYON, GIVORS, GRENOBLE, VOIRON, VIENNE, BOURGOIN, VILLEFRANCHE))
        for offset, kind in enumerate(("EI", "ACI"))
    ]
    index = DirectoryIndex.build(entries)
    p = purchase("90511000", 1_600_000, place=replace(LYON, label="Rhône et Isère"), sites=sites, months=48)
    result = screen(p, index)
    assert result.option("reserve_insertion").candidate_count == 0
    geographic = next(s for s in result.splits if s.basis == "geography")
    assert geographic.option == "reserve_insertion"
    assert geographic.candidates_before == 0 and geographic.candidates_after >= 4
    assert all(lot.candidate_count >= 1 for lot in geographic.lots)
    assert "→" in geographic.summary_fr
    lots = result.option("reserve_lots")
    assert lots is not None and lots.candidate_count == geographic.candidates_after
    assert result.recommendation.code == "reserve_lots", [(o.code, o.score) for o in result.options]
    assert not lots.risky
    assert sum(lot.annual_amount for lot in geographic.lots) == pytest.approx(1_600_000)
    assert all(lot.cpv == "90511000" and lot.place.has_position for lot in geographic.lots)


def test_intellectual_services_get_a_five_percent_clause():
    index = DirectoryIndex.build([structure(1, "ESS", "etudes-conseil", LYON)])
    policy = Policy(insertion_rate=0.05, hourly_cost=30)
    result = screen(purchase("79411000", 200_000, months=24), index, policy)
    best = result.recommendation
    assert best.code in ("clause", "clause_criterion"), [(o.code, o.score) for o in result.options]
    share = load_taxonomy().get("etudes-conseil").labour_share
    assert best.hours == insertion_hours(400_000, share, 0.05, 30).hours
    assert "5 %" in result.option("clause").label_fr


def test_a_toys_lot_with_a_single_candidate_is_flagged_risky():
    # The shipped taxonomy's toys trade (CPV 3752xxxx, wooden toys and games made in ESAT workshops).
    toys = load_taxonomy().get("jouets")
    assert toys is not None and "37520000" in toys.cpv_prefixes
    assert {"ESAT", "EA"} <= set(toys.structure_kinds)
    index = DirectoryIndex.build(
        [structure(1, "ESAT", "jouets", GRENOBLE, radius=None), *_disability_supply("impression")]
    )
    p = purchase(
        "30192000",
        None,
        total_amount=90_000,
        lots=(
            LotInput("1", "Jouets", cpv="37520000", total_amount=30_000),
            LotInput("2", "Impression", cpv="79810000", total_amount=60_000),
        ),
    )
    result = screen(p, index)
    toys_lot = next(lot for lot in result.lots if lot.key == "1")
    reserve = next(o for o in toys_lot.options if o.code == "reserve_disability")
    assert reserve.candidate_count == 1 and reserve.risky
    assert any("infructueuse" in w for w in reserve.warnings_fr)
    assert toys_lot.recommendation.code != "reserve_disability"
    # The printing lot can be reserved: the purchase offers to reserve that lot only.
    lots_option = result.option("reserve_lots")
    assert lots_option is not None and lots_option.lots == ("2",)


def test_inclusive_incumbent_and_national_rate_add_points():
    index = DirectoryIndex.build(
        [structure(i, "EA", "nettoyage-locaux", LYON, siret=f"1234567890{i:04d}") for i in range(1, 4)]
    )
    plain = screen(purchase("90910000", 150_000), index)
    held = screen(purchase("90910000", 150_000, current_holder_siret="12345678900001"), index)
    rated = screen(purchase("90910000", 150_000), index, national_rate=lambda cpv: 0.3)
    base = plain.option("reserve_disability").score
    assert held.option("reserve_disability").score > base
    assert any(f.code == "incumbent" for f in held.option("reserve_disability").factors)
    assert rated.option("reserve_disability").score > base
    assert any("30 %" in f.text_fr for f in rated.option("reserve_disability").factors)


def test_result_serialises_for_storage():
    import json

    index = DirectoryIndex.build(_disability_supply("restauration-collective"))
    data = screen(purchase("55523100", 250_000), index).to_dict()
    text = json.dumps(data)  # no default: the stored JSON needs no converter
    assert data["recommendation"] == "reserve_disability" and "L2113-12" in text


def test_a_multi_trade_contract_is_split_by_trade_with_each_lot_its_cpv():
    # Cleaning and green spaces in one 300 k€ contract: no structure does both; each does one at 150 k€.
    index = DirectoryIndex.build(
        [structure(i, "EA", "nettoyage-locaux", LYON, turnover=400_000) for i in range(1, 4)]
        + [structure(10 + i, "ESAT", "espaces-verts-entretien", LYON, turnover=400_000) for i in range(3)]
    )
    p = purchase("90910000", 300_000, other_cpvs=("77310000",))
    result = screen(p, index)
    trade = next(s for s in result.splits if s.basis == "trade")
    assert trade.candidates_before == 0 and trade.candidates_after == 6
    assert [(lot.cpv, lot.candidate_count) for lot in trade.lots] == [("90910000", 3), ("77310000", 3)]
    assert result.recommendation.code == "reserve_lots"
