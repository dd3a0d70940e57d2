"""When the benchmark of awarded contracts is loaded, the screening quotes the national rate for the CPV."""

import pytest

from levier.benchmark.store import BenchmarkStore
from levier.recommendations import engine, services
from tests.benchmark import factory

pytestmark = pytest.mark.django_db


def _factors(screening) -> set[str]:
    return {factor["code"] for option in screening.result["options"] for factor in option["factors"]}


def test_the_national_rate_is_a_factor_once_the_benchmark_is_loaded(world, tmp_path):
    assert "national_rate" not in _factors(services.screen_purchase(world.purchases["catering"]))
    records = factory.contracts(400)
    factory.write(tmp_path / "decp.json", records)
    BenchmarkStore(tmp_path / "benchmark").import_files([tmp_path / "decp.json"])
    screening = services.screen_purchase(world.purchases["catering"])
    texts = [
        f["text_fr"]
        for o in screening.result["options"]
        for f in o["factors"]
        if f["code"] == "national_rate"
    ]
    assert texts and "Au niveau national" in texts[0]


def test_a_cpv_nobody_bought_from_leaves_the_factor_out_without_error(world, tmp_path):
    factory.write(tmp_path / "decp.json", factory.contracts(400))
    BenchmarkStore(tmp_path / "benchmark").import_files([tmp_path / "decp.json"])
    rates = engine.national_rates()
    assert rates is not None
    # Division 03 (agricultural products) has no contract in the generated benchmark.
    assert rates("03111000") is None
    purchase = world.purchases["catering"]
    purchase.cpv = "03111000"
    purchase.save()
    assert "national_rate" not in _factors(services.screen_purchase(purchase))
