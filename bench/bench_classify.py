"""Speed of the classifier: load the CPV file, fit, classify 10,000 objects; ratio against a naive scan.

The baseline, measured in the same run on the same fitted vectors, scores every CPV document for every
object (a dot product with each of the ~9,500 document vectors) instead of walking the inverted index's
postings. Being slow, it runs on a sample and its per-object time is extrapolated; the ratio compares
per-object times. The previous, flat ranking (`group_model=False`) is timed on the same objects to show
what the hierarchical answer costs. Objects are real DECP objects (every sample), cycled to reach the
requested count.

Run: .venv/bin/python bench/bench_classify.py [--objects 10000] [--baseline-sample 300]
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

from levier.ingest.decp_pairs import read_pairs  # noqa: E402
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
