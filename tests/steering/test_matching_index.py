"""Name matching against the directory: the pruned search of NameIndex gives exactly the answer of scoring
every candidate with difflib, on names built to be close to one another."""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from levier.directory.models import Structure
from levier.steering.matching import _COMMON_TOKEN, NAME_THRESHOLD, NameIndex, name_key

pytestmark = pytest.mark.django_db

WORDS = [
    "atelier",
    "ateliers",
    "jardins",
    "jardin",
    "doubs",
    "loue",
    "vallee",
    "nettoyage",
    "propreté",
    "services",
    "tremplin",
    "envol",
    "horizon",
    "horizons",
    "saint",
    "martin",
    "lac",
    "val",
    "comtois",
    "bois",
]


def every_candidate(index: NameIndex, name: str):
    """The unpruned reference: every structure sharing an uncommon word, scored on all its names."""
    key = name_key(name)
    if not key:
        return None
    candidates = set()
    for token in key.split():
        found = index.by_token.get(token, ())
        if len(found) <= _COMMON_TOKEN:
            candidates.update(found)
    best = None
    for pk in sorted(candidates):
        score = max(SequenceMatcher(None, key, other).ratio() for other in index.names[pk])
        if best is None or score > best[1]:
            best = (pk, score)
    return best if best is not None and best[1] >= NAME_THRESHOLD else None


def test_pruned_search_equals_scoring_every_candidate():
    rng = random.Random(3)
    names = set()
    while len(names) < 400:
        names.add(" ".join(rng.sample(WORDS, rng.randint(1, 4))).title())
    Structure.objects.bulk_create(
        [
            Structure(name=name, brand=rng.choice(["", "", f"{name} {rng.choice(WORDS)}"]), provenance={})
            for name in sorted(names)
        ]
    )
    index = NameIndex()
    queries = [name.upper() for name in rng.sample(sorted(names), 60)]  # exact names in capitals
    for _ in range(340):
        words = rng.sample(WORDS, rng.randint(1, 4))
        if rng.random() < 0.5:  # a typo
            word = rng.randrange(len(words))
            cut = rng.randrange(len(words[word]))
            words[word] = words[word][:cut] + words[word][cut + 1 :]
        queries.append(" ".join(words) + rng.choice(["", " SARL", " association"]))
    found = [index.best(query) for query in queries]
    assert found == [every_candidate(index, query) for query in queries]
    # The set exercises both sides of the threshold.
    assert sum(1 for f in found if f is None) > 50 and sum(1 for f in found if f) > 100
    assert any(f and f[1] < 1 for f in found)


def test_a_tie_goes_to_the_first_structure_and_the_threshold_holds():
    first = Structure.objects.create(name="Atelier du Lac", provenance={})
    Structure.objects.create(name="ATELIER DU LAC", provenance={})
    Structure.objects.create(name="Horizon Nettoyage", provenance={})
    index = NameIndex()
    assert index.best("Atelier du lac SARL") == (first.pk, 1.0)
    assert index.best("Horizons Propreté") is None
