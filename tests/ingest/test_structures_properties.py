"""Property-based tests: whatever text the cells hold, or whatever bytes the file holds, a structure
reader returns a result (records, French errors) and never raises."""

import csv
import io
import math
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from levier.ingest.errors import Severity
from levier.ingest.structures import (
    lambert93_to_wgs84,
    read_ea,
    read_esat,
    read_geiq,
    read_lemarche,
    read_siae,
    wgs84_to_lambert93,
)
from levier.ingest.structures.esat import COLUMNS as ESAT_COLUMNS
from levier.ingest.structures.geiq import COLUMNS as GEIQ_COLUMNS
from levier.ingest.structures.siae import COLUMNS as SIAE_COLUMNS

READERS = {
    "esat": (read_esat, [column.synonyms[0] for column in ESAT_COLUMNS[:14]]),
    "siae": (read_siae, [column.synonyms[0] for column in SIAE_COLUMNS]),
    "geiq": (read_geiq, [column.synonyms[0] for column in GEIQ_COLUMNS]),
    "ea": (
        read_ea,
        [
            "SIRET",
            "Raison sociale",
            "Type",
            "Code postal",
            "Département",
            "Latitude",
            "Longitude",
            "Secteurs",
        ],
    ),
}

# Cell text: anything printable or not, plus the values that look like the real damage.
cells = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "\t84302481100013",
            "8628031000102",
            "1",
            "02A",
            "59L",
            "2A004",
            "1e13",
            "12345678901234.0",
            "nan",
            "inf",
            "-1",
            "20",
            "97",
            "ESAT",
            "EATT",
            "k2204",
        ]
    ),
    st.from_regex(r"\d{1,16}", fullmatch=True),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_result(result, rows_written: int) -> None:
    assert result.counts.rows_read <= rows_written
    assert result.counts.records <= result.counts.rows_read
    for error in result.errors:
        assert error.message_fr and error.severity in (Severity.ERROR, Severity.WARNING)
    keys = [record.source_key for record in result.records]
    assert len(keys) == len(set(keys)), "source keys are unique"
    for record in result.records:
        assert record.siret is None or (len(record.siret) == 14 and record.siret.isdigit())
        assert record.postcode is None or (len(record.postcode) == 5 and record.postcode.isdigit())


@SETTINGS
@given(
    st.sampled_from(sorted(READERS)),
    st.data(),
    st.sampled_from([";", ",", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_arbitrary_cells_never_crash_a_reader(name, data, delimiter, encoding):
    reader, headers = READERS[name]
    rows = data.draw(
        st.lists(st.lists(cells, min_size=len(headers), max_size=len(headers) + 2), min_size=1, max_size=8)
    )
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([headers, *rows])
    payload = buffer.getvalue().encode(encoding, errors="replace")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "list.csv"
        path.write_bytes(payload)
        result = reader(path)
    check_result(result, len(rows))


@SETTINGS
@given(st.sampled_from(sorted(READERS)), st.binary(max_size=400))
# Found by this test: a ZIP signature in a .csv file used to crash openpyxl's extension check.
@example("ea", b"PK\x03\x04")
def test_arbitrary_bytes_never_crash_a_reader(name, payload):
    reader, _ = READERS[name]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "list.csv"
        path.write_bytes(payload)
        result = reader(path)
    # Random bytes have no SIRET column: the file is refused as a whole, with a French reason.
    assert result.records == []
    assert result.file_errors and all(error.message_fr for error in result.file_errors)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
api_items = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "siret": cells | json_values,
        "name": cells | json_values,
        "kind": st.sampled_from(["ACI", "EA", "xyz", ""]) | json_values,
        "presta_type": st.lists(st.sampled_from(["DISP", "PREST", "BUILD", "?"])) | json_values,
        "post_code": cells | json_values,
        "department": cells | json_values,
        "sectors": st.lists(st.fixed_dictionaries({"slug": st.text(max_size=10)})) | json_values,
        "is_active": json_values,
    },
)


@SETTINGS
@given(
    st.one_of(
        st.lists(api_items | json_values, max_size=6),
        st.fixed_dictionaries({"results": st.lists(api_items, max_size=6)}),
        json_values,
    )
)
def test_arbitrary_json_never_crashes_the_lemarche_reader(data):
    import json

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "api.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        result = read_lemarche(path)
    assert all(error.message_fr for error in result.errors)
    assert len({record.source_key for record in result.records}) == len(result.records)


@given(st.floats(41.0, 51.5), st.floats(-5.5, 10.0))
def test_lambert93_round_trip(lat, lon):
    x, y = wgs84_to_lambert93(lat, lon)
    back_lat, back_lon = lambert93_to_wgs84(x, y)
    assert math.isclose(back_lat, lat, abs_tol=1e-9) and math.isclose(back_lon, lon, abs_tol=1e-9)
