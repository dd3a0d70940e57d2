"""Generated DECP records of any shape: the normaliser never raises, and what it keeps is always clean."""

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from levier.ingest.decp import ReadReport, read_contracts
from levier.ingest.decp.normalize import normalize
from levier.ingest.decp.reasons import REASONS
from levier.ingest.decp.values import IMPLAUSIBLE_AMOUNT, MAX_DURATION_MONTHS, MIN_YEAR
from levier.rules.siret import is_valid_siret

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        ["45000000-7", "0218-10-29", "2024-05-15+01:00", "Sans objet", "NC", "999999999", "75013"]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["id", "titulaire", "code"]), children),
    ),
    max_leaves=8,
)
KEYS = [
    "id",
    "acheteur",
    "autoriteConcedante",
    "_type",
    "nature",
    "objet",
    "codeCPV",
    "procedure",
    "lieuExecution",
    "dureeMois",
    "dateNotification",
    "dateSignature",
    "datePublicationDonnees",
    "montant",
    "valeurGlobale",
    "titulaires",
    "concessionnaires",
    "modifications",
    "considerationsSociales",
]
RECORDS = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=len(KEYS)),
    st.fixed_dictionaries(
        {"id": st.text(min_size=1, max_size=10), "acheteur": st.fixed_dictionaries({"id": SCALARS})},
        optional={key: VALUES for key in KEYS[2:]},
    ),
    VALUES,
)


@settings(max_examples=300, deadline=None)
@given(RECORDS)
def test_normalise_never_raises_and_keeps_only_clean_values(record):
    contract, reasons = normalize(record, "decp-2024-json", 1)
    assert reasons <= set(REASONS)
    if contract is None:
        assert reasons & {"not_a_record", "missing_id", "missing_buyer"}
        return
    assert contract.contract_id and contract.buyer_id
    for amount in (contract.amount, contract.initial_amount):
        assert amount is None or 0 < amount < IMPLAUSIBLE_AMOUNT
    for months in (contract.duration_months, contract.initial_duration_months):
        assert months is None or 1 <= months <= MAX_DURATION_MONTHS
    assert contract.notified_on is None or MIN_YEAR <= contract.notified_on.year <= dt.date.today().year + 2
    assert contract.cpv is None or (len(contract.cpv) == 8 and contract.cpv.isdigit())
    assert contract.buyer_siret is None or is_valid_siret(contract.buyer_siret)
    assert all(holder.siret is None or is_valid_siret(holder.siret) for holder in contract.holders)
    assert contract.social is None or contract.social


# Valid JSON, plus NaN and Infinity as values of keys (what pandas-based exports write); a bare NaN inside an
# array is not JSON and such a file is refused (docs/formats/decp.md).
FILE_RECORDS = st.one_of(
    RECORDS.filter(lambda record: "NaN" not in json.dumps(record) and "Infinity" not in json.dumps(record)),
    st.fixed_dictionaries(
        {"id": st.text(min_size=1, max_size=10), "acheteur": st.just({"id": "21750001600019"})},
        optional={
            "montant": st.sampled_from([float("nan"), float("inf")]),
            "dureeMois": st.just(float("nan")),
        },
    ),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(FILE_RECORDS, max_size=5))
def test_a_file_of_generated_records_reads_to_the_end(tmp_path_factory, records):
    path = tmp_path_factory.mktemp("decp") / "generated.json"
    path.write_text(json.dumps({"marches": {"marche": records}}), "utf-8")
    report = ReadReport()
    contracts = list(read_contracts(path, report))
    assert report.records == len(records)
    assert report.contracts == len(contracts)
    assert report.rejected == sum(
        report.reasons[code] for code in ("not_a_record", "missing_id", "missing_buyer")
    )
