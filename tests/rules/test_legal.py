import itertools
import json
from datetime import date
from importlib import resources

import pytest

from levier.rules import codelists, legal
from levier.rules.legal import LegalFrameError, OrganisationPolicy, legal_frame
from tests.paths import SHARED_DATA

SOCIAL_GC = SHARED_DATA / "cpv" / "eforms_social-service-cpv.gc"
LAUNCH = date(2026, 9, 1)


def test_every_datum_is_dated_and_sourced():
    for threshold in legal.thresholds():
        assert threshold.source and threshold.valid_from
        assert threshold.valid_to is None or threshold.valid_to >= threshold.valid_from
    for article in legal.articles().values():
        assert article.source and article.valid_from and article.article
    for exemption in legal.obligation_exemptions():
        assert exemption.code and exemption.label_fr and exemption.source


def test_threshold_periods_do_not_overlap():
    by_key = {}
    for threshold in legal.thresholds():
        by_key.setdefault((threshold.id, threshold.buyer_group), []).append(threshold)
    for periods in by_key.values():
        periods.sort(key=lambda t: t.valid_from)
        for before, after in itertools.pairwise(periods):
            assert before.valid_to is not None and before.valid_to < after.valid_from


@pytest.mark.parametrize(
    "nature, kind, day, amount",
    [
        ("services", "etat", date(2025, 12, 31), 143_000),
        ("services", "etat", date(2026, 1, 1), 140_000),
        ("supplies", "commune", date(2025, 12, 31), 221_000),
        ("supplies", "commune", date(2026, 1, 1), 216_000),
        ("works", "commune", date(2025, 12, 31), 5_538_000),
        ("works", "etat", date(2026, 1, 1), 5_404_000),
    ],
)
def test_eu_thresholds_on_both_sides_of_new_year(nature, kind, day, amount):
    frame = legal_frame(100_000, nature, kind, day)
    assert frame.eu_threshold.amount == amount


@pytest.mark.parametrize(
    "day, nature, amount",
    [
        (date(2026, 3, 31), "services", 40_000),
        (date(2026, 4, 1), "services", 60_000),
        (date(2026, 3, 31), "supplies", 40_000),
        (date(2026, 4, 1), "supplies", 60_000),
        (date(2026, 3, 31), "works", 100_000),
        (date(2026, 4, 1), "works", 100_000),
        (date(2020, 7, 23), "works", 40_000),
        (date(2020, 7, 24), "works", 70_000),
        (date(2020, 12, 8), "works", 70_000),
        (date(2020, 12, 9), "works", 100_000),
        (date(2022, 12, 31), "works", 100_000),
        (date(2023, 1, 1), "works", 100_000),
        (date(2024, 12, 31), "works", 100_000),
        (date(2025, 1, 1), "works", 100_000),
        (date(2025, 12, 31), "works", 100_000),
        (date(2026, 1, 1), "works", 100_000),
    ],
)
def test_no_publicity_threshold_by_date(day, nature, amount):
    assert legal.no_publicity_threshold(nature, day).amount == amount


@pytest.mark.parametrize(
    "day, decree",
    [
        (date(2022, 12, 31), "2020-1525"),
        (date(2023, 1, 1), "2022-1683"),
        (date(2024, 12, 31), "2022-1683"),
        (date(2025, 1, 1), "2024-1217"),
        (date(2025, 12, 31), "2024-1217"),
        (date(2026, 1, 1), "2025-1386"),
    ],
)
def test_each_extension_of_the_works_threshold_names_its_text(day, decree):
    assert decree in legal.no_publicity_threshold("works", day).source


def test_supplies_threshold_of_60_000_cites_its_decree():
    assert "2025-1386" in legal.no_publicity_threshold("services", date(2026, 4, 1)).source
    assert "2019-1344" in legal.no_publicity_threshold("services", date(2026, 3, 31)).source


def test_procedure_at_and_around_no_publicity_threshold():
    before = date(2026, 3, 31)
    after = date(2026, 4, 1)
    assert legal_frame(39_999.99, "services", "commune", before).procedure.code == "no_publicity"
    assert legal_frame(40_000, "services", "commune", before).procedure.code == "adapted"
    assert legal_frame(50_000, "services", "commune", before).procedure.code == "adapted"
    assert legal_frame(50_000, "services", "commune", after).procedure.code == "no_publicity"
    assert legal_frame(60_000, "services", "commune", after).procedure.code == "adapted"
    assert legal_frame(99_999, "works", "commune", after).procedure.code == "no_publicity"
    assert legal_frame(100_000, "works", "commune", after).procedure.code == "adapted"


def test_procedure_exactly_at_eu_threshold():
    assert legal_frame(215_999.99, "services", "commune", LAUNCH).procedure.code == "adapted"
    frame = legal_frame(216_000, "services", "commune", LAUNCH)
    assert frame.procedure.code == "formal"
    assert frame.threshold("eu_supplies_services_other").crossed
    assert legal_frame(140_000, "supplies", "etat", LAUNCH).procedure.code == "formal"
    assert legal_frame(5_403_999, "works", "region", LAUNCH).procedure.code == "adapted"
    assert legal_frame(5_404_000, "works", "region", LAUNCH).procedure.code == "formal"


def test_social_obligation_starts_on_21_august_2026():
    # DESIGN §3 fixes 21 August 2026; Légifrance dates the coming version 22 August 2026 (docs/refdata.md).
    before = legal_frame(250_000, "services", "commune", date(2026, 8, 20))
    after = legal_frame(250_000, "services", "commune", date(2026, 8, 21))
    assert not before.obligation_applies and not before.requires("L2112-2-1")
    assert any("21/08/2026" in note for note in before.notes_fr)
    assert after.obligation_applies and after.requires("L2112-2-1")
    assert {e.code for e in after.obligation_exemptions} == {
        "immediately_available",
        "restricts_competition",
        "execution_difficulty",
        "defence_security",
    }
    labels = {e.code: e.label_fr for e in after.obligation_exemptions}
    assert labels["restricts_competition"] == (
        "Une telle prise en compte est de nature à restreindre la concurrence."
    )
    assert "techniquement ou économiquement difficile l'exécution du marché" in labels["execution_difficulty"]
    assert "L2312-1-1" in next(e.source for e in after.obligation_exemptions if e.code == "defence_security")


@pytest.mark.parametrize(
    "day, allowed",
    [(date(2022, 10, 19), False), (date(2022, 10, 20), True), (LAUNCH, True)],
)
def test_prison_work_reservation_from_20_october_2022(day, allowed):
    frame = legal_frame(100_000, "services", "commune", day)
    assert frame.allows("L2113-13-1") is allowed
    if allowed:
        item = next(i for i in frame.allowed if i.article == "L2113-13-1")
        assert item.valid_from == "2022-10-20"
        assert "2022-1336" in item.source
        assert any("50 %" in c for c in item.conditions_fr)
        assert any("L2113-14" in c for c in item.conditions_fr)


@pytest.mark.parametrize(
    "day, allowed",
    [(date(2020, 12, 8), False), (date(2020, 12, 9), True), (LAUNCH, True)],
)
def test_joint_reservation_from_the_asap_law(day, allowed):
    frame = legal_frame(100_000, "works", "commune", day)
    assert frame.allows("L2113-14") is allowed
    assert frame.allows("L2113-12") and frame.allows("L2113-13")
    assert any("L2113-14" in note for note in frame.notes_fr) is not allowed


def test_social_obligation_only_at_or_above_eu_threshold():
    assert not legal_frame(215_999, "services", "commune", LAUNCH).obligation_applies
    assert legal_frame(216_000, "services", "commune", LAUNCH).obligation_applies
    assert not legal_frame(5_000_000, "works", "commune", LAUNCH).obligation_applies
    assert legal_frame(5_404_000, "works", "commune", LAUNCH).obligation_applies


def test_defence_and_security_are_outside_the_obligation():
    frame = legal_frame(1_000_000, "supplies", "etat", LAUNCH, defence_or_security=True)
    assert not frame.obligation_applies
    assert any("défense" in note for note in frame.notes_fr)


def test_reserved_contract_meets_obligation_is_a_setting():
    default = legal_frame(300_000, "services", "commune", LAUNCH)
    assert default.reserved_meets_obligation
    assert any("satisfait" in c for c in default.compulsory[0].conditions_fr)
    strict = legal_frame(300_000, "services", "commune", LAUNCH, reserved_meets_obligation=False)
    assert not strict.reserved_meets_obligation
    assert any("ne suffit pas" in c for c in strict.compulsory[0].conditions_fr)
    by_policy = legal_frame(
        300_000, "services", "commune", LAUNCH, policy=OrganisationPolicy(reserved_meets_obligation=False)
    )
    assert not by_policy.reserved_meets_obligation


def test_buyer_groups():
    assert legal.buyer_group("etat") == "central"
    for kind in ("commune", "departement", "region", "ept_epci", "hopital", "gip", "autre", "centrale_achat"):
        assert legal.buyer_group(kind) == "other"
    ugap = OrganisationPolicy(central_government=True)
    assert legal.buyer_group("centrale_achat", ugap) == "central"
    # a commune cannot opt into the State's thresholds
    assert legal.buyer_group("commune", ugap) == "other"
    frame = legal_frame(150_000, "supplies", "centrale_achat", LAUNCH, policy=ugap)
    assert frame.procedure.code == "formal"
    note = legal_frame(150_000, "supplies", "centrale_achat", LAUNCH)
    assert note.procedure.code == "adapted"
    assert any("Centrale d'achat" in n for n in note.notes_fr)
    with pytest.raises(LegalFrameError):
        legal.buyer_group("ministere")


def test_reservations_always_allowed_and_ess_only_for_social_services():
    frame = legal_frame(10_000, "services", "commune", LAUNCH, cpv="90911200")
    assert frame.allows("L2113-12") and frame.allows("L2113-13") and frame.allows("L2113-14")
    assert not frame.allows("L2113-15")
    assert not frame.social_service
    social = legal_frame(500_000, "services", "commune", LAUNCH, cpv="85311000-2")
    assert social.social_service and social.allows("L2113-15")
    ess = next(item for item in social.allowed if item.article == "L2113-15")
    assert any("3 ans" in c for c in ess.conditions_fr)
    assert social.procedure.code == "adapted_social_services"
    assert social.threshold("eu_social_services").amount == 750_000
    not_pa = legal_frame(500_000, "services", "commune", LAUNCH, cpv="85311000", pouvoir_adjudicateur=False)
    assert not not_pa.allows("L2113-15")


def test_nature_from_cpv_when_missing():
    assert legal_frame(100_000, "", "commune", LAUNCH, cpv="45000000").nature == "works"
    assert legal_frame(100_000, "", "commune", LAUNCH, cpv="3000000").nature == "supplies"
    with pytest.raises(LegalFrameError):
        legal_frame(100_000, "", "commune", LAUNCH)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"amount_ht": -1},
        {"nature": "goods"},
        {"buyer_kind": "nobody"},
        {"cpv": "garbage"},
        {"launch_date": date(2010, 1, 1)},
    ],
)
def test_bad_inputs(kwargs):
    args = {"amount_ht": 100_000, "nature": "services", "buyer_kind": "commune", "launch_date": LAUNCH}
    args.update(kwargs)
    with pytest.raises(LegalFrameError):
        legal_frame(**args)


def test_to_dict_is_json_and_french():
    frame = legal_frame(250_000, "services", "commune", LAUNCH, cpv="90911200")
    data = json.loads(json.dumps(frame.to_dict(), ensure_ascii=False))
    assert data["launch_date"] == "2026-09-01"
    assert data["procedure"]["code"] == "formal"
    assert data["nature_fr"] == "services"
    assert "seuil européen" in data["summary_fr"]
    assert {t["id"] for t in data["thresholds"]} >= {
        "eu_supplies_services_other",
        "no_publicity_supplies_services",
    }


def test_ess_conditions_and_spaser():
    assert legal.ess_reservation_issues(36, False) == []
    issues = legal.ess_reservation_issues(48, True)
    assert len(issues) == 2 and "36 mois" in issues[0]
    assert legal.spaser_required(50_000_001)
    assert not legal.spaser_required(50_000_000)


def test_shipped_social_service_list_matches_the_official_file():
    official = codelists.read_genericode(SOCIAL_GC)
    shipped = codelists.social_service_cpv()
    assert len(official.codes) == 115
    assert set(shipped) == set(official.codes)
    assert shipped["85311000"] == official.codes["85311000"]["fra_label"]
    shipped_file = resources.files("levier.rules") / "data" / "social_service_cpv.json"
    assert "CC BY 4.0" in json.loads(shipped_file.read_text("utf-8"))["licence"]
    assert codelists.is_social_service_cpv("85311000")
    assert not codelists.is_social_service_cpv("90911200")
