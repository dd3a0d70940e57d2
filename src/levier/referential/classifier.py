"""The classifier Levier uses for purchase objects: the saved model, else the loaded CPV labels, else sectors.

One builder for `levier classify` and for the imports that propose a CPV when a line has none. It may also
learn from the awarded contracts of a loaded national benchmark store (`levier benchmark import`): the
store already holds every contract's object and CPV, deduplicated, so a buyer who loaded a national DECP
file gets a classifier taught by the whole country's buyers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from levier.ingest.decp_pairs import read_pairs
from levier.rules import cpv as cpv_rules
from levier.rules import refstore
from levier.rules.classify import Classifier, default_model_path

# Every object learnt is kept (its features feed the nearest-contract vote): learning and classifying slow
# down as objects are added. Measured (docs/benchmarks.md): 20,000 objects learn in about 10 s and classify
# about 2.6 times slower than the 1,600 of the samples; 50,000 take about 4 times longer per object and
# 800 MB. 20,000 distinct objects already cover the usual trades many times over; `--train-limit` changes it.
BENCHMARK_TRAIN_LIMIT = 20_000


def benchmark_pairs(store, limit: int | None = BENCHMARK_TRAIN_LIMIT) -> Iterator[tuple[str, str]]:
    """(object, CPV) of the distinct objects of a loaded benchmark store (`levier.benchmark.store`), read
    only. An object published with several codes keeps the one its buyers chose most often; when there are
    more than `limit` objects, a fixed pseudo-random subset (a hash of the folded object) is taken, so that
    two runs on the same store learn the same thing."""
    if not store.loaded:
        return
    connection = store.connect()
    try:
        query = """
            SELECT any_value(object ORDER BY object), mode(cpv ORDER BY cpv)
            FROM contracts
            WHERE cpv IS NOT NULL AND cpv <> '' AND object_folded IS NOT NULL AND object_folded <> ''
            GROUP BY object_folded
            ORDER BY hash(object_folded), object_folded
        """
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        cursor = connection.execute(query)
        while rows := cursor.fetchmany(10_000):
            yield from ((str(objet), str(code)) for objet, code in rows)
    finally:
        connection.close()


def build_classifier(
    store: refstore.RefStore,
    cpv_file: str | None,
    train: list[str],
    *,
    benchmark=None,
    benchmark_limit: int | None = BENCHMARK_TRAIN_LIMIT,
) -> tuple[Classifier, str]:
    """The classifier and a French line saying where its vocabulary comes from. `train`: DECP JSON files to
    learn from; `benchmark`: a loaded `BenchmarkStore` to learn from (both may be given)."""
    learn = bool(train) or benchmark is not None
    if cpv_file:
        path = Path(cpv_file)
        if not path.is_file():
            raise FileNotFoundError(f"Fichier CPV introuvable : {path}")
        model, origin = Classifier(cpv_rules.read_labels(path)), f"libellés CPV de {path.name}"
    else:
        catalogue = cpv_rules.CpvCatalogue.load(store)
        saved = default_model_path(store.root)
        if not learn and saved.exists():
            try:
                model = Classifier.load(saved)
            except ValueError:
                # An older or damaged model file: classify with a fresh model rather than fail.
                model = None
            if model is not None and len(model.labels) == len(catalogue):
                return model, f"modèle enregistré ({saved})"
        if catalogue.loaded:
            labels = {code: catalogue.label(code) or "" for code in catalogue.codes()}
            model, origin = Classifier(labels), "libellés CPV du référentiel chargé"
        else:
            model, origin = Classifier(), "vocabulaire des secteurs seul (aucun fichier CPV chargé)"
    if learn:
        pairs: list[tuple[str, str]] = [tuple(pair) for pair in read_pairs(train)] if train else []
        if benchmark is not None:
            if not benchmark.loaded:
                raise LookupError(
                    "Aucune donnée DECP chargée dans le référentiel national : "
                    "lancez d'abord « levier benchmark import FICHIER »."
                )
            pairs.extend(benchmark_pairs(benchmark, benchmark_limit))
        used = model.train_on(pairs)
        sources = [name for name, wanted in (("DECP", train), ("référentiel national", benchmark)) if wanted]
        origin += f", appris sur {used} marchés attribués ({', '.join(sources)})"
    return model, origin
