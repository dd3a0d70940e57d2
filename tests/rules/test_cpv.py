import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from levier.rules import cpv
from levier.rules.cpv import CpvCatalogue, check_digit, normalize_cpv
from tests.paths import SHARED_DATA

EFORMS_FR = SHARED_DATA / "cpv" / "eforms_code_fr.xml"
EFORMS_EN = SHARED_DATA / "cpv" / "eforms_code_en.xml"

# Codes with their check digit as published in the official CPV 2008 lists.
KNOWN = [
    "45000000-7", "03000000-1", "90911200-8", "79000000-4", "30192700-8", "15000000-8",
    "45233140-2", "45233120-6", "15131134-3", "14212000-0", "45212314-0", "44912400-0",
    "09000000-3", "09100000-0", "09310000-5", "09134231-5", "09211610-0",
]  # fmt: skip

SIMAP_FIXTURE = """<?xml version="1.0" encoding="UTF-8"?>
<CPV_CODE>
<CPV CODE="03000000-1">
<TEXT LANG="EN">Agricultural, farming, fishing, forestry and related products</TEXT>
<TEXT LANG="FR">Produits agricoles, de l'élevage, de la pêche, de la sylviculture et produits connexes</TEXT>
</CPV>
<CPV CODE="45000000-7">
<TEXT LANG="EN">Construction work</TEXT>
<TEXT LANG="FR">Travaux de construction</TEXT>
</CPV>
<CPV CODE="45200000-9">
<TEXT LANG="EN">Works for complete or part construction and civil engineering work</TEXT>
<TEXT LANG="FR">Travaux de construction complète ou partielle et travaux de génie civil</TEXT>
</CPV>
<CPV CODE="45210000-2">
<TEXT LANG="EN">Building construction work</TEXT>
<TEXT LANG="FR">Travaux de construction de bâtiments</TEXT>
</CPV>
<CPV CODE="45212314-0">
<TEXT LANG="EN">Historical monument or memorial construction work</TEXT>
<TEXT LANG="FR">Travaux de construction de monuments historiques ou commémoratifs</TEXT>
</CPV>
<CPV CODE="90911200-8">
<TEXT LANG="EN">Building-cleaning services</TEXT>
<TEXT LANG="FR">Services de nettoyage de bâtiments</TEXT>
</CPV>
</CPV_CODE>
"""


@pytest.fixture
def simap_file(tmp_path):
    path = tmp_path / "cpv_2008.xml"
    path.write_text(SIMAP_FIXTURE, encoding="utf-8")
    return path


@pytest.mark.parametrize("formatted", KNOWN)
def test_check_digit_matches_official_codes(formatted):
    code, digit = formatted.split("-")
    assert check_digit(code) == int(digit)
    assert cpv.format_cpv(code) == formatted


def test_check_digit_rejects_non_codes():
    with pytest.raises(cpv.CpvError):
        check_digit("4500000")


@pytest.mark.parametrize(
    "raw, code, status",
    [
        ("45000000-7", "45000000", "valid"),
        ("45000000", "45000000", "valid"),
        (" 45 000 000 - 7 ", "45000000", "valid"),
        ("45000000–7", "45000000", "valid"),
        ("450000007", "45000000", "valid"),
        ("45000000-7 Travaux de construction", "45000000", "valid"),
        ("45000000.0", "45000000", "valid"),
        (45000000, "45000000", "valid"),
        ("3000000", "03000000", "lost_leading_zero"),
        ("3000000-1", "03000000", "lost_leading_zero"),
        (3000000.0, "03000000", "lost_leading_zero"),
        ("45000000-3", "45000000", "wrong_check_digit"),
    ],
)
def test_normalize(raw, code, status):
    check = normalize_cpv(raw)
    assert (check.code, check.status) == (code, status)
    assert check.message_fr


@pytest.mark.parametrize(
    "raw, status",
    [
        (None, "empty"),
        ("", "empty"),
        ("abc", "not_digits"),
        ("4500000", "unknown_division"),  # "04500000": no division 04
        ("12000000", "unknown_division"),
        ("450000", "wrong_length"),
        ("450000001", "wrong_length"),  # a glued 9th digit that is not the check digit
    ],
)
def test_normalize_rejections(raw, status):
    check = normalize_cpv(raw)
    assert check.status == status
    assert not check.is_usable


def test_wrong_check_digit_is_not_usable_but_keeps_the_code():
    check = normalize_cpv("45000000-3")
    assert check.code == "45000000"
    assert not check.is_usable
    assert "45000000-7" in check.message_fr


def test_hierarchy():
    assert cpv.level("45000000") == 1
    assert cpv.level("45200000") == 2
    assert cpv.level("45210000") == 3
    assert cpv.level("45212000") == 4
    assert cpv.level("45212300") == 5
    assert cpv.level("45212314") == 7
    assert cpv.division("45212314") == "45000000"
    assert cpv.group("45212314") == "45200000"
    assert cpv.class_("45212314") == "45210000"
    assert cpv.category("45212314") == "45212000"
    assert cpv.parent("45212314") == "45212310"
    assert cpv.parent("45000000") is None
    assert cpv.parent("30000000") is None
    assert cpv.ancestors("45212314") == [
        "45000000",
        "45200000",
        "45210000",
        "45212000",
        "45212300",
        "45212310",
    ]
    assert cpv.is_within("45212314", "45200000")
    assert not cpv.is_within("45212314", "45100000")
    assert cpv.level("45000000-7") == 1


@pytest.mark.parametrize(
    "code, nature",
    [
        ("45000000", "works"),
        ("45233140", "works"),
        ("03000000", "supplies"),
        ("44000000", "supplies"),
        ("30192700", "supplies"),
        ("48000000", "supplies"),
        ("50000000", "services"),
        ("79000000", "services"),
        ("90911200", "services"),
        ("98000000", "services"),
    ],
)
def test_nature(code, nature):
    assert cpv.nature(code) == nature


def test_read_real_eforms_labels():
    labels = cpv.read_eforms_labels(EFORMS_FR, "fr")
    assert len(labels) == 9454
    assert labels["45000000"] == "Travaux de construction"
    assert all(len(code) == 8 and code.isdigit() for code in labels)
    assert cpv.division("09310000") in labels
    english = cpv.read_eforms_labels(EFORMS_EN, "en")
    assert english["45000000"] == "Construction work"


def test_every_real_division_is_known():
    labels = cpv.read_eforms_labels(EFORMS_FR)
    divisions = {code[:2] for code in labels}
    assert divisions == set(cpv.DIVISIONS)


def test_read_eforms_from_a_directory(tmp_path):
    (tmp_path / "code_fr.xml").write_bytes(EFORMS_FR.read_bytes())
    assert len(cpv.read_eforms_labels(tmp_path, "fr")) == 9454
    with pytest.raises(FileNotFoundError):
        cpv.read_eforms_labels(tmp_path, "de")


def test_read_simap(simap_file):
    labels = cpv.read_simap_cpv(simap_file)
    assert labels["45000000"] == "Travaux de construction"
    assert len(labels) == 6
    assert cpv.read_simap_cpv(simap_file, "EN")["90911200"] == "Building-cleaning services"
    assert cpv.detect_format(simap_file) == "simap"
    assert cpv.detect_format(EFORMS_FR) == "eforms"


def test_simap_check_digits_agree_with_the_algorithm(simap_file):
    import xml.etree.ElementTree as ET

    for element in ET.parse(simap_file).getroot().iter("CPV"):
        code, digit = element.get("CODE").split("-")
        assert check_digit(code) == int(digit)


def test_catalogue(simap_file):
    catalogue = CpvCatalogue.from_file(simap_file)
    assert catalogue.label("45000000-7") == "Travaux de construction"
    assert catalogue.label("3000000") is not None
    assert catalogue.label("garbage") is None
    assert catalogue.codes()[0] == "03000000"
    assert catalogue.children("45000000") == ["45200000"]
    # 45212314's structural parents 45212310 .. 45212000 are absent: its nearest ancestor is 45210000
    assert catalogue.parent("45212314") == "45210000"
    assert catalogue.children("45210000") == ["45212314"]
    assert catalogue.describe("90911200") == "90911200-8 Services de nettoyage de bâtiments"
    assert catalogue.search("nettoyage batiments") == ["90911200"]
    assert normalize_cpv("45100000", catalogue).status == "unknown_code"


def test_empty_catalogue_works_on_codes():
    catalogue = CpvCatalogue()
    assert not catalogue.loaded
    assert catalogue.label("45000000") is None
    assert catalogue.describe("45000000") == "45000000-7"
    assert catalogue.parent("45210000") == "45200000"
    assert normalize_cpv("45100000", catalogue).status == "valid"


def test_codes_from():
    assert cpv.codes_from(["45000000-7", "3000000", "bad", "45000000"]) == ["45000000", "03000000"]


code8 = st.builds(
    lambda division, rest: division + rest,
    st.sampled_from(sorted(cpv.DIVISIONS)),
    st.text(alphabet=string.digits, min_size=6, max_size=6),
)


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=True)))
def test_normalize_never_crashes(value):
    check = normalize_cpv(value)
    assert check.status
    if check.is_usable:
        assert len(check.code) == 8


@given(code8)
def test_round_trip_and_idempotence(code):
    formatted = cpv.format_cpv(code)
    check = normalize_cpv(formatted)
    assert check.status == "valid" and check.code == code
    assert normalize_cpv(check.formatted).code == code
    assert normalize_cpv(code).code == code


@given(code8, st.integers(min_value=0, max_value=9))
def test_any_other_check_digit_is_flagged(code, digit):
    check = normalize_cpv(f"{code}-{digit}")
    if digit == check_digit(code):
        assert check.status == "valid"
    else:
        assert check.status == "wrong_check_digit"


@given(code8)
def test_hierarchy_properties(code):
    chain = cpv.ancestors(code)
    levels = [cpv.level(ancestor) for ancestor in [*chain, code]]
    assert levels == sorted(set(levels))
    assert not chain or chain[0] == cpv.division(code)
    assert all(cpv.is_within(code, ancestor) for ancestor in chain)
    assert cpv.nature(code) == cpv.nature(cpv.division(code))
