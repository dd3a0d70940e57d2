"""The DECP readers on the real samples and on the official schema's examples (../shared/data/decp).

Expected counts are computed in each test by an independent reading of the same file with the standard
library's json module, where the rule is simple enough to restate; otherwise the figure is pinned and the
comment says how it was verified.
"""

import html
import json
import re
from collections import Counter

import pytest

from levier.ingest.decp import ReadReport, read_contracts
from levier.ingest.decp.records import KIND_CONCESSION, SOCIAL_CLAUSE, SOCIAL_CRITERION
from tests.paths import SHARED_DATA

DECP = SHARED_DATA / "decp"
PES = DECP / "samples" / "decp2019_pes_2019-04-05.json"
EMP = DECP / "samples" / "decp2019_e-marchespublics_2019-04-03.json"
SAMPLE_2024 = DECP / "samples" / "decp2022_format_sample.json"
SAMPLE_2024_B = DECP / "samples" / "decp2022_format_sample_2.json"
MODIFICATIONS = DECP / "schema" / "139bercy_example_marches_avec_modifications.json"
CONCESSIONS = DECP / "schema" / "139bercy_example_marches_concessions.json"

pytestmark = pytest.mark.skipif(not DECP.exists(), reason="shared real data not available")


def read(path):
    report = ReadReport()
    contracts = list(read_contracts(path, report))
    return contracts, report


def raw_records(path):
    """Independent reading: the whole document with json.load, whatever the layout."""
    document = json.loads(path.read_text("utf-8"))
    marches = document["marches"]
    if isinstance(marches, dict):
        return marches.get("marche", []) + marches.get("contrat-concession", [])
    return marches


@pytest.mark.parametrize("path", [PES, EMP, SAMPLE_2024_B, MODIFICATIONS, CONCESSIONS])
def test_every_record_is_read_once(path):
    contracts, report = read(path)
    records = raw_records(path)
    assert report.records == len(records)
    assert report.contracts == len(contracts) == len(records)  # every record has an id and a buyer
    assert Counter(c.contract_id for c in contracts) == Counter(str(r["id"]) for r in records)


def test_pes_sample_repairs_and_drops_by_reason():
    contracts, report = read(PES)
    records = raw_records(PES)
    amounts = [r["montant"] for r in records]
    # Every PES date carries a time zone ("2018-12-17+01:00").
    assert report.reasons["date_time_zone_removed"] == sum(
        1 for r in records if re.search(r"[+-]\d\d:\d\d$", r["dateNotification"])
    )
    assert report.reasons["amount_zero"] == sum(1 for a in amounts if a == 0) == 2
    assert (
        report.reasons["amount_placeholder"] == sum(1 for a in amounts if re.fullmatch(r"9{6,}", str(a))) == 4
    )
    assert report.reasons["text_entities_decoded"] == sum(
        1 for r in records if html.unescape(r["objet"]) != r["objet"]
    )
    assert report.reasons["modifications_applied"] == sum(1 for r in records if r["modifications"]) == 8
    # 53 CPV values are not valid codes: 36 with a wrong check digit (kept), 17 whose division does not
    # exist ("20190128-1", a date typed in the CPV field), checked one by one against rules.cpv.
    assert report.reasons["cpv_check_digit_ignored"] == 36
    assert report.reasons["cpv_invalid"] == 17
    assert sum(1 for c in contracts if c.cpv is None) == 17
    assert report.reasons["social_not_published"] == len(records)
    assert report.rejected == 0
    assert all(c.social is None for c in contracts)


def test_dropped_values_are_left_empty_not_guessed():
    contracts, _ = read(PES)
    by_position = {c.position: c for c in contracts}
    for position, record in enumerate(raw_records(PES), 1):
        contract = by_position[position]
        if record["montant"] in (0, 99999999, 999999999):
            assert contract.initial_amount is None
        else:
            assert contract.initial_amount == pytest.approx(float(record["montant"]))
        if not record["modifications"]:
            assert contract.amount == contract.initial_amount
        assert contract.notified_on.isoformat() == record["dateNotification"][:10]


def test_holders_and_buyers_are_normalised():
    contracts, report = read(EMP)
    records = raw_records(EMP)
    assert sum(len(c.initial_holders) for c in contracts) == sum(
        len({t["id"] for t in r["titulaires"]}) for r in records
    )
    first = contracts[0]
    assert first.buyer_siret == "28850001000013"
    assert first.holders[0].siret == "82746233400018"
    assert first.place_type == "departement" and first.departement == "85" and first.region == "52"
    assert report.reasons["holder_siret_invalid"] == 0


def test_2024_sample_reads_social_considerations_and_modifications():
    contracts, report = read(SAMPLE_2024)
    assert report.records == 5  # json.load refuses this file: it holds bare NaN values
    by_id = {c.contract_id: c for c in contracts}
    assert by_id["202207LOT03"].social == (SOCIAL_CLAUSE, SOCIAL_CRITERION)
    assert by_id["2022VI2022.242"].social == ("Pas de considération sociale",)
    assert by_id["2022VI2022.242"].duration_months is None  # "NC"
    assert by_id["2020F00075"].initial_amount is None  # 1e17
    assert report.reasons["amount_implausible"] == 1
    assert report.reasons["duration_invalid"] == 1


def test_official_example_modifications_are_applied():
    contracts, report = read(MODIFICATIONS)
    first = contracts[0]
    # Initial: 575 000 €, 48 months, holder 55204599900869; modification 1: 123 457,87 €, 12 months, and
    # a holder whose identifier has 15 digits (kept as published, without SIRET).
    assert (first.initial_amount, first.initial_duration_months) == (575000.0, 48)
    assert (first.amount, first.duration_months, first.modifications) == (123457.87, 12, 1)
    assert [h.siret for h in first.initial_holders] == ["55204599900869"]
    assert [(h.identifier, h.siret) for h in first.holders] == [("868768687576575", None)]
    assert first.social == (SOCIAL_CLAUSE, SOCIAL_CRITERION)
    assert report.reasons["modifications_applied"] == 2
    assert report.reasons["holder_siret_invalid"] == 2
    # "21750001630066" fails the Luhn check; the example's second buyer passes it.
    assert first.buyer_siret is None and first.buyer_id == "21750001630066"
    assert contracts[1].buyer_siret == "21750001630040"


def test_official_example_concessions_are_imported_as_concessions():
    contracts, report = read(CONCESSIONS)
    concessions = [c for c in contracts if c.kind == KIND_CONCESSION]
    assert len(concessions) == len(raw_records(CONCESSIONS)) - 2 == 2
    assert report.reasons["concession"] == 2
    first = concessions[0]
    assert first.cpv is None and first.nature == "works" and first.legal_nature == "Concession de travaux"
    assert (first.initial_amount, first.amount) == (10.3, 25.0)  # valeurGlobale, then its modification
    assert (first.initial_duration_months, first.duration_months) == (12, 14)
    assert first.notified_on.isoformat() == "2024-04-02"  # dateSignature
    assert [h.siret for h in first.holders] == ["38103128500491", "38103128500574"]
    assert first.social == (SOCIAL_CLAUSE, SOCIAL_CRITERION)
