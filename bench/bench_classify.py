"""Speed of the classifier: load the CPV file, fit, classify 10,000 objects; ratio against a naive scan.

The baseline, measured in the same run on the same fitted vectors, scores every CPV document for every
object (a dot product with each of the ~9,500 document vectors) instead of walking the inverted index's
postings. Being slow, it runs on a sample and its per-object time is extrapolated; the ratio compares
per-object times. The previous, flat ranking (`group_model=False`) is timed on the same objects to show
what the hierarchical answer costs. Objects are real DECP objects (every sample), cycled to reach the
requested count.

Learning from a benchmark store (`levier classify --train-from-benchmark`): a store is built from the
samples in a temporary folder, then its distinct objects are read and learnt. A national store holds far
more objects than the samples: to show what the default limit costs, the model is also trained on
`--train-objects` distinct objects made from the real ones (each sample object followed by the first words
of another, its CPV kept) and timed on a slice of the objects.

Run: .venv/bin/python bench/bench_classify.py [--objects 10000] [--baseline-sample 300] [--train-objects N]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from levier.benchmark.store import BenchmarkStore  # noqa: E402
from levier.ingest.decp_pairs import read_pairs  # noqa: E402
from levier.referential.classifier import BENCHMARK_TRAIN_LIMIT, benchmark_pairs  # noqa: E402
from levier.rules import cpv as cpv_rules  # noqa: E402
from levier.rules.classify import Classifier, ClassifierParams  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def naive_scores(model: Classifier, vectors: list[dict[str, float]], text: str) -> list[tuple[int, float]]:
    terms, _natures = model._query_terms(text)
    query = model.index.query_vector(terms)
    scored = []
    for position, vector in enumerate(vectors):
        score = sum(weight * vector.get(term, 0.0) for term, weight in query.items())
        if score:
            scored.append((position, score))
    scored.sort(key=lambda item: -item[1])
    return scored[:10]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--baseline-sample", type=int, default=300)
    parser.add_argument("--cpv-file", type=Path, default=SHARED / "cpv" / "eforms_code_fr.xml")
    parser.add_argument("--train-objects", type=int, default=BENCHMARK_TRAIN_LIMIT)
    parser.add_argument("--scaled-sample", type=int, default=1000)
    args = parser.parse_args(argv)

    decp = sorted((SHARED / "decp" / "samples").glob("decp20*.json"))
    texts = [pair.objet for pair in read_pairs(decp)]
    objects = [texts[i % len(texts)] for i in range(args.objects)]
    print(f"Machine : {platform.processor() or platform.machine()}, Python {platform.python_version()}")

    started = time.perf_counter()
    labels = cpv_rules.read_labels(args.cpv_file)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    model = Classifier(labels)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    model.train_on(read_pairs(decp))
    train_s = time.perf_counter() - started
    print(
        f"Lecture du fichier CPV ({len(labels)} libellés) : {load_s:.2f} s ; index : {fit_s:.2f} s ; "
        f"apprentissage DECP : {train_s:.2f} s"
    )

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        saved = model.save(Path(folder) / "classifier.json.gz")
        save_s = time.perf_counter() - started
        started = time.perf_counter()
        Classifier.load(saved)
        reload_s = time.perf_counter() - started
        size_kb = saved.stat().st_size / 1024
    print(
        f"Modèle enregistré : {size_kb:.0f} Ko en {save_s:.2f} s ; rechargé en {reload_s:.2f} s "
        f"(contre {load_s + fit_s + train_s:.2f} s pour lire, indexer et apprendre)"
    )

    started = time.perf_counter()
    for text in objects:
        model.classify(text)
    indexed_s = time.perf_counter() - started
    per_indexed = indexed_s / len(objects)

    flat = Classifier(labels, params=ClassifierParams(group_model=False))
    flat.train_on(read_pairs(decp))
    started = time.perf_counter()
    for text in objects:
        flat.classify(text)
    flat_s = time.perf_counter() - started

    vectors: list[dict[str, float]] = [{} for _ in model.index.doc_ids]
    for term, postings in model.index.postings.items():
        for position, weight in postings:
            vectors[position][term] = weight
    sample = objects[: args.baseline_sample]
    started = time.perf_counter()
    for text in sample:
        naive_scores(model, vectors, text)
    per_naive = (time.perf_counter() - started) / len(sample)

    started = time.perf_counter()
    for text in sample:
        terms, _natures = model._query_terms(text)
        model.index.search(terms)
    per_search = (time.perf_counter() - started) / len(sample)

    print(
        f"Classement complet de {len(objects)} objets : {indexed_s:.2f} s "
        f"({1000 * per_indexed:.2f} ms/objet, "
        f"{len(objects) / indexed_s:.0f} objets/s)"
    )
    print(
        f"Méthode précédente (classement à plat) : {flat_s:.2f} s "
        f"({1000 * flat_s / len(objects):.2f} ms/objet)"
    )
    print(f"Recherche seule, index inversé : {1000 * per_search:.3f} ms/objet")
    print(
        f"Base de comparaison, balayage de tous les libellés : {1000 * per_naive:.2f} ms/objet "
        f"(échantillon de {len(sample)}, soit ~{per_naive * len(objects):.0f} s pour {len(objects)})"
    )
    print(f"Rapport balayage / index inversé (recherche seule) : {per_naive / per_search:.1f}x")
    print(f"Rapport balayage / classement complet : {per_naive / per_indexed:.1f}x")

    train_from_store(labels, decp)
    scaled(labels, decp, objects, args.train_objects, args.scaled_sample, model)
    return 0


def train_from_store(labels: dict[str, str], decp: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = BenchmarkStore(Path(folder) / "benchmark")
        started = time.perf_counter()
        store.import_files(decp)
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        pairs = list(benchmark_pairs(store))
        read_s = time.perf_counter() - started
    model = Classifier(labels)
    started = time.perf_counter()
    used = model.train_on(pairs)
    train_s = time.perf_counter() - started
    print(
        f"Référentiel national fait des échantillons (import {import_s:.2f} s) : {len(pairs)} objets "
        f"distincts lus en {read_s:.2f} s, {used} appris en {train_s:.2f} s"
    )


def scaled(
    labels: dict[str, str], decp: list[Path], objects: list[str], count: int, sample: int, small: Classifier
) -> None:
    pairs = list(read_pairs(decp))
    made = []
    for i in range(count):
        first, second = pairs[i % len(pairs)], pairs[(i * 7919 + 13) % len(pairs)]
        made.append((f"{first.objet} {' '.join(second.objet.split()[:3])}", first.cpv))
    model = Classifier(labels)
    started = time.perf_counter()
    used = model.train_on(made)
    train_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        size_kb = model.save(Path(folder) / "classifier.json.gz").stat().st_size / 1024
    timed = objects[:sample]
    started = time.perf_counter()
    for text in timed:
        small.classify(text)
    per_small = (time.perf_counter() - started) / len(timed)
    started = time.perf_counter()
    for text in timed:
        model.classify(text)
    per_object = (time.perf_counter() - started) / len(timed)
    print(
        f"Appris sur {used} objets distincts fabriqués : {train_s:.2f} s, modèle {size_kb:.0f} Ko ; "
        f"classement {1000 * per_object:.2f} ms/objet contre {1000 * per_small:.2f} ms/objet appris sur "
        f"les échantillons ({len(timed)} objets) : {per_object / per_small:.1f}x"
    )


if __name__ == "__main__":
    raise SystemExit(main())
