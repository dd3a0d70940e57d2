"""A small TF-IDF inverted index in pure Python, sized for the CPV nomenclature (about 10,000 documents).

Documents arrive as weighted stems; weights are made sublinear (1 + ln tf) then multiplied by the smoothed
inverse document frequency and L2-normalised, so that a query's cosine score lies in [0, 1]. Postings hold
the normalised weights: answering a query touches only the documents that share one of its stems, which
is what makes classifying thousands of plan lines fast.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping


def sublinear(tf: float) -> float:
    return 1.0 + math.log(tf) if tf >= 1.0 else tf


class TfidfIndex:
    def __init__(
        self, doc_ids: list[str], idf: dict[str, float], postings: dict[str, list[tuple[int, float]]]
    ):
        self.doc_ids = doc_ids
        self.idf = idf
        self.postings = postings

    @classmethod
    def build(
        cls, documents: Iterable[tuple[str, Mapping[str, float]]], *, max_share: float | None = None
    ) -> TfidfIndex:
        """`max_share`: drop the terms found in more than this share of the documents (character grams
        such as "tion" touch most documents for a tiny weight: dropping them makes queries much faster)."""
        docs = [(doc_id, {t: w for t, w in terms.items() if w > 0}) for doc_id, terms in documents]
        count = len(docs)
        frequency: dict[str, int] = {}
        for _doc_id, terms in docs:
            for term in terms:
                frequency[term] = frequency.get(term, 0) + 1
        if max_share is not None:
            common = {term for term, df in frequency.items() if df > max_share * count}
            docs = [(doc_id, {t: w for t, w in terms.items() if t not in common}) for doc_id, terms in docs]
            frequency = {term: df for term, df in frequency.items() if term not in common}
        idf = {term: math.log((1 + count) / (1 + df)) + 1.0 for term, df in frequency.items()}
        postings: dict[str, list[tuple[int, float]]] = {}
        for position, (_doc_id, terms) in enumerate(docs):
            weighted = {term: sublinear(tf) * idf[term] for term, tf in terms.items()}
            norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
            for term, weight in weighted.items():
                postings.setdefault(term, []).append((position, weight / norm))
        return cls([doc_id for doc_id, _terms in docs], idf, postings)

    def query_vector(self, terms: Mapping[str, float]) -> dict[str, float]:
        """The query's normalised weights over known stems (unknown words, such as place names, are ignored
        rather than diluting the score)."""
        weighted = {t: sublinear(tf) * self.idf[t] for t, tf in terms.items() if t in self.idf and tf > 0}
        norm = math.sqrt(sum(w * w for w in weighted.values()))
        return {t: w / norm for t, w in weighted.items()} if norm else {}

    def search(self, terms: Mapping[str, float]) -> dict[int, float]:
        """Cosine score of every document sharing a stem with the query, by document position."""
        scores: dict[int, float] = {}
        get = scores.get
        for term, q_weight in self.query_vector(terms).items():
            for position, d_weight in self.postings[term]:
                scores[position] = get(position, 0.0) + q_weight * d_weight
        return scores

    def search_with_coverage(self, terms: Mapping[str, float]) -> dict[int, tuple[float, float]]:
        """Cosine score and the share of the query's weight (squared, so it sums to 1) that each document
        matches: a one-word label matching one rare word of a long object gets a high cosine but a low
        coverage."""
        scores: dict[int, float] = {}
        coverage: dict[int, float] = {}
        for term, q_weight in self.query_vector(terms).items():
            mass = q_weight * q_weight
            for position, d_weight in self.postings[term]:
                scores[position] = scores.get(position, 0.0) + q_weight * d_weight
                coverage[position] = coverage.get(position, 0.0) + mass
        return {position: (score, coverage[position]) for position, score in scores.items()}

    def to_dict(self) -> dict:
        vocabulary = sorted(self.postings)
        return {
            "doc_ids": self.doc_ids,
            "terms": vocabulary,
            "idf": [round(self.idf[t], 6) for t in vocabulary],
            "postings": [
                [[p for p, _w in self.postings[t]], [round(w, 6) for _p, w in self.postings[t]]]
                for t in vocabulary
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> TfidfIndex:
        terms = data["terms"]
        idf = dict(zip(terms, data["idf"], strict=True))
        postings = {
            term: list(zip(positions, weights, strict=True))
            for term, (positions, weights) in zip(terms, data["postings"], strict=True)
        }
        return cls(list(data["doc_ids"]), idf, postings)
