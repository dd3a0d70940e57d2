"""From a French purchase object to likely CPV codes and sectors of the inclusive offer.

Each CPV code is a document made of its own label, a fading echo of its ancestors' labels (a "désherbage"
code belongs to green spaces), the vocabulary of the sectors that list it, and, once awarded contracts are
loaded, the words buyers actually used for that code. A TF-IDF inverted index ranks the codes against the
object; the contract nature announced by the object ("fourniture", "travaux") tilts the ranking; the codes
buyers use most weigh a little more when training data says so. Sectors are ranked from their own
vocabulary and from the CPV guesses. A CPV given by the buyer always comes first: the text only ranks the
alternatives.

The answer is hierarchical (`classify_groups`): CPV groups are ranked by mixing the code scores, the vote
of the nearest awarded contracts and a naive Bayes model over groups; divisions sum their groups; the
codes are then ordered by their group's score.

Without any CPV label file the classifier still works on the sectors' codes and keywords.
"""

from __future__ import annotations

import bisect
import gzip
import heapq
import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from levier.rules import classify_groups as groups_model
from levier.rules import cpv as cpv_rules
from levier.rules.classify_index import TfidfIndex
from levier.rules.classify_text import Analyzer, default_analyzer
from levier.rules.sectors import Taxonomy, load_taxonomy

MODEL_FORMAT = 2
MODEL_FILE_NAME = "classifier.json.gz"
DEFAULT_LIMIT = 5
# Sectors are drawn from this many CPV guesses: enough to reach a second trade, few enough to stay relevant.
_SECTOR_FROM_CPV = 10
# The hierarchical ranking lists the best code of this many groups before any second code of a group.
_LEADING_GROUPS = 3


@dataclass(frozen=True)
class ClassifierParams:
    """Weights of the document fields and ranking adjustments. The first ones were chosen on DECP 2019, the
    group model's by cross-validation on the buyers kept for tuning (docs/benchmarks.md); `group_model`
    False gives the previous, flat ranking (the benchmark's baseline)."""

    context_weight: float = 0.2
    sector_weight: float = 0.5
    example_weight: float = 0.5
    nature_penalty: float = 0.3
    prior_weight: float = 0.25
    coverage_exponent: float = 0.5
    same_group_factor: float = 0.7
    neighbour_share: float = 0.5
    neighbours: int = 10
    completion_weight: float = 0.8
    sector_text_share: float = 0.5
    other_division_factor: float = 0.6
    group_model: bool = True
    group_code_depth: int = 300
    group_code_power: float = 2.0
    group_neighbours: int = 20
    contract_max_share: float = 0.05
    group_neighbour_weight: float = 0.25
    group_bayes_weight: float = 0.25
    group_backoff: float = 0.3
    bayes_label_weight: float = 1.0
    bayes_alpha: float = 0.1
    bayes_temperature: float = 3.0
    bayes_max_share: float = 0.25

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ClassifierParams:
        """Params from a saved model, ignoring names this version does not know."""
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{name: value for name, value in data.items() if name in known})


@dataclass(frozen=True)
class RankedGuess:
    """A sector, or a CPV division (2 digits) or group (3 digits), with its score (0 to 1)."""

    code: str
    label: str | None
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "label": self.label, "score": round(self.score, 4)}


class CpvGuess(RankedGuess):
    """A full CPV code; its dictionary also carries the code with its check digit."""

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "formatted": cpv_rules.format_cpv(self.code), **super().to_dict()}


SectorGuess = RankedGuess
LevelGuess = RankedGuess


@dataclass(frozen=True)
class Classification:
    text: str
    cpv: tuple[CpvGuess, ...]
    sectors: tuple[SectorGuess, ...]
    confidence: float
    given_cpv: str | None = None
    notes_fr: tuple[str, ...] = field(default_factory=tuple)
    divisions: tuple[LevelGuess, ...] = ()
    groups: tuple[LevelGuess, ...] = ()

    @property
    def confidence_fr(self) -> str:
        if self.confidence >= 0.6:
            return "élevée"
        return "moyenne" if self.confidence >= 0.3 else "faible"

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "given_cpv": self.given_cpv,
            "confidence": round(self.confidence, 4),
            "confidence_fr": self.confidence_fr,
            "cpv": [guess.to_dict() for guess in self.cpv],
            "sectors": [guess.to_dict() for guess in self.sectors],
            "divisions": [guess.to_dict() for guess in self.divisions],
            "groups": [guess.to_dict() for guess in self.groups],
            "notes": list(self.notes_fr),
        }


class Classifier:
    def __init__(
        self,
        labels: Mapping[str, str] | None = None,
        taxonomy: Taxonomy | None = None,
        *,
        analyzer: Analyzer | None = None,
        params: ClassifierParams | None = None,
    ):
        self.labels: dict[str, str] = dict(labels or {})
        self.taxonomy = taxonomy or load_taxonomy()
        self.analyzer = analyzer or default_analyzer()
        self.params = params or ClassifierParams()
        self.examples: dict[str, Counter[str]] = {}
        self.example_counts: Counter[str] = Counter()
        self.example_objects: list[tuple[str, dict[str, float]]] = []
        self.example_features: list[tuple[str, dict[str, float]]] = []
        self._label_terms: dict[str, dict[str, float]] | None = None
        self._label_features: dict[str, dict[str, float]] | None = None
        self._fit()

    # --- fitting -----------------------------------------------------------------------------------

    @property
    def codes_only(self) -> bool:
        """True when no CPV label file was given: documents are the sectors' codes and keywords."""
        return not self.labels

    def _codes(self) -> list[str]:
        if self.labels:
            return sorted(self.labels)
        codes = {code for sector in self.taxonomy.sectors for code in sector.cpv_prefixes}
        return sorted(codes | set(self.examples))

    def _nearest_parent(self, code: str, known: set[str]) -> str | None:
        current = cpv_rules.parent(code)
        while current is not None and current not in known:
            current = cpv_rules.parent(current)
        return current

    def _sector_terms(self) -> dict[str, Counter[str]]:
        """The vocabulary each CPV code receives from the sectors that list it explicitly."""
        by_code: dict[str, Counter[str]] = {}
        for sector in self.taxonomy.sectors:
            terms: Counter[str] = Counter()
            for phrase in (sector.label, *sector.keywords):
                terms.update(self.analyzer.analyse(phrase, expand=False).terms.keys())
            for code in sector.cpv_prefixes:
                by_code.setdefault(code, Counter()).update(terms)
        return by_code

    def _fit(self) -> None:
        p = self.params
        codes = self._codes()
        known = set(codes)
        if self._label_terms is None:
            self._label_terms = {
                c: self.analyzer.analyse(t, expand=False).terms for c, t in self.labels.items()
            }
        sector_terms = self._sector_terms()
        documents = []
        for code in codes:
            terms: Counter[str] = Counter(self._label_terms.get(code, {}))
            weight, ancestor = p.context_weight, self._nearest_parent(code, known)
            while ancestor is not None and weight > 0.01:
                for term, tf in self._label_terms.get(ancestor, {}).items():
                    terms[term] += weight * tf
                weight *= p.context_weight
                ancestor = self._nearest_parent(ancestor, known)
            for term, tf in sector_terms.get(code, {}).items():
                terms[term] += p.sector_weight * tf
            for term, objects in self.examples.get(code, {}).items():
                terms[term] += p.example_weight * objects
            documents.append((code, terms))
        self.index = TfidfIndex.build(documents)
        self._fit_completions()
        self._natures = [cpv_rules.nature(code) for code in self.index.doc_ids]
        self._prior = self._popularity()
        self.sector_index = self._fit_sectors()
        self.neighbour_index = TfidfIndex.build(self.example_objects) if self.example_objects else None
        self.bayes = self._fit_bayes() if p.group_model else None
        self._fit_groups()

    def _fit_groups(self) -> None:
        """What the group model derives from the examples (cheap: redone on load)."""
        self.contract_index = (
            TfidfIndex.build(self.example_features, max_share=self.params.contract_max_share)
            if self.example_features
            else None
        )
        self._usage = groups_model.usage_within_divisions(self.example_counts)
        most_used: dict[str, tuple[int, str]] = {}
        for code, count in self.example_counts.items():
            most_used[code[:3]] = max(most_used.get(code[:3], (0, "")), (count, code))
        self._most_used = {group: code for group, (_count, code) in most_used.items()}

    def _fit_bayes(self) -> groups_model.GroupBayes:
        p = self.params
        if self._label_features is None:
            self._label_features = {code: self.analyzer.features(text) for code, text in self.labels.items()}
        documents = [
            (code[:3], features, p.bayes_label_weight) for code, features in self._label_features.items()
        ]
        documents += [(code[:3], features, 1.0) for code, features in self.example_features]
        priors = Counter({code[:3]: 0 for code in self.index.doc_ids})
        for code, count in self.example_counts.items():
            priors[code[:3]] += count
        return groups_model.GroupBayes.fit(
            documents,
            priors,
            alpha=p.bayes_alpha,
            temperature=p.bayes_temperature,
            max_share=p.bayes_max_share,
        )

    def _fit_completions(self) -> None:
        """Known words, sorted, to complete the truncations buyers type ("MAINT", "PREST SONORISAT")."""
        counts: Counter[str] = Counter()
        texts = list(self.labels.values())
        texts += [phrase for sector in self.taxonomy.sectors for phrase in (sector.label, *sector.keywords)]
        for text in texts:
            counts.update(word for word in self.analyzer.tokens(text) if word not in self.analyzer.stop_words)
        self._known_words = sorted(counts)
        self._word_counts = counts

    def _complete(self, word: str) -> str | None:
        """The stem of the most frequent known word starting with `word` (4 letters or more)."""
        if len(word) < 4:
            return None
        start = bisect.bisect_left(self._known_words, word)
        best, best_count = None, 0
        for candidate in self._known_words[start : start + 200]:
            if not candidate.startswith(word):
                break
            if self._word_counts[candidate] > best_count:
                best, best_count = candidate, self._word_counts[candidate]
        return self.analyzer.stem(best) if best else None

    def _query_terms(self, text: str) -> tuple[dict[str, float], frozenset[str]]:
        analysis = self.analyzer.analyse(text, heads=True)
        terms = dict(analysis.terms)
        for word, stem, weight in analysis.words:
            if stem in self.index.idf:
                continue
            completed = self._complete(word)
            if completed and completed in self.index.idf:
                terms[completed] = terms.get(completed, 0.0) + self.params.completion_weight * weight
        return terms, analysis.natures

    def _position_of(self) -> dict[str, int]:
        if getattr(self, "_positions", None) is None or len(self._positions) != len(self.index.doc_ids):
            self._positions = {code: i for i, code in enumerate(self.index.doc_ids)}
        return self._positions

    def _neighbour_votes(self, terms: Mapping[str, float]) -> dict[str, float]:
        """Codes of the most similar awarded contracts, each weighted by its similarity (0 to 1)."""
        if self.neighbour_index is None or not terms:
            return {}
        found = heapq.nlargest(
            int(self.params.neighbours), self.neighbour_index.search(terms).items(), key=lambda item: item[1]
        )
        total = sum(similarity for _pos, similarity in found)
        if not total:
            return {}
        best = found[0][1]
        votes: dict[str, float] = {}
        for position, similarity in found:
            code = self.neighbour_index.doc_ids[position]
            votes[code] = votes.get(code, 0.0) + best * similarity / total
        return votes

    def _popularity(self) -> list[float]:
        """How often buyers used each code (0 to 1, log scale); all ones before any training."""
        if not self.example_counts:
            return [1.0] * len(self.index.doc_ids)
        top = math.log1p(max(self.example_counts.values()))
        w = self.params.prior_weight
        return [(1 - w) + w * math.log1p(self.example_counts.get(c, 0)) / top for c in self.index.doc_ids]

    def _fit_sectors(self) -> TfidfIndex:
        documents = []
        for sector in self.taxonomy.sectors:
            terms: Counter[str] = Counter()
            for phrase in (sector.label, *sector.keywords):
                terms.update(self.analyzer.analyse(phrase, expand=False).terms)
            for code in sector.cpv_prefixes:
                for term, tf in (self._label_terms or {}).get(code, {}).items():
                    terms[term] += self.params.sector_weight * tf
            documents.append((sector.code, terms))
        return TfidfIndex.build(documents)

    def train_on(self, pairs: Iterable[tuple[str, object]]) -> int:
        """Add the vocabulary of awarded contracts (object, CPV) to their codes' documents; returns how many
        pairs were used. Pairs with an unusable CPV, or a code absent from the loaded labels, are skipped."""
        used = 0
        for text, raw_code in pairs:
            check = cpv_rules.normalize_cpv(raw_code)
            if not check.is_usable or not text or (self.labels and check.code not in self.labels):
                continue
            stems = self.analyzer.analyse(str(text)).terms.keys()
            if not stems:
                continue
            self.examples.setdefault(check.code, Counter()).update(stems)
            self.example_counts[check.code] += 1
            self.example_objects.append(
                (check.code, dict(self.analyzer.analyse(str(text), heads=True).terms))
            )
            self.example_features.append((check.code, self.analyzer.features(str(text))))
            used += 1
        if used:
            self._fit()
        return used

    # --- classifying --------------------------------------------------------------------------------

    def classify(self, text: str, cpv: object = None, *, limit: int = DEFAULT_LIMIT) -> Classification:
        p = self.params
        terms, natures = self._query_terms(text or "")
        raw = self.index.search_with_coverage(terms)
        notes: list[str] = []

        given: str | None = None
        if cpv not in (None, ""):
            check = cpv_rules.normalize_cpv(cpv)
            if check.is_usable:
                given = check.code
            else:
                notes.append(check.message_fr)

        scores: dict[int, float] = {}
        votes = self._neighbour_votes(terms)
        share = p.neighbour_share if votes else 0.0
        if votes:
            position_of = self._position_of()
            # A code only the neighbours propose still enters the ranking, with no label score.
            for code in votes:
                raw.setdefault(position_of[code], (0.0, 0.0))
        for position, (score, coverage) in raw.items():
            score *= coverage**p.coverage_exponent
            if share:
                score = (1 - share) * score + share * votes.get(self.index.doc_ids[position], 0.0)
            if natures and self._natures[position] not in natures:
                score /= 1 + p.nature_penalty
            score *= self._prior[position]
            if given is not None and self.index.doc_ids[position][:2] != given[:2]:
                score *= p.other_division_factor
            scores[position] = min(score, 1.0)

        divisions: list[LevelGuess] = []
        groups: list[LevelGuess] = []
        if p.group_model and scores:
            ranked, divisions, groups = self._rank_hierarchically(
                scores, text or "", max(limit, _SECTOR_FROM_CPV)
            )
        else:
            ranked = self._diversify(scores, max(limit, _SECTOR_FROM_CPV))
        if given is not None:
            ranked = [CpvGuess(given, self.labels.get(given), 1.0)] + [g for g in ranked if g.code != given]
            if p.group_model:
                divisions = self._given_first(divisions, given[:2])
                groups = self._given_first(groups, given[:3])
        if not terms and given is None:
            notes.append("Objet vide ou sans mot reconnu : aucune proposition.")

        sectors = self._rank_sectors(terms, ranked, given)[:limit]
        return Classification(
            text=text or "",
            cpv=tuple(ranked[:limit]),
            sectors=tuple(sectors),
            confidence=self._confidence(ranked, given, divisions),
            given_cpv=given,
            notes_fr=tuple(notes),
            divisions=tuple(divisions[:limit]),
            groups=tuple(groups[:limit]),
        )

    # --- hierarchical ranking ------------------------------------------------------------------------

    def _contract_votes(self, features: Mapping[str, float]) -> dict[str, float]:
        """Codes of the nearest awarded contracts (stems and character grams), each with its similarity."""
        if self.contract_index is None or not features:
            return {}
        found = heapq.nlargest(
            int(self.params.group_neighbours),
            self.contract_index.search(features).items(),
            key=lambda i: i[1],
        )
        votes: dict[str, float] = {}
        for position, similarity in found:
            code = self.contract_index.doc_ids[position]
            votes[code] = votes.get(code, 0.0) + similarity
        return votes

    def _rank_hierarchically(
        self, scores: Mapping[int, float], text: str, count: int
    ) -> tuple[list[CpvGuess], list[LevelGuess], list[LevelGuess]]:
        p = self.params
        best = heapq.nlargest(int(p.group_code_depth), scores.items(), key=lambda item: item[1])
        code_scores = {self.index.doc_ids[position]: score for position, score in best}
        features = self.analyzer.features(text)
        votes = self._contract_votes(features)
        mixed = groups_model.shares(groups_model.by_prefix(code_scores.items(), 3, p.group_code_power))
        signals = [(groups_model.shares(groups_model.by_prefix(votes.items(), 3)), p.group_neighbour_weight)]
        if self.bayes is not None:
            signals.append((self.bayes.posterior(features), p.group_bayes_weight))
        for shares, weight in signals:
            for group, share in shares.items():
                mixed[group] = mixed.get(group, 0.0) + weight * share
        division_scores = groups_model.shares(groups_model.by_prefix(mixed.items(), 2))
        group_scores = groups_model.shares(
            groups_model.backoff(mixed, division_scores, self._usage, p.group_backoff)
        )
        divisions = self._level_guesses(division_scores, count)
        groups = self._level_guesses(group_scores, count * 2)
        return self._codes_by_group(groups, code_scores, votes, count), divisions, groups

    def _level_guesses(self, scores: Mapping[str, float], count: int) -> list[LevelGuess]:
        ordered = heapq.nsmallest(count, scores.items(), key=lambda item: (-item[1], item[0]))
        return [LevelGuess(code, self._prefix_label(code), min(score, 1.0)) for code, score in ordered]

    def _prefix_label(self, prefix: str) -> str | None:
        return self.labels.get(prefix.ljust(cpv_rules.CODE_LENGTH, "0"))

    def _codes_by_group(
        self,
        groups: list[LevelGuess],
        code_scores: Mapping[str, float],
        votes: Mapping[str, float],
        count: int,
    ) -> list[CpvGuess]:
        """The best code of each of the first three groups, then the other codes by their group's share,
        their score within the group and their rank in it: three guesses from three trades tell the buyer
        more than three sibling codes."""
        shown = groups[: count * 2]
        wanted = {group.code for group in shown}
        candidates: dict[str, dict[str, float]] = {}
        for source in (code_scores, votes):
            top = max(source.values(), default=0.0) or 1.0
            for code, score in source.items():
                if code[:3] in wanted:
                    within = candidates.setdefault(code[:3], {})
                    within[code] = max(within.get(code, 0.0), score / top)
        leaders: list[tuple[str, float]] = []
        others: list[tuple[str, float]] = []
        for group in shown:
            within = candidates.get(group.code) or self._fallback_codes(group.code)
            if not within:
                continue
            ordered = sorted(within.items(), key=lambda item: (-item[1], item[0]))
            head = ordered[0][1] or 1.0
            for rank, (code, score) in enumerate(ordered[:count]):
                weight = group.score * (score / head) * self.params.same_group_factor**rank
                (leaders if rank == 0 and len(leaders) < _LEADING_GROUPS else others).append((code, weight))
        others.sort(key=lambda item: (-item[1], item[0]))
        guesses: list[CpvGuess] = []
        ceiling = 1.0
        for code, weight in (leaders + others)[:count]:
            ceiling = min(ceiling, weight)
            guesses.append(CpvGuess(code, self.labels.get(code), ceiling))
        return guesses

    def _fallback_codes(self, group: str) -> dict[str, float]:
        """A group proposed by the Bayes model or the back-off alone: the code buyers used most in it, or
        the group's own code."""
        if group in self._most_used:
            return {self._most_used[group]: 1.0}
        code = group.ljust(cpv_rules.CODE_LENGTH, "0")
        return {code: 1.0} if self.codes_only or code in self.labels else {}

    @staticmethod
    def _given_first(guesses: list[LevelGuess], prefix: str) -> list[LevelGuess]:
        found = next((guess for guess in guesses if guess.code == prefix), None)
        head = LevelGuess(prefix, found.label if found else None, 1.0)
        return [head] + [guess for guess in guesses if guess.code != prefix]

    def _diversify(self, scores: Mapping[int, float], count: int) -> list[CpvGuess]:
        """The best codes, each one discounted for every better code of the same CPV group already kept:
        three sibling codes tell the buyer less than three different trades."""
        pool = heapq.nlargest(count * 4, scores.items(), key=lambda item: item[1])
        kept: list[CpvGuess] = []
        per_group: Counter[str] = Counter()
        candidates = [(self.index.doc_ids[pos], score) for pos, score in pool]
        while candidates and len(kept) < count:
            best = max(
                range(len(candidates)),
                key=lambda i: (
                    candidates[i][1] * self.params.same_group_factor ** per_group[candidates[i][0][:3]]
                ),
            )
            code, score = candidates.pop(best)
            adjusted = score * self.params.same_group_factor ** per_group[code[:3]]
            per_group[code[:3]] += 1
            kept.append(CpvGuess(code, self.labels.get(code), adjusted))
        kept.sort(key=lambda guess: -guess.score)
        return kept

    def _rank_sectors(self, terms: Mapping[str, float], ranked: list[CpvGuess], given: str | None) -> list:
        share = self.params.sector_text_share
        text_scores = {
            self.sector_index.doc_ids[pos]: s for pos, s in self.sector_index.search(terms).items()
        }
        from_cpv: dict[str, float] = {}
        for guess in ranked[:_SECTOR_FROM_CPV]:
            if given is not None and guess.code == given:
                continue
            for match in self.taxonomy.sectors_for_cpv(guess.code):
                # A match on the division alone ("45") says little about the trade.
                strength = guess.score * (0.5 + 0.5 * min(match.depth, 5) / 5)
                if strength > from_cpv.get(match.sector.code, 0.0):
                    from_cpv[match.sector.code] = strength
        combined = {
            code: share * text_scores.get(code, 0.0) + (1 - share) * from_cpv.get(code, 0.0)
            for code in set(text_scores) | set(from_cpv)
        }
        if given is not None:
            # The buyer's code decides the sector; the text only orders the sectors it covers.
            for match in self.taxonomy.sectors_for_cpv(given, narrower=True):
                floor = 0.3 if match.narrower else 0.6
                code = match.sector.code
                combined[code] = floor + (1 - floor) * combined.get(code, 0.0)
            combined = {
                code: score if score >= 0.3 and self._covers_given(code, given) else 0.3 * score
                for code, score in combined.items()
            }
        ordered = sorted(
            ((code, min(score, 1.0)) for code, score in combined.items() if score > 0),
            key=lambda item: (-item[1], item[0]),
        )
        return [SectorGuess(code, self.taxonomy.get(code).label, score) for code, score in ordered]

    def _covers_given(self, sector_code: str, given: str) -> bool:
        return any(m.sector.code == sector_code for m in self.taxonomy.sectors_for_cpv(given, narrower=True))

    @staticmethod
    def _confidence(ranked: list[CpvGuess], given: str | None, divisions: list[LevelGuess]) -> float:
        if given is not None:
            agrees = len(ranked) > 1 and ranked[1].code[:2] == given[:2]
            return 0.95 if agrees else 0.85
        if not ranked:
            return 0.0
        if divisions:
            # Shares of the evidence: the first group's and its division's.
            return max(0.0, min(1.0, 0.5 * ranked[0].score + 0.5 * divisions[0].score))
        first = ranked[0].score
        second = ranked[1].score if len(ranked) > 1 else 0.0
        margin = (first - second) / first if first else 0.0
        # A clear winner sharing its division with the runner-up is more trustworthy than a narrow lead.
        same_division = len(ranked) > 1 and ranked[0].code[:2] == ranked[1].code[:2]
        return max(0.0, min(1.0, first * (0.6 + 0.4 * max(margin, 0.5 if same_division else 0.0))))

    # --- persistence --------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "format": MODEL_FORMAT,
            "taxonomy_version": self.taxonomy.version,
            "params": asdict(self.params),
            "labels": self.labels,
            "examples": {code: dict(terms) for code, terms in self.examples.items()},
            "example_counts": dict(self.example_counts),
            "example_objects": self.example_objects,
            "example_features": [
                (code, {term: round(value, 4) for term, value in features.items()})
                for code, features in self.example_features
            ],
            "index": self.index.to_dict(),
            "sector_index": self.sector_index.to_dict(),
            "bayes": self.bayes.to_dict() if self.bayes is not None else None,
        }

    def save(self, path: str | Path) -> Path:
        """Write the fitted model atomically as gzipped JSON (never pickle: the file may travel)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".classifier.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped:
                zipped.write(json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    @classmethod
    def load(cls, path: str | Path, taxonomy: Taxonomy | None = None) -> Classifier:
        """The saved model; ValueError (with a French message) when the file is unreadable, truncated, or
        of another format or taxonomy version: callers then rebuild the model."""
        try:
            with gzip.open(path, "rb") as zipped:
                data = json.loads(zipped.read().decode("utf-8"))
        except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _unusable_model(path, f"illisible ({error})") from error
        taxonomy = taxonomy or load_taxonomy()
        if (
            not isinstance(data, dict)
            or data.get("format") != MODEL_FORMAT
            or data.get("taxonomy_version") != taxonomy.version
        ):
            raise _unusable_model(path, "d'un autre format")
        try:
            return cls._from_dict(data, taxonomy)
        except (KeyError, TypeError, ValueError) as error:
            raise _unusable_model(path, f"incomplet ({error})") from error

    @classmethod
    def _from_dict(cls, data: dict, taxonomy: Taxonomy) -> Classifier:
        model = cls.__new__(cls)
        model.labels = dict(data["labels"])
        model.taxonomy = taxonomy
        model.analyzer = default_analyzer()
        model.params = ClassifierParams.from_dict(data["params"])
        model.examples = {code: Counter(terms) for code, terms in data["examples"].items()}
        model.example_counts = Counter(data["example_counts"])
        model.example_objects = [(code, dict(terms)) for code, terms in data["example_objects"]]
        model.example_features = [(code, dict(features)) for code, features in data["example_features"]]
        model._label_terms = None
        model._label_features = None
        model.index = TfidfIndex.from_dict(data["index"])
        model.sector_index = TfidfIndex.from_dict(data["sector_index"])
        model.neighbour_index = TfidfIndex.build(model.example_objects) if model.example_objects else None
        bayes = data.get("bayes")
        model.bayes = groups_model.GroupBayes.from_dict(bayes) if bayes else None
        if model.params.group_model and model.bayes is None:
            model.bayes = model._fit_bayes()
        model._fit_groups()
        model._fit_completions()
        model._natures = [cpv_rules.nature(code) for code in model.index.doc_ids]
        model._prior = model._popularity()
        return model


def _unusable_model(path: str | Path, reason: str) -> ValueError:
    return ValueError(f"{path} : modèle de classement {reason} ; relancez l'apprentissage.")


def default_model_path(root: str | Path | None = None) -> Path:
    """Where the fitted model lives: beside the reference store, in $LEVIER_DATA_DIR/models/."""
    from levier.rules import refstore

    base = Path(root) if root is not None else refstore.default_data_dir()
    return base / "models" / MODEL_FILE_NAME
