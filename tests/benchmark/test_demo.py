"""The demo benchmark: fictional, idempotent, and never mixed with real national data."""

from levier.benchmark import demo
from levier.benchmark.services import default_store
from tests.benchmark import factory

# Asking for `settings` makes the test's tmp_path its DATA_DIR (tests/conftest.py): the store lives there.


def test_demo_seed_is_fictional_and_idempotent(settings):
    first = demo.seed({})
    second = demo.seed({})
    assert first == second == {"marchés attribués fictifs (benchmark national)": demo.CONTRACTS}
    assert [source["file"] for source in default_store().sources()] == [demo.DEMO_FILE]
    assert all(record["objet"].endswith("(fictif)") for record in demo.fictional_contracts())


def test_demo_seed_leaves_real_data_alone(tmp_path, settings):
    factory.write(tmp_path / "national.json", factory.contracts(10))
    default_store().import_files([tmp_path / "national.json"])
    counts = demo.seed({})
    assert list(counts.values()) == [0]
    assert [source["file"] for source in default_store().sources()] == ["national.json"]
