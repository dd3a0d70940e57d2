"""Accuracy of the classifier on real awarded contracts (DECP 2019 samples with a known CPV).

Protocol (docs/benchmarks.md): records are deduplicated on (folded object, CPV), since the same contract is
published once per holder or platform. Two settings:

1. "labels": CPV labels and sector vocabulary only, nothing learnt from DECP; every record is a test case.
2. "DECP training": k-fold cross-validation. Folds are built by buyer, so that no buyer has objects on both
   sides (its habits and place names cannot leak); a second split by object only is printed for comparison.

The ranked CPV guesses are scored at division (2 digits), group (3), class (4) and exact level: top-k is
a hit when one of the first k guesses shares the true code's first digits. Sector top-3 is a hit when one
of the first 3 sectors covers the true CPV by prefix (records whose CPV no sector covers are left out).

Run: .venv/bin/python bench/eval_classify.py [--cpv-file F] [--folds 5] [DECP.json ...]
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from levier.ingest.decp_pairs import DecpPair, read_pairs  # noqa: E402
from levier.rules import cpv as cpv_rules  # noqa: E402
from levier.rules.classify import Classifier  # noqa: E402
from levier.rules.text import fold  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DEFAULT_FILES = [
    SHARED / "decp" / "samples" / "decp2019_pes_2019-04-05.json",
    SHARED / "decp" / "samples" / "decp2019_e-marchespublics_2019-04-03.json",
]
LEVELS = {"division": 2, "groupe": 3, "classe": 4, "code": 8}


def test_cases(pairs: list[DecpPair], labels: dict[str, str]) -> tuple[list[tuple[DecpPair, str]], int]:
    seen: set[tuple[str, str]] = set()
    cases, unusable = [], 0
    for pair in pairs:
        check = cpv_rules.normalize_cpv(pair.cpv)
        if not check.is_usable or check.code not in labels:
            unusable += 1
            continue
        key = (fold(pair.objet), check.code)
        if key in seen:
            continue
        seen.add(key)
        cases.append((pair, check.code))
    return cases, unusable


class Score:
    def __init__(self) -> None:
        self.total = 0
        self.hits = {(level, k): 0 for level in LEVELS for k in (1, 3)}
        self.sector_total = 0
        self.sector_hits = 0
        self.ranked_hits = {level: 0 for level in ("division", "groupe")}

    def add(self, model: Classifier, text: str, truth: str) -> None:
        result = model.classify(text, limit=30)
        for level in self.ranked_hits:
            digits = LEVELS[level]
            best: dict[str, None] = {}
            for guess in result.cpv:
                best.setdefault(guess.code[:digits], None)
            if truth[:digits] in list(best)[:3]:
                self.ranked_hits[level] += 1
        codes = [guess.code for guess in result.cpv[:5]]
        self.total += 1
        for level, digits in LEVELS.items():
            for k in (1, 3):
                if any(code[:digits] == truth[:digits] for code in codes[:k]):
                    self.hits[(level, k)] += 1
        expected = {m.sector.code for m in model.taxonomy.sectors_for_cpv(truth) if m.depth >= 3}
        if expected:
            self.sector_total += 1
            if expected & {guess.code for guess in result.sectors[:3]}:
                self.sector_hits += 1

    def rows(self) -> list[str]:
        rate = lambda n, d: f"{100 * n / d:5.1f} %" if d else "  n/a"  # noqa: E731
        lines = [f"  cas évalués : {self.total}"]
        for level in LEVELS:
            lines.append(
                f"  {level:<9} top-1 {rate(self.hits[(level, 1)], self.total)}"
                f"   top-3 {rate(self.hits[(level, 3)], self.total)}"
            )
        for level, hits in self.ranked_hits.items():
            lines.append(f"  {level:<9} 3 meilleurs {level}s distincts : {rate(hits, self.total)}")
        lines.append(
            f"  secteur   top-3 {rate(self.sector_hits, self.sector_total)} ({self.sector_total} cas)"
        )
        return lines


def fold_of(key: str, folds: int) -> int:
    return zlib.crc32(key.encode("utf-8")) % folds


def cross_validate(labels, cases, pairs, folds: int, key) -> Score:
    score = Score()
    for fold_number in range(folds):
        train = [(p.objet, p.cpv) for p in pairs if fold_of(key(p), folds) != fold_number]
        model = Classifier(labels)
        model.train_on(train)
        for pair, truth in cases:
            if fold_of(key(pair), folds) == fold_number:
                score.add(model, pair.objet, truth)
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--cpv-file", type=Path, default=SHARED / "cpv" / "eforms_code_fr.xml")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)

    labels = cpv_rules.read_labels(args.cpv_file)
    pairs = list(read_pairs(args.files))
    cases, unusable = test_cases(pairs, labels)
    print(
        f"Enregistrements DECP : {len(pairs)} ; CPV inutilisable ou inconnu : {unusable} ; "
        f"cas distincts (objet, CPV) : {len(cases)} ; acheteurs : {len({p.buyer_id for p, _ in cases})}"
    )

    started = time.perf_counter()
    score = Score()
    model = Classifier(labels)
    for pair, truth in cases:
        score.add(model, pair.objet, truth)
    print("\n1. Libellés CPV + vocabulaire des secteurs (sans apprentissage)")
    print("\n".join(score.rows()))

    print(f"\n2. Avec apprentissage DECP, validation croisée {args.folds} plis par acheteur")
    print("\n".join(cross_validate(labels, cases, pairs, args.folds, lambda p: p.buyer_id).rows()))
    print(f"\n3. Avec apprentissage DECP, validation croisée {args.folds} plis par objet (moins strict)")
    print("\n".join(cross_validate(labels, cases, pairs, args.folds, lambda p: fold(p.objet)).rows()))
    print(f"\nDurée : {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
