"""The benchmark store: Parquet written, duplicates across sources removed, re-imports idempotent, atomic."""

import json

import pytest

from levier.benchmark.store import BenchmarkStore, StoreError
from tests.benchmark import factory
from tests.paths import SHARED_DATA

SAMPLES = SHARED_DATA / "decp" / "samples"
REAL_2019 = [SAMPLES / "decp2019_e-marchespublics_2019-04-03.json", SAMPLES / "decp2019_pes_2019-04-05.json"]
needs_data = pytest.mark.skipif(not SAMPLES.exists(), reason="shared real data not available")


def count(store, table="contracts"):
    connection = store.connect()
    try:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()


@needs_data
def test_real_samples_deduplicated_on_the_documented_key(tmp_path):
    store = BenchmarkStore(tmp_path / "benchmark")
    report = store.import_files(REAL_2019)
    # Independent reading: the key of store.py's docstring, restated on the raw records.
    keys = set()
    records = 0
    for path in REAL_2019:
        for record in json.loads(path.read_text("utf-8"))["marches"]:
            records += 1
            amount = record["montant"]
            amount = "" if amount in (0, 99999999, 999999999) else str(round(amount))
            keys.add(
                (
                    record["acheteur"]["id"],
                    "".join(record["id"].split()).upper(),
                    record["dateNotification"][:10],
                    amount,
                    tuple(sorted({t["id"] for t in record["titulaires"]})),
                )
            )
    assert report.read.records == report.imported == records == 1618
    assert report.contracts_in_store == count(store) == len(keys)
    assert report.duplicates_removed == records - len(keys) == 11
    # The 12 lots of operation 20181101 share one id and one date: none of them is a duplicate.
    connection = store.connect()
    lots = connection.execute("SELECT count(*) FROM contracts WHERE contract_id = '20181101'").fetchone()[0]
    holders = connection.execute("SELECT count(*) FROM holders").fetchone()[0]
    connection.close()
    assert lots == 12
    # One holder row per distinct holder of each kept contract (no modification changes holders here).
    assert holders == sum(len(key[-1]) for key in keys)


def test_reimport_replaces_the_source_and_never_duplicates(tmp_path):
    source = tmp_path / "decp.json"
    factory.write(source, factory.contracts(50))
    store = BenchmarkStore(tmp_path / "benchmark")
    first = store.import_files([source])
    second = store.import_files([source])
    assert first.contracts_in_store == second.contracts_in_store == count(store) == 50
    assert second.replaced_sources == ["decp.json"]
    assert len(store.sources()) == 1


def test_a_contract_published_in_both_formats_keeps_the_one_with_social_considerations(tmp_path):
    record = factory.contracts(1)[0]
    record["considerationsSociales"] = {"considerationSociale": ["Clause sociale"]}
    old = dict(record, titulaires=[record["titulaires"][0]["titulaire"]], datePublicationDonnees="2026-01-01")
    del old["considerationsSociales"]
    (tmp_path / "2019.json").write_text(json.dumps({"marches": [old]}), "utf-8")
    factory.write(tmp_path / "2024.json", [record])
    store = BenchmarkStore(tmp_path / "benchmark")
    report = store.import_files([tmp_path / "2024.json", tmp_path / "2019.json"])
    assert report.duplicates_removed == 1
    connection = store.connect()
    kept = connection.execute("SELECT source_format, social_values FROM contracts").fetchall()
    connection.close()
    assert kept == [("decp-2024-json", "Clause sociale")]


def test_a_failing_file_leaves_the_store_unchanged(tmp_path):
    good, other, broken = tmp_path / "good.json", tmp_path / "other.json", tmp_path / "broken.json"
    factory.write(good, factory.contracts(20))
    factory.write(other, factory.contracts(30, seed=99))
    broken.write_text('{"marches": {"marche": [{"id": "A", ', "utf-8")
    store = BenchmarkStore(tmp_path / "benchmark")
    store.import_files([good])
    with pytest.raises(StoreError, match="broken"):
        store.import_files([other, broken])
    assert count(store) == 20
    assert [source["file"] for source in store.sources()] == ["good.json"]
    assert not list((tmp_path / "benchmark").glob("staging-*"))


def test_empty_store_answers_with_empty_tables(tmp_path):
    store = BenchmarkStore(tmp_path / "nothing")
    assert not store.loaded
    assert count(store) == 0


def test_a_source_written_in_an_earlier_layout_is_dropped_and_named_for_import_again(tmp_path):
    old, new = tmp_path / "ancien.json", tmp_path / "nouveau.json"
    factory.write(old, factory.contracts(30))
    factory.write(new, factory.contracts(50)[30:])
    store = BenchmarkStore(tmp_path / "benchmark")
    store.import_files([old])
    meta_path = next(store.sources_dir.glob("*/source.json"))
    meta = json.loads(meta_path.read_text())
    del meta["store_format"]  # what an earlier version of Levier wrote
    meta_path.write_text(json.dumps(meta))
    assert [s["file"] for s in store.outdated_sources()] == ["ancien.json"]

    report = store.import_files([new])
    assert report.outdated_sources == ["ancien.json"]
    assert [s["file"] for s in store.sources()] == ["nouveau.json"]
    assert store.outdated_sources() == []
    assert count(store) == report.contracts_in_store == 20
