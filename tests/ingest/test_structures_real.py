"""The structure readers on the real official files of ../shared/data/structures.

Expected figures were found by inspecting the files (see docs/formats/structures.md); each assertion
says where the number comes from.
"""

from collections import Counter

import pytest

from levier.ingest.errors import Severity
from levier.ingest.structures import (
    enrich_siae,
    read_esat,
    read_geiq,
    read_siae,
    read_siae_additional,
)
from tests.paths import ESAT_FILE as ESAT
from tests.paths import GEIQ_FILE as GEIQ
from tests.paths import SIAE_ADDITIONAL_FILE as SIAE_ADDITIONAL
from tests.paths import SIAE_FILE as SIAE
from tests.paths import STRUCTURES

pytestmark = pytest.mark.skipif(not STRUCTURES.exists(), reason="shared real data not available")


@pytest.fixture(scope="module")
def esat():
    return read_esat(ESAT)


@pytest.fixture(scope="module")
def siae():
    return read_siae(SIAE)


@pytest.fixture(scope="module")
def geiq():
    return read_geiq(GEIQ)


def messages(result, row):
    return [error.message_fr for error in result.errors if error.row == row]


# --- ESAT -------------------------------------------------------------------------------------------


def test_esat_one_record_per_establishment(esat):
    # 1,504 rows, every one with a FINESS number: none is rejected, the key is the FINESS number.
    assert esat.counts.rows_read == 1504
    assert esat.counts.records == 1504
    assert esat.counts.rows_rejected == 0
    assert len({record.source_key for record in esat.records}) == 1504
    assert all(record.kinds == ("ESAT",) for record in esat.records)


def test_esat_lost_leading_zeros_are_put_back(esat):
    warnings = esat.counts.warnings_by_reason
    # 88 establishments of départements 01-09: FINESS, postcode, commune code and département each lost
    # their zero; 76 legal entities (EJ) of those départements too (88 + 76 FINESS numbers).
    assert warnings["finess_lost_leading_zero"] == 88 + 76
    assert warnings["postcode_lost_leading_zero"] == 88
    assert warnings["insee_code_lost_leading_zero"] == 88
    assert warnings["departement_lost_leading_zero"] == 88
    first = esat.records[0]
    assert (first.finess, first.operator_finess) == ("010008951", "010783009")
    assert (first.postcode, first.insee_code, first.departement) == ("01150", "01047", "01")
    assert "Ligne 2, champ n° FINESS : n° FINESS 10008951 sur 8 chiffres" in messages(esat, 2)[0]


def test_esat_siret_damage(esat):
    warnings = esat.counts.warnings_by_reason
    assert warnings["siret_missing"] == 78
    # 24 SIRETs are carried by 52 establishments: 28 rows repeat a SIRET already read.
    assert warnings["siret_shared"] == 28
    assert warnings["siret_lost_leading_zero"] == 2
    by_key = esat.by_key()
    # Row 568: "8628031000102", 13 digits; its 0-prefixed form is valid and only suggested.
    row_568 = next(record for record in esat.records if record.row == 568)
    assert row_568.siret is None
    assert row_568.siret_status == "lost_leading_zero"
    assert row_568.siret_suggestion == "08628031000102"
    assert any(
        "SIRET 8628031000102 : 13 chiffres" in m and "ligne conservée sans SIRET" in m
        for m in messages(esat, 568)
    )
    # Rows 333-337: five establishments of one association share SIRET 77589836400028.
    shared = [record for record in esat.records if record.siret == "77589836400028"]
    assert [record.row for record in shared] == [333, 334, 335, 336, 337]
    assert len({record.source_key for record in shared}) == 5
    assert any(
        "déjà porté par l'établissement FINESS 300022753 (ligne 333)" in m for m in messages(esat, 334)
    )
    # Row 19 has no SIRET at all: kept, keyed by FINESS.
    row_19 = next(record for record in esat.records if record.row == 19)
    assert row_19.siret is None and row_19.source_key in by_key


def test_esat_geography_and_capacity(esat):
    corsica = [record for record in esat.records if record.departement in ("2A", "2B")]
    assert len(corsica) == 5
    assert all(record.finess[:2] in ("2A", "2B") for record in corsica)
    overseas = Counter(record.departement for record in esat.records if len(record.departement) == 3)
    assert overseas == {"974": 11, "971": 10, "972": 7, "973": 2, "975": 1}
    # Every row gives its authorised places: 119,263 in all (DESIGN.md: about 120,000 workers). 43 give
    # 0, 42 of them secondary establishments whose places are counted at the main one.
    assert all(record.capacity is not None for record in esat.records)
    assert sum(record.capacity for record in esat.records) == 119_263
    zero = [record for record in esat.records if record.capacity == 0]
    assert len(zero) == 43
    assert sum(1 for record in zero if record.is_head_office is False) == 42
    # FINESS pads addresses with runs of spaces; an address of spaces only is no address.
    assert esat.records[0].address == "385 ALL DU PRUNNUS"
    row_6 = next(record for record in esat.records if record.row == 6)
    assert row_6.address is None and "address" not in row_6.fields_present


# --- SIAE -------------------------------------------------------------------------------------------


def test_siae_rows_grouped_into_structures(siae):
    # 3,932 rows = 3,637 distinct SIRETs. Of the 295 extra rows, 38 are exact copies of an earlier
    # row and 27 repeat a (SIRET, measure, convention département) already read; the other 230 are
    # further measures or conventions of a structure.
    assert siae.counts.rows_read == 3932
    assert siae.counts.records == 3637
    assert siae.counts.rows_rejected == 0
    assert siae.counts.warnings_by_reason["duplicate_row"] == 38
    assert siae.counts.warnings_by_reason["duplicate_measure"] == 27
    assert sum(len(record.measures) for record in siae.records) == 3932 - 38 - 27
    kinds = Counter(record.kinds for record in siae.records)
    assert kinds[("ACI",)] == 1710
    assert kinds[("ACI", "EI")] == 102
    assert kinds[("ACI", "AI")] == 77
    assert sum(1 for record in siae.records if len(record.kinds) > 1) == 185


def test_siae_measures_keep_their_identifiers(siae):
    record = siae.by_key()["44066204700016"]  # ETUDES ET CHANTIERS IDF: 5 ACI rows
    assert record.kinds == ("ACI",)
    assert record.rows == (2699, 3261, 3296, 3370, 3497)
    assert {m.row for m in record.measures} <= set(record.rows)
    lepoles = siae.by_key()["43249772500031"]  # LEPOLES: ACI and EI on six rows
    assert lepoles.kinds == ("ACI", "EI")
    assert {(m.kind, m.row) for m in lepoles.measures} >= {("ACI", 2863), ("EI", 3327)}


def test_siae_departements(siae):
    # "059" and "59V" are the same convention département once normalised.
    ozmoz = siae.by_key()["81438664500018"]
    assert [m.convention_departement for m in ozmoz.measures] == ["59"]
    assert any("déjà lue ligne 76" in m for m in messages(siae, 3884))
    # The record's département is the address's, even when the convention is elsewhere.
    a2i = siae.by_key()["79925729000038"]  # conventions 002 and 008, address 08000
    assert a2i.departement == "08"
    assert {m.convention_departement for m in a2i.measures} == {"02", "08"}
    elsewhere = [
        r for r in siae.records if any(m.convention_departement != r.departement for m in r.measures)
    ]
    assert len(elsewhere) == 46
    corsica = {record.departement for record in siae.records if record.postcode.startswith("20")}
    assert corsica == {"2A", "2B"}
    # The code and the name of the département disagree on 87 rows: reported, code kept.
    assert siae.counts.warnings_by_reason["departement_label_mismatch"] == 87
    assert any("libellé « AISNE » différent du département 08 (Ardennes)" in m for m in messages(siae, 57))


def test_siae_exact_duplicate_row_reported(siae):
    assert messages(siae, 646) == ["Ligne 646 : ligne identique à la ligne 641 ; ignorée."]


def test_siae_additional_enrichment(siae):
    additional = read_siae_additional(SIAE_ADDITIONAL)
    # 228 rows, one per SIRET, of départements 62, 67 and 93.
    assert additional.counts.records == 228
    assert additional.counts.warnings_by_reason == {"rome_lower_case": 2}
    assert messages(additional, 121) == [
        "Ligne 121, champ ROME 2 : code ROME « k2204 » en minuscules, lu K2204."
    ]
    ovalie = additional.by_key()["50088443200013"]
    assert len(ovalie.rome_codes) == 9 and "K2204" in ovalie.rome_codes
    # Row 107 has a single space for its ROME code: no code, no error.
    assert additional.by_key()["77564183000440"].rome_codes == ()
    enriched, unmatched = enrich_siae(siae.records, additional.records)
    assert unmatched == []
    assert sum(1 for record in enriched if record.website) == 64
    # 118 rows have something in a ROME column, but row 107 only a space.
    assert sum(1 for record in enriched if record.rome_codes) == 117
    vestali = next(record for record in enriched if record.siret == "41888954900071")
    assert vestali.website == "http://www.vestali.fr/site/"
    assert {"website", "rome_codes"} <= vestali.fields_present


# --- GEIQ -------------------------------------------------------------------------------------------


def test_geiq(geiq):
    assert geiq.counts.rows_read == 171
    assert geiq.counts.records == 170
    # Row 53: "40014944900022" fails the check digit; the SIRET is the key, so the row is rejected.
    assert geiq.counts.rejected_by_reason == {"siret_invalid_checksum": 1}
    [error] = [e for e in geiq.errors if e.severity == Severity.ERROR]
    assert error.row == 53 and error.field == "SIRET"
    assert "la clé de contrôle est fausse" in error.message and "ligne rejetée" in error.message
    # Rows 109, 168, 169, 170: a tab before the SIRET (15 characters), kept with a warning.
    stray = [e.row for e in geiq.errors if e.code == "siret_stray_characters"]
    assert stray == [109, 168, 169, 170]
    assert "dont une tabulation" in messages(geiq, 109)[0]
    assert geiq.by_key()["84302481100013"].row == 109
    # The three empty trailing columns are recognised as unnamed and ignored.
    assert geiq.file_info["unnamed_columns"] == [10, 11, 12]
    assert sum(1 for record in geiq.records if record.naf is None) == 43


# --- determinism, streaming, progress -------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "path"),
    [(read_esat, ESAT), (read_siae, SIAE), (read_geiq, GEIQ), (read_siae_additional, SIAE_ADDITIONAL)],
)
def test_reading_twice_gives_identical_results(reader, path):
    first, second = reader(path), reader(path)
    assert first.records == second.records
    assert first.errors == second.errors
    assert first.counts == second.counts


def test_progress_is_reported_without_reading_twice(monkeypatch):
    import levier.ingest.tabular as tabular

    opened = []
    real_open = tabular.open_table

    def counting_open(path, **kwargs):
        opened.append(path)
        return real_open(path, **kwargs)

    monkeypatch.setattr("levier.ingest.structures.base.open_table", counting_open)
    calls = []
    result = read_siae(SIAE, progress=lambda done, total: calls.append((done, total)))
    assert opened == [SIAE]
    assert calls[-1] == (3932, 3932)
    assert [done for done, _ in calls[:-1]] == list(range(200, 3932, 200))
    assert result.counts.records == 3637
