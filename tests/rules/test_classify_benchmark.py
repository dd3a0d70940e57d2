"""`levier classify --train-from-benchmark`: the classifier learns from a benchmark store built from the real
DECP samples (read only), and says so."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from levier.benchmark.store import BenchmarkStore
from levier.ingest.decp_pairs import read_pairs
from levier.referential.classifier import benchmark_pairs
from levier.rules import cpv as cpv_rules
from levier.rules.classify import Classifier
from levier.rules.text import fold
from tests.paths import SHARED_DATA

SAMPLES = sorted((SHARED_DATA / "decp" / "samples").glob("decp20*.json"))
EFORMS_FR = SHARED_DATA / "cpv" / "eforms_code_fr.xml"

pytestmark = pytest.mark.skipif(not SAMPLES or not EFORMS_FR.exists(), reason="real samples missing")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("levier-data")
    BenchmarkStore(root / "benchmark").import_files(SAMPLES)
    return root


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("classify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_pairs_are_the_stores_distinct_objects(data_dir):
    store = BenchmarkStore(data_dir / "benchmark")
    pairs = list(benchmark_pairs(store, limit=None))
    folded = [fold(objet) for objet, _code in pairs]
    assert len(folded) == len(set(folded))
    # Objects of the samples (the store folds in SQL as rules.text.fold does), nearly all of those that carry
    # a CPV: the store keeps one record of a contract published twice, which may be the one with no CPV.
    expected = {fold(pair.objet) for pair in read_pairs(SAMPLES) if fold(pair.objet)}
    assert set(folded) <= expected
    assert len(folded) > 0.9 * len(expected)
    usable = [code for _objet, code in pairs if cpv_rules.normalize_cpv(code).is_usable]
    assert len(usable) > 0.95 * len(pairs)
    # The subset under a limit is fixed: the same objects each time, a part of the whole.
    first = list(benchmark_pairs(store, limit=200))
    assert first == list(benchmark_pairs(store, limit=200)) and len(first) == 200
    assert set(first) <= set(pairs)


def test_learning_from_the_store_changes_the_answers(data_dir):
    labels = cpv_rules.read_labels(EFORMS_FR)
    store = BenchmarkStore(data_dir / "benchmark")
    pairs = [(o, c) for o, c in benchmark_pairs(store, limit=None) if cpv_rules.normalize_cpv(c).is_usable]
    untrained, trained = Classifier(labels), Classifier(labels)
    assert trained.train_on(pairs) > 1000
    sample = pairs[:150]

    def hits(model):
        return sum(
            cpv_rules.normalize_cpv(code).code[:3] in [g.code for g in model.classify(objet).groups[:3]]
            for objet, code in sample
        )

    # Objects the model learnt: their group must now come among the first three far more often.
    assert hits(trained) > hits(untrained) + 20


def test_command_trains_saves_and_reuses(data_dir):
    out, err = run(
        "--train-from-benchmark",
        "--cpv-file",
        str(EFORMS_FR),
        "--data-dir",
        str(data_dir),
        "--json",
        "Salades",
    )
    assert "référentiel national" in err
    learnt = int(err.split("appris sur ")[1].split()[0])
    assert learnt > 1000
    result = json.loads(out.splitlines()[0])
    assert result["divisions"][0]["code"] == "15"

    out, err = run(
        "--train-from-benchmark", "--train-limit", "100", "--save-model", "--data-dir", str(data_dir)
    )
    assert (data_dir / "models" / "classifier.json.gz").exists()


def test_command_without_a_loaded_store_says_what_to_do(tmp_path):
    with pytest.raises(CommandError, match="levier benchmark import"):
        run("--train-from-benchmark", "--cpv-file", str(EFORMS_FR), "--data-dir", str(tmp_path), "Salades")
    with pytest.raises(CommandError, match="--train-limit"):
        run("--train-from-benchmark", "--train-limit", "0", "--data-dir", str(tmp_path), "Salades")
