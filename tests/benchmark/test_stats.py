"""Statistics and similar contracts against an independent computation on the generated records."""

from collections import defaultdict

import pytest

from levier.benchmark.similar import similar_contracts
from levier.benchmark.stats import (
    StatsError,
    amount_bands,
    benchmark_stats,
    cpv_scope,
    national_rate,
    social_stats,
)
from levier.benchmark.store import BenchmarkStore
from tests.benchmark import factory

SOCIAL_COLUMNS = {
    "social_clause": "Clause sociale",
    "social_criterion": "Critère social",
    "social_reserved": "Marché réservé",
    "social_none": "Pas de considération sociale",
}
KIND_BY_BUYER = {siret: kind for kind, siret in factory.BUYERS.items()}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    directory = tmp_path_factory.mktemp("stats")
    records = factory.contracts(400)
    factory.write(directory / "decp.json", records)
    store = BenchmarkStore(directory / "benchmark")
    store.import_files([directory / "decp.json"])
    return store, records


def expected(records, key_of):
    """Counts per key, computed on the raw records: contracts, then each social value, then any."""
    table = defaultdict(lambda: defaultdict(int))
    for record in records:
        key = key_of(record)
        values = record["considerationsSociales"]["considerationSociale"]
        row = table[key]
        row["marches"] += 1
        for column, value in SOCIAL_COLUMNS.items():
            row[column] += value in values
        row["social_any"] += values != ["Pas de considération sociale"]
    return table


def check(rows, table):
    assert {row["cle"] for row in rows} == set(table)
    for row in rows:
        wanted = table[row["cle"]]
        assert row["marches"] == row["avec_considerations_publiees"] == wanted["marches"]
        for column in (*SOCIAL_COLUMNS, "social_any"):
            assert row[column] == wanted[column], (row["cle"], column)
            assert row[f"part_{column}"] == round(wanted[column] / wanted["marches"], 4)


def test_shares_by_every_dimension_match_an_independent_count(loaded):
    store, records = loaded
    works = [r for r in records if r["codeCPV"].startswith("45")]
    connection = store.connect()
    result = social_stats(connection, "45")
    connection.close()
    dimensions = result["dimensions"]
    assert result["ensemble"]["marches"] == len(works)
    check(dimensions["cpv_group"]["lignes"], expected(works, lambda r: r["codeCPV"][:3]))
    check(dimensions["cpv_division"]["lignes"], expected(works, lambda r: "45"))
    check(dimensions["nature"]["lignes"], expected(works, lambda r: "works"))
    check(
        dimensions["region"]["lignes"], expected(works, lambda r: factory.PLACES[r["lieuExecution"]["code"]])
    )
    check(dimensions["buyer_kind"]["lignes"], expected(works, lambda r: KIND_BY_BUYER[r["acheteur"]["id"]]))
    check(dimensions["year"]["lignes"], expected(works, lambda r: int(r["dateNotification"][:4])))
    bands = amount_bands()

    def band(record):
        return next(
            b.key
            for b in bands
            if record["montant"] >= b.low and (b.high is None or record["montant"] < b.high)
        )

    check(dimensions["amount_band"]["lignes"], expected(works, band))
    labels = {row["cle"]: row["libelle"] for row in dimensions["region"]["lignes"]}
    assert labels["11"] == "Île-de-France"


def test_the_2019_format_is_left_out_of_every_share(tmp_path):
    records = factory.contracts(30)
    old = [dict(r, id=f"OLD{n}") for n, r in enumerate(records)]
    for record in old:
        del record["considerationsSociales"]
    factory.write(tmp_path / "new.json", records)
    factory.write(tmp_path / "old.json", old)
    store = BenchmarkStore(tmp_path / "benchmark")
    store.import_files([tmp_path / "new.json", tmp_path / "old.json"])
    result = benchmark_stats(store)
    total = result["ensemble"]
    assert total["marches"] == 60 and total["avec_considerations_publiees"] == 30
    clauses = sum("Clause sociale" in r["considerationsSociales"]["considerationSociale"] for r in records)
    assert total["part_social_clause"] == round(clauses / 30, 4)


def test_reserved_contracts_by_cpv_group_and_inclusive_holders(loaded):
    store, records = loaded
    reserved = defaultdict(int)
    for record in records:
        if "Marché réservé" in record["considerationsSociales"]["considerationSociale"]:
            reserved[record["codeCPV"][:3].ljust(8, "0")] += 1
    inclusive = factory.HOLDERS[:2]
    result = benchmark_stats(store, None, inclusive_sirets=inclusive)
    assert {row["cpv"]: row["reserves"] for row in result["reserves_par_cpv"]} == dict(reserved)
    won = [r for r in records if r["titulaires"][0]["titulaire"]["id"] in inclusive]
    won_reserved = [r for r in won if "Marché réservé" in r["considerationsSociales"]["considerationSociale"]]
    holders = result["titulaires_inclusifs"]
    assert holders["marches_gagnes"] == len(won)
    assert holders["reserves"] == len(won_reserved)
    assert holders["sans_reservation"] == len(won) - len(won_reserved)
    assert holders["structures_titulaires"] == len({r["titulaires"][0]["titulaire"]["id"] for r in won})


def test_cpv_scope():
    assert cpv_scope("45") == "45"
    assert cpv_scope("453") == "453"
    assert cpv_scope("45261000-4") == "45261"
    assert cpv_scope("45260000") == "4526"
    assert cpv_scope(None) is None
    with pytest.raises(StatsError):
        cpv_scope("99")


def test_similar_contracts_rank_by_cpv_and_object(loaded):
    store, _records = loaded
    found = similar_contracts(store, "90910000", "Nettoyage des bureaux", limit=5)
    assert len(found) == 5
    assert all(item["objet"] == "Nettoyage des locaux" for item in found)
    assert all(item["cpv"].startswith("909") for item in found)
    # Same code ranks above the same group: 90910000 before 90911200 at equal text.
    assert found[0]["cpv"] == "90910000-9"
    first = found[0]
    assert first["titulaires"] and first["considerations_sociales"] is not None
    assert similar_contracts(store, None, "", limit=5) == []


def test_national_rate_for_screening_widens_until_enough_contracts(loaded):
    store, records = loaded

    def share(prefix):
        chosen = [
            r["considerationsSociales"]["considerationSociale"]
            for r in records
            if r["codeCPV"].startswith(prefix)
        ]
        return len(chosen), sum(values != ["Pas de considération sociale"] for values in chosen) / len(chosen)

    count_code, _ = share("45262100")
    rate = national_rate(store, "45262100", min_known=count_code + 1)
    # Too few contracts under the code itself: the rate comes from a wider level (class 4526, group 452...).
    assert rate is not None
    known, expected_share = share(rate.cpv_scope)
    assert rate.known == known >= count_code + 1
    assert rate.share_any == pytest.approx(expected_share)
    finer = "45262100"[: len(rate.cpv_scope) + 1]
    assert share(finer)[0] < count_code + 1
    assert "Au niveau national" in rate.message_fr
    assert national_rate(store, "45262100", min_known=10_000) is None
    # A division nobody bought from: no rate, and no error.
    assert not any(r["codeCPV"].startswith("03") for r in records)
    assert national_rate(store, "03111000", min_known=1) is None


def test_pre_aggregated_table_and_contracts_give_the_same_figures(loaded):
    import datetime as dt

    store, _records = loaded
    connection = store.connect()
    try:
        tables = {row[0] for row in connection.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        assert "cube" in tables
        for scope in (None, "45", "452", "4526"):
            # A reference date makes the statistics read the contracts themselves.
            from_cube = social_stats(connection, scope)
            assert from_cube == social_stats(connection, scope, on=dt.date.today())
            assert type(from_cube["ensemble"]["avec_considerations_publiees"]) is int
    finally:
        connection.close()
    (store.root / "cube.json").write_text('{"cuts": [1, 2]}', "utf-8")  # cut with other thresholds
    connection = store.connect()
    try:
        tables = {row[0] for row in connection.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        assert "cube" not in tables
        assert social_stats(connection, "45")["ensemble"]["marches"] > 0
    finally:
        connection.close()
    store.build_cube()
