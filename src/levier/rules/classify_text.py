"""How the classifier reads French purchase objects: folding, stop words, buyers' abbreviations, stemming.

The same analyser reads CPV labels, sector vocabulary, awarded-contract objects and the user's text, so
that "Entretien des Espaces Verts", "entretien EV" and the label "Réalisation et entretien d'espaces verts"
meet on the same stems.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer

from levier.rules.text import fold

VOCABULARY_FILE = Path(__file__).with_name("data") / "sectors_vocabulary.json"

# Expansions are guesses about what the buyer meant ("EV" is nearly always espaces verts, but may be
# eaux vannes in a plumbing lot): they count less than the words actually written.
EXPANSION_WEIGHT = 0.7
# French purchase objects are noun phrases whose head comes first ("Nettoyage des locaux administratifs",
# "Réhabilitation de l'ancien hôpital"): the first words say the trade, later ones the place or the users.
HEAD_WEIGHTS = (1.6, 1.3)
# Character 4-grams of the words kept let the nearest-contract vote and the group model match what stems
# miss: truncations ("réamngt"), typos ("aeratin"), compounds ("désincarcération"). They weigh less than a
# whole stem, each word contributing several.
CHAR_GRAM = 4
CHAR_GRAM_WEIGHT = 0.3
# Weight of each mark of the object's shape among its features (chosen by cross-validation over the tuning
# buyers, docs/benchmarks.md: it sharpens the first division and group, the top-3 stays where it was).
MARK_WEIGHT = 2.0
_MAX_PHRASE = 3
_MIN_TOKEN = 2
_LOT_MARKERS = frozenset({"lot", "lots"})


@dataclass(frozen=True)
class Analysis:
    """The stems of one text with their weights, and the contract natures its words announce."""

    terms: dict[str, float]
    natures: frozenset[str]
    words: tuple[tuple[str, str, float], ...] = ()
    """(word, stem, weight) of each word kept, for callers that repair truncated words."""


class Analyzer:
    def __init__(self, vocabulary: dict | None = None):
        vocab = vocabulary if vocabulary is not None else _load_vocabulary()
        self.stop_words = frozenset(fold(word) for word in vocab.get("stop_words", ()))
        self.nature_of: dict[str, str] = {
            fold(word): nature for nature, words in vocab.get("nature_words", {}).items() for word in words
        }
        expansions: dict[tuple[str, ...], tuple[str, ...]] = {}
        for table in ("abbreviations", "synonyms"):
            for phrase, extra in vocab.get(table, {}).items():
                expansions[tuple(fold(phrase).split())] = tuple(fold(extra).split())
        self.expansions = expansions
        self._stemmer = snowballstemmer.stemmer("french")
        self._stem_cache: dict[str, str] = {}

    def tokens(self, text: str) -> list[str]:
        """Folded words, digits and one-letter debris dropped (lot numbers, years, elided articles)."""
        return [t for t in fold(text or "").split() if len(t) >= _MIN_TOKEN and not t.isdigit()]

    def stem(self, token: str) -> str:
        cached = self._stem_cache.get(token)
        if cached is None:
            cached = self._stemmer.stemWord(token)
            self._stem_cache[token] = cached
        return cached

    def analyse(self, text: str, *, expand: bool = True, heads: bool = False) -> Analysis:
        """Weighted stems of `text`. With `heads`, the first words of the object and of each lot title
        ("... LOT 3 : PEINTURE") weigh more: that is where buyers name the trade."""
        words = self.tokens(text)
        weights: Counter[str] = Counter()
        natures: set[str] = set()
        position = 0
        kept: list[tuple[str, str, float]] = []
        for word in words:
            if heads and word in _LOT_MARKERS:
                position = 0
                continue
            nature = self.nature_of.get(word)
            if nature:
                natures.add(nature)
            elif word not in self.stop_words:
                weight = HEAD_WEIGHTS[position] if heads and position < len(HEAD_WEIGHTS) else 1.0
                stem = self.stem(word)
                weights[stem] += weight
                kept.append((word, stem, weight))
                position += 1
        if expand:
            for extra in self._expansions(words):
                if extra not in self.stop_words and extra not in self.nature_of:
                    weights[self.stem(extra)] += EXPANSION_WEIGHT
        return Analysis(terms=dict(weights), natures=frozenset(natures), words=tuple(kept))

    def features(self, text: str) -> dict[str, float]:
        """The stems of `analyse(text, heads=True)` plus the character 4-grams ("#" prefixed) of each word
        kept, and a few marks ("@" prefixed) of the object's shape: what the learnt parts of the classifier
        compare."""
        analysis = self.analyse(text, heads=True)
        found = dict(analysis.terms)
        found.update(self._marks(text, analysis))
        for word in self.tokens(text):
            if len(word) < 3 or word in self.stop_words or word in self.nature_of:
                continue
            padded = f" {word} "
            for start in range(len(padded) - CHAR_GRAM + 1):
                gram = "#" + padded[start : start + CHAR_GRAM]
                found[gram] = found.get(gram, 0.0) + CHAR_GRAM_WEIGHT
        return found

    def _marks(self, text: str, analysis: Analysis) -> dict[str, float]:
        """The nature the object announces ("@works" for "Travaux de ..."), whether it names a lot, and
        whether no word of it was kept: buyers' choices depend on them ("LOT 4 - Vestiaires" of a works
        operation often gets the generic 45000000), which the stems alone, free of nature words, miss."""
        marks = {f"@{nature}": MARK_WEIGHT for nature in analysis.natures}
        if any(word in _LOT_MARKERS for word in self.tokens(text)):
            marks["@lot"] = MARK_WEIGHT
        if not analysis.terms:
            marks["@empty"] = MARK_WEIGHT
        return marks

    def _expansions(self, words: list[str]) -> list[str]:
        found: list[str] = []
        for size in range(1, _MAX_PHRASE + 1):
            for start in range(len(words) - size + 1):
                extra = self.expansions.get(tuple(words[start : start + size]))
                if extra:
                    found.extend(extra)
        return found


@lru_cache(maxsize=1)
def _load_vocabulary() -> dict:
    return json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    return Analyzer()
