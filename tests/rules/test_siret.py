import csv
import string
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from levier.rules.siret import (
    is_valid_siren,
    is_valid_siret,
    luhn_ok,
    normalize_siren,
    normalize_siret,
)
from tests.paths import ESAT_FILE, GEIQ_FILE

# Real SIRETs read from shared/data/structures (ESAT, SIAE and GEIQ lists) and La Poste's head office.
REAL_SIRETS = ["35600000000048", "41071771400035", "34356040500023", "79914163500018", "38280216300099"]


def luhn_digit(body: str) -> str:
    return next(d for d in string.digits if luhn_ok(body + d))


@pytest.mark.parametrize("siret", REAL_SIRETS)
def test_real_sirets_are_valid(siret):
    check = normalize_siret(siret)
    assert check.status == "valid"
    assert check.value == siret
    assert check.siren == siret[:9]
    assert is_valid_siren(check.siren)


def test_la_poste_offices_use_the_digit_sum_rule():
    # 35600000000001: digit sum 15, a multiple of 5, and not a Luhn number.
    assert not luhn_ok("35600000000001")
    assert is_valid_siret("35600000000001")
    assert not is_valid_siret("35600000000002")
    # the same digits outside La Poste's SIREN are only judged by Luhn
    assert not is_valid_siret("35600000100001") or luhn_ok("35600000100001")


def test_wrong_checksum_is_reported_without_value():
    check = normalize_siret("41071771400036")
    assert check.status == "invalid_checksum"
    assert check.value is None
    assert "clé de contrôle" in check.message_fr


@pytest.mark.parametrize(
    "raw",
    [
        "410 717 714 00035",
        "410.717.714.00035",
        "410\u00a0717\u00a0714\u00a000035",
        "41071771400035.0",
        "\t41071771400035",
    ],
)
def test_separators_and_spreadsheet_floats_are_cleaned(raw):
    assert normalize_siret(raw).value == "41071771400035"


def test_float_and_int_inputs():
    assert normalize_siret(41071771400035).value == "41071771400035"
    assert normalize_siret(41071771400035.0).value == "41071771400035"


def test_lost_leading_zero_is_flagged_not_repaired():
    # Real damage from the ESAT list: SIRET 08628031000102 read by a spreadsheet as a number.
    check = normalize_siret("8628031000102")
    assert check.status == "lost_leading_zero"
    assert check.value is None
    assert check.suggestion == "08628031000102"
    assert is_valid_siret(check.suggestion)
    assert "zéro" in check.message_fr


def test_thirteen_digits_that_do_not_repair_are_wrong_length():
    check = normalize_siret("4107177140003")
    assert check.status == "wrong_length"
    assert check.suggestion is None


def test_fifteen_digits_are_rejected_with_a_reason():
    check = normalize_siret("410717714000351")
    assert check.status == "wrong_length"
    assert "15 chiffres" in check.message_fr


@pytest.mark.parametrize(
    "raw, status", [(None, "empty"), ("", "empty"), ("   ", "empty"), ("ABC123", "not_digits")]
)
def test_empty_and_garbage(raw, status):
    assert normalize_siret(raw).status == status


def test_a_siren_is_named_as_such():
    check = normalize_siret("410717714")
    assert check.status == "wrong_length"
    assert "SIREN" in check.message_fr
    assert normalize_siren("410717714") == "410717714"
    assert normalize_siren("41071771400035") == "410717714"
    assert normalize_siren("garbage") is None


def test_real_esat_list_statuses():
    with open(ESAT_FILE, encoding="utf-8") as handle:
        statuses = Counter(normalize_siret(row["ET-SIRET"]).status for row in csv.DictReader(handle))
    assert statuses["valid"] > 1400
    assert statuses["lost_leading_zero"] >= 1
    assert statuses["empty"] > 0


def test_real_geiq_list_with_tab_prefixed_values():
    with open(GEIQ_FILE, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    odd = [row["SIRET"] for row in rows if len(row["SIRET"]) != 14]
    assert odd, "the GEIQ list carries values of another length"
    assert all(normalize_siret(value).status == "valid" for value in odd)


@given(st.text())
def test_never_crashes_on_any_text(text):
    check = normalize_siret(text)
    assert check.status in {
        "valid",
        "invalid_checksum",
        "lost_leading_zero",
        "wrong_length",
        "empty",
        "not_digits",
    }
    if check.value is not None:
        assert check.status == "valid" and is_valid_siret(check.value)


@given(st.text(alphabet=string.digits, min_size=13, max_size=13))
def test_valid_sirets_round_trip_and_are_idempotent(body):
    siret = body + luhn_digit(body)
    check = normalize_siret(siret)
    assert check.value == siret
    assert normalize_siret(check.value) == check
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    assert normalize_siret(spaced).value == siret


@given(st.text(alphabet=string.digits, min_size=12, max_size=12))
def test_dropped_leading_zero_is_always_suggested_back(body):
    siret = "0" + body + luhn_digit("0" + body)
    check = normalize_siret(siret[1:])
    assert check.status == "lost_leading_zero"
    assert check.suggestion == siret
