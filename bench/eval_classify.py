"""Accuracy of the classifier on real awarded contracts (every DECP sample with a known CPV, both formats).

Protocol (docs/benchmarks.md):

- cases: records whose CPV is usable and in the nomenclature, deduplicated on the folded object (the same
  contract is published once per holder or platform, sometimes with another code: the first one is kept),
  so that no object is both learnt and tested;
- buyers are split once, by a hash of their identifier, into tuning buyers (about 4 in 5) and held-out
  buyers (about 1 in 5). Parameters are chosen by 5-fold cross-validation over the tuning buyers only,
  the folds drawn by buyer (no buyer on both sides: its habits and place names cannot leak). The held-out
  figures train on every tuning buyer and test on buyers never looked at while tuning
  (`--no-held-out` hides them while tuning);
- same buyers, past to future: for each buyer with contracts notified on two dates or more, its latest
  contracts (about 1 in 5, whole notification dates: the lots of one operation stay together) are tested
  after learning every other contract, its earlier ones included. This is how Levier is used once a
  national DECP file is loaded: a buyer's plan is classified by a model that learnt the buyer's published
  past. No parameter was chosen on it;
- the current classifier and the previous method (`ClassifierParams(group_model=False)`: flat ranking of
  codes) run on the same cases in the same run.

Metrics: top-k at division (2 digits) and group (3 digits) level is a hit when the true prefix is among the
first k divisions (groups) the classifier ranks; the previous method ranked codes only, so its figures
read the first k codes (as published before) and, kinder, the first k distinct prefixes of its code list.
Class and code top-3 read the CPV list. Sector top-3: one of the first three sectors covers the true CPV by
a prefix of at least 3 digits (cases whose CPV no sector covers are left out).

With `--train-store DIR` (a benchmark store, `levier benchmark import`, read only), the contracts it holds are
learnt as well, except those of the buyers being tested and those whose folded object is a tested one: a
national file holds the samples' contracts too, and they must not leak into the evaluation.

The confidence the classifier prints is checked against the outcome: for each of its three words, how
often the first division and the first group are right.

Run: .venv/bin/python bench/eval_classify.py [--cpv-file F] [--no-held-out] [--train-store DIR]
     [--param name=value ...] [DECP...]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from levier.ingest.decp_pairs import DecpPair, read_pairs  # noqa: E402
from levier.rules import cpv as cpv_rules  # noqa: E402
from levier.rules.classify import Classification, Classifier, ClassifierParams  # noqa: E402
from levier.rules.text import fold  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SAMPLES = SHARED / "decp" / "samples"
FOLDS = 5
HELD_OUT_SALT = "heldout:"
PREVIOUS = ClassifierParams(group_model=False)


@dataclasses.dataclass(frozen=True)
class Case:
    objet: str
    cpv: str
    buyer: str
    notified: str = ""


def buyer_key(pair: DecpPair) -> str:
    # Records without a buyer identifier are grouped by file: they cannot be told apart otherwise.
    return pair.buyer_id or pair.source


def is_held_out(buyer: str) -> bool:
    return zlib.crc32((HELD_OUT_SALT + buyer).encode("utf-8")) % 5 == 0


def fold_of(buyer: str) -> int:
    return zlib.crc32(buyer.encode("utf-8")) % FOLDS


def build_cases(pairs: list[DecpPair], labels: dict[str, str]) -> tuple[list[Case], dict[str, int]]:
    seen: set[str] = set()
    cases: list[Case] = []
    counts = {"enregistrements": len(pairs), "CPV inutilisable ou hors nomenclature": 0, "doublons": 0}
    for pair in pairs:
        check = cpv_rules.normalize_cpv(pair.cpv)
        if not check.is_usable or check.code not in labels:
            counts["CPV inutilisable ou hors nomenclature"] += 1
            continue
        key = fold(pair.objet)
        if key in seen:
            counts["doublons"] += 1
            continue
        seen.add(key)
        cases.append(Case(pair.objet, check.code, buyer_key(pair), pair.notified))
    return cases, counts


class Score:
    """Hits of one method on one set of cases."""

    def __init__(self, hierarchical: bool) -> None:
        self.hierarchical = hierarchical
        self.total = 0
        self.hits: dict[str, int] = {}
        self.sector_total = 0
        self.sector_hits = 0
        # confidence word -> [objects, first division right, first group right]
        self.by_confidence: dict[str, list[int]] = {}

    def _hit(self, name: str, ok: bool) -> None:
        self.hits[name] = self.hits.get(name, 0) + int(ok)

    def add(self, model: Classifier, result: Classification, truth: str) -> None:
        self.total += 1
        codes = [guess.code for guess in result.cpv]
        for level, digits, ranked in (
            ("division", 2, [guess.code for guess in result.divisions]),
            ("groupe", 3, [guess.code for guess in result.groups]),
        ):
            prefixes = list(dict.fromkeys(code[:digits] for code in codes))
            for k in (1, 3):
                if self.hierarchical:
                    self._hit(f"{level} top-{k}", truth[:digits] in ranked[:k])
                else:
                    self._hit(f"{level} top-{k}", truth[:digits] in [c[:digits] for c in codes[:k]])
                    self._hit(f"{level} top-{k} (préfixes distincts)", truth[:digits] in prefixes[:k])
        for level, digits in (("classe", 4), ("code", 8)):
            self._hit(f"{level} top-3", truth[:digits] in [code[:digits] for code in codes[:3]])
        if self.hierarchical:
            bucket = self.by_confidence.setdefault(result.confidence_fr, [0, 0, 0])
            bucket[0] += 1
            bucket[1] += truth[:2] in [guess.code for guess in result.divisions[:1]]
            bucket[2] += truth[:3] in [guess.code for guess in result.groups[:1]]
        expected = {m.sector.code for m in model.taxonomy.sectors_for_cpv(truth) if m.depth >= 3}
        if expected:
            self.sector_total += 1
            self.sector_hits += bool(expected & {guess.code for guess in result.sectors[:3]})

    def rate(self, name: str) -> float:
        return 100 * self.hits.get(name, 0) / self.total if self.total else 0.0

    def lines(self) -> list[str]:
        found = [f"    {name:<38} {self.rate(name):5.1f} %" for name in self.hits]
        sectors = 100 * self.sector_hits / self.sector_total if self.sector_total else 0.0
        found.append(f"    {'secteur top-3':<38} {sectors:5.1f} % ({self.sector_total} cas)")
        for word in ("élevée", "moyenne", "faible"):
            count, division, group = self.by_confidence.get(word, (0, 0, 0))
            if count:
                found.append(
                    f"    confiance {word:<9} {count:5d} objets : 1re division juste "
                    f"{100 * division / count:5.1f} %, 1er groupe {100 * group / count:5.1f} %"
                )
        return found


def store_cases(directory: Path) -> list[Case]:
    """Every contract of a benchmark store with an object and a CPV (read only)."""
    from levier.benchmark.store import BenchmarkStore

    store = BenchmarkStore(directory)
    if not store.loaded:
        raise SystemExit(f"{directory} : aucun marché chargé (levier benchmark import).")
    connection = store.connect()
    try:
        rows = connection.execute(
            "SELECT object, cpv, coalesce(buyer_id, '') FROM contracts WHERE cpv <> '' AND object <> ''"
        ).fetchall()
    finally:
        connection.close()
    return [Case(objet, cpv, buyer) for objet, cpv, buyer in rows]


def extra_training(extra: list[Case], train: list[Case], test: list[Case]) -> list[Case]:
    """The store's contracts that may be learnt while `test` is evaluated: none of the tested buyers, no
    tested object, each object once (objects already learnt from `train` are not learnt twice)."""
    buyers = {case.buyer for case in test}
    seen = {fold(case.objet) for case in (*test, *train)}
    kept = []
    for case in extra:
        key = fold(case.objet)
        if case.buyer in buyers or key in seen:
            continue
        seen.add(key)
        kept.append(case)
    return kept


def evaluate(
    labels, train: list[Case], test: list[Case], params: ClassifierParams, extra: list[Case] = ()
) -> Score:
    model = Classifier(labels, params=params)
    train = list(train) + extra_training(list(extra), train, test) if extra else train
    if train:
        model.train_on((case.objet, case.cpv) for case in train)
    score = Score(hierarchical=params.group_model)
    for case in test:
        score.add(model, model.classify(case.objet, limit=10), case.cpv)
    return score


def merge(scores: list[Score]) -> Score:
    total = Score(scores[0].hierarchical)
    for score in scores:
        total.total += score.total
        total.sector_total += score.sector_total
        total.sector_hits += score.sector_hits
        for name, hits in score.hits.items():
            total.hits[name] = total.hits.get(name, 0) + hits
        for word, counts in score.by_confidence.items():
            bucket = total.by_confidence.setdefault(word, [0, 0, 0])
            for i, value in enumerate(counts):
                bucket[i] += value
    return total


def cross_validate(labels, cases: list[Case], params: ClassifierParams, extra: list[Case] = ()) -> Score:
    return merge(
        [
            evaluate(
                labels,
                [c for c in cases if fold_of(c.buyer) != number],
                [c for c in cases if fold_of(c.buyer) == number],
                params,
                extra,
            )
            for number in range(FOLDS)
        ]
    )


def latest_of_each_buyer(cases: list[Case], share: float = 0.2) -> tuple[list[Case], list[Case]]:
    """(learnt, tested): each buyer's latest notification dates, whole, until about `share` of its objects
    are tested; a buyer with a single date (or none) is only learnt, and keeps at least one object learnt."""
    by_buyer: dict[str, list[Case]] = {}
    for case in cases:
        by_buyer.setdefault(case.buyer, []).append(case)
    tested: set[int] = set()
    for own in by_buyer.values():
        per_date: dict[str, list[Case]] = {}
        for case in own:
            if case.notified:
                per_date.setdefault(case.notified, []).append(case)
        if len(per_date) < 2:
            continue
        chosen: list[Case] = []
        for notified in sorted(per_date, reverse=True):
            batch = per_date[notified]
            if chosen and len(chosen) + len(batch) > share * len(own):
                break
            chosen += batch
            if len(chosen) >= share * len(own):
                break
        if len(chosen) < len(own):
            tested.update(id(case) for case in chosen)
    return [c for c in cases if id(c) not in tested], [c for c in cases if id(c) in tested]


def parse_params(assignments: list[str]) -> ClassifierParams:
    fields = {f.name: f for f in dataclasses.fields(ClassifierParams)}
    values = {}
    for assignment in assignments:
        name, _, raw = assignment.partition("=")
        kind = type(getattr(ClassifierParams(), name))
        values[name] = raw.lower() in ("1", "true", "yes") if kind is bool else kind(raw)
        if name not in fields:
            raise SystemExit(f"unknown parameter {name}")
    return ClassifierParams(**values)


def report(title: str, scores: dict[str, Score]) -> None:
    print(f"\n{title}")
    for method, score in scores.items():
        print(f"  {method} ({score.total} objets évalués)")
        print("\n".join(score.lines()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--cpv-file", type=Path, default=SHARED / "cpv" / "eforms_code_fr.xml")
    parser.add_argument("--no-held-out", action="store_true", help="Tuning: do not evaluate held-out buyers.")
    parser.add_argument("--no-baseline", action="store_true", help="Skip the previous method.")
    parser.add_argument(
        "--train-store",
        type=Path,
        help="Benchmark store whose contracts are learnt too (tested ones excepted).",
    )
    parser.add_argument("--param", action="append", default=[], help="Override a ClassifierParams field.")
    args = parser.parse_args(argv)

    files = args.files or sorted(SAMPLES.glob("decp20*.json"))
    labels = cpv_rules.read_labels(args.cpv_file)
    cases, counts = build_cases(list(read_pairs(files)), labels)
    tuning = [case for case in cases if not is_held_out(case.buyer)]
    held_out = [case for case in cases if is_held_out(case.buyer)]
    print("Fichiers : " + ", ".join(path.name for path in files))
    print(" ; ".join(f"{name} : {n}" for name, n in counts.items()) + f" ; objets distincts : {len(cases)}")
    print(
        f"Acheteurs de réglage : {len({c.buyer for c in tuning})} ({len(tuning)} objets) ; "
        f"acheteurs tenus à l'écart : {len({c.buyer for c in held_out})} ({len(held_out)} objets)"
    )
    extra = store_cases(args.train_store) if args.train_store else []
    if extra:
        print(
            f"Référentiel national : {len(extra)} marchés avec objet et CPV, "
            "appris sauf acheteurs et objets testés"
        )
    current = parse_params(args.param)
    methods = {"classifieur actuel": current}
    if not args.no_baseline:
        methods["méthode précédente"] = PREVIOUS

    started = time.perf_counter()
    report(
        "1. Libellés CPV + vocabulaire des secteurs, sans apprentissage (tous les objets)",
        {name: evaluate(labels, [], cases, params) for name, params in methods.items()},
    )
    report(
        f"2. Apprentissage DECP, validation croisée {FOLDS} plis par acheteur (acheteurs de réglage)",
        {name: cross_validate(labels, tuning, params, extra) for name, params in methods.items()},
    )
    if not args.no_held_out:
        report(
            "3. Acheteurs tenus à l'écart (appris sur tous les acheteurs de réglage)",
            {name: evaluate(labels, tuning, held_out, params, extra) for name, params in methods.items()},
        )
        learnt, tested = latest_of_each_buyer(cases)
        report(
            f"4. Mêmes acheteurs, du passé vers l'avenir ({len(learnt)} objets appris, derniers marchés de "
            f"{len({c.buyer for c in tested})} acheteurs testés)",
            {name: evaluate(labels, learnt, tested, params, extra) for name, params in methods.items()},
        )
    print(f"\nDurée : {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
