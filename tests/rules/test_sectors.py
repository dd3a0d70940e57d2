"""The sector taxonomy: integrity against the official CPV list, lookups by CPV and NAF, overrides."""

import csv
import json
from collections import Counter

import pytest

from levier.rules import cpv as cpv_rules
from levier.rules.sectors import (
    DATA_FILE,
    PROVISION_KINDS,
    STRUCTURE_KINDS,
    Taxonomy,
    TaxonomyError,
    cpv_prefix,
    load_taxonomy,
    normalize_naf,
)
from tests.paths import SHARED_DATA, SIAE_FILE

EFORMS_FR = SHARED_DATA / "cpv" / "eforms_code_fr.xml"


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="module")
def cpv_labels():
    if not EFORMS_FR.exists():
        pytest.skip(f"official CPV file missing: {EFORMS_FR}")
    return cpv_rules.read_eforms_labels(EFORMS_FR)


def test_size_and_groups(taxonomy):
    assert 100 <= len(taxonomy.sectors) <= 150
    assert 18 <= len(taxonomy.groups) <= 24
    counts = Counter(sector.group for sector in taxonomy.sectors)
    assert all(counts[group.code] >= 2 for group in taxonomy.groups), counts


def test_codes_are_unique_slugs(taxonomy):
    codes = [sector.code for sector in taxonomy.sectors]
    assert len(codes) == len(set(codes))
    assert all(code == code.lower() and " " not in code and code.isascii() for code in codes)
    assert len({g.code for g in taxonomy.groups}) == len(taxonomy.groups)


def test_file_is_dated_and_explains_labour_shares():
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert document["version"] and document["date"] == "2026-11-23"
    assert "estimation" in document["notes"]["labour_share"]


def test_every_cpv_prefix_is_a_real_cpv_code(taxonomy, cpv_labels):
    missing = [(s.code, c) for s in taxonomy.sectors for c in s.cpv_prefixes if c not in cpv_labels]
    assert not missing
    assert all(sector.cpv_prefixes for sector in taxonomy.sectors)


def test_fields_use_the_closed_vocabularies(taxonomy):
    for sector in taxonomy.sectors:
        assert 0.0 <= sector.labour_share <= 1.0
        assert sector.provision_kinds and set(sector.provision_kinds) <= set(PROVISION_KINDS)
        assert sector.structure_kinds and set(sector.structure_kinds) <= set(STRUCTURE_KINDS)
        assert len(sector.keywords) >= 3, sector.code
        assert all(normalize_naf(naf) == naf for naf in sector.naf_prefixes)


def test_design_reference_labour_shares(taxonomy):
    assert taxonomy.labour_share("peinture-interieure") == pytest.approx(0.70)
    assert taxonomy.labour_share("maconnerie-gros-oeuvre") == pytest.approx(0.50)
    assert taxonomy.labour_share("charpente-metallique") == pytest.approx(0.20)
    assert taxonomy.labour_share("nettoyage-locaux") >= 0.8
    assert taxonomy.get("peinture-interieure").labour_share_basis == "design"


def test_cpv_prefix_reads_trailing_zeros():
    assert cpv_prefix("77310000") == "7731"
    assert cpv_prefix("45000000") == "45"
    assert cpv_prefix("03000000") == "03"
    assert cpv_prefix("45442100") == "454421"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("77310000-6", "espaces-verts-entretien"),
        ("77311000", "espaces-verts-entretien"),
        ("90919200", "nettoyage-locaux"),
        ("45442110", "peinture-interieure"),
        ("55321000", "repas-liaison"),
        ("79571000", "routage-mise-sous-pli"),
        ("98392000", "demenagement"),
    ],
)
def test_sectors_for_cpv_longest_prefix_first(taxonomy, code, expected):
    matches = taxonomy.sectors_for_cpv(code)
    assert matches[0].sector.code == expected
    depths = [m.depth for m in matches]
    assert depths == sorted(depths, reverse=True)


def test_generic_cpv_reaches_narrower_sectors_only_on_request(taxonomy):
    direct = {m.sector.code for m in taxonomy.sectors_for_cpv("45000000")}
    wide = taxonomy.sectors_for_cpv("45000000", narrower=True)
    assert "peinture-interieure" not in direct
    assert any(m.sector.code == "peinture-interieure" and m.narrower for m in wide)


def test_unusable_cpv_gives_no_sector(taxonomy):
    assert taxonomy.sectors_for_cpv("n/a") == []
    assert taxonomy.sectors_for_cpv("") == []


def test_sectors_for_naf(taxonomy):
    assert normalize_naf("81.30z") == "8130Z"
    assert normalize_naf("not a code") is None
    assert taxonomy.sectors_for_naf("81.30Z")[0].code == "espaces-verts-entretien"
    assert "nettoyage-locaux" in {s.code for s in taxonomy.sectors_for_naf("8121Z")}
    # The status codes every SIAE carries say nothing about its trade.
    assert taxonomy.sectors_for_naf("8899B") == []
    assert taxonomy.sectors_for_naf("9499Z") == []


def test_real_structure_naf_codes_reach_sectors(taxonomy):
    path = SIAE_FILE
    if not path.exists():
        pytest.skip("SIAE list missing")
    with open(path, encoding="utf-8", newline="") as handle:
        codes = Counter(row["CODE_NAF2"] for row in csv.DictReader(handle, delimiter=";"))
    trade_codes = {"8130Z", "8121Z", "3832Z", "3811Z", "4334Z", "5610A", "9601B", "7820Z", "7830Z"}
    assert trade_codes <= set(codes)
    assert all(taxonomy.sectors_for_naf(code) for code in trade_codes)


def test_organisation_overrides(taxonomy):
    assert taxonomy.labour_share("peinture-interieure", {"peinture-interieure": 0.6}) == pytest.approx(0.6)
    own = taxonomy.with_overrides({"nettoyage-locaux": {"labour_share": 0.75}})
    assert own.labour_share("nettoyage-locaux") == pytest.approx(0.75)
    assert own.get("nettoyage-locaux").labour_share_basis == "organisation"
    assert taxonomy.labour_share("nettoyage-locaux") != pytest.approx(0.75)
    with pytest.raises(TaxonomyError):
        taxonomy.with_overrides({"nettoyage-locaux": 1.5})
    with pytest.raises(TaxonomyError):
        taxonomy.with_overrides({"inconnu": 0.5})
    with pytest.raises(KeyError):
        taxonomy.labour_share("inconnu")


def test_invalid_file_is_refused():
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    document["sectors"][0]["group"] = "nulle-part"
    document["sectors"][1]["labour_share"] = 2
    with pytest.raises(TaxonomyError, match="groupe inconnu"):
        Taxonomy.from_dict(document)
