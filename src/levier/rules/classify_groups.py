"""CPV groups and divisions ranked from several weak signals, for the classifier's hierarchical answer.

Awarded contracts teach little per code (a few objects for a handful of codes) but enough per CPV group
(3 digits): the classifier therefore ranks groups first, mixing the label index's code scores summed by
group, the vote of the nearest awarded contracts, and a naive Bayes model over groups learnt from both
the CPV labels and the awarded objects. A division's score is the sum of its groups' (one division with
several plausible groups beats a lone lucky code). Each group then lends a share of its division's score
to the groups buyers use most in that division: "Lot 4" of a building operation rarely names its trade
and buyers then often choose the generic 45000000.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

GROUP_DIGITS = 3
_NEGLIGIBLE = math.log(1e-3)
DIVISION_DIGITS = 2


def shares(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores scaled to sum to 1 (empty when nothing scored)."""
    total = sum(value for value in scores.values() if value > 0)
    return {key: value / total for key, value in scores.items() if value > 0} if total else {}


def by_prefix(scores: Iterable[tuple[str, float]], digits: int, power: float = 1.0) -> dict[str, float]:
    """Sum of the (powered) scores of the codes sharing their first `digits` digits."""
    summed: dict[str, float] = {}
    for code, score in scores:
        if score > 0:
            key = code[:digits]
            summed[key] = summed.get(key, 0.0) + score**power
    return summed


class GroupBayes:
    """Multinomial naive Bayes over CPV groups, scored sparsely: only the groups that saw one of the query's
    features are touched beyond a per-group constant, which keeps a query in the millisecond range."""

    def __init__(
        self,
        counts: Mapping[str, Mapping[str, float]],
        priors: Mapping[str, float],
        *,
        alpha: float,
        temperature: float,
    ):
        self.alpha = alpha
        self.temperature = temperature
        self.counts = counts
        self.priors = priors
        self.totals = {group: sum(terms.values()) for group, terms in counts.items()}
        vocabulary = {term for terms in counts.values() for term in terms}
        size = len(vocabulary) or 1
        # Unseen-feature log-probability of each group, and the bonus of each seen (feature, group).
        self.unseen = {
            group: math.log(alpha / (total + alpha * size)) for group, total in self.totals.items()
        }
        self.seen: dict[str, list[tuple[str, float]]] = {}
        for group, terms in counts.items():
            for term, count in terms.items():
                self.seen.setdefault(term, []).append((group, math.log((count + alpha) / alpha)))
        known = sum(priors.values()) or 1.0
        # Groups no awarded contract used keep a small prior: the labels alone may still name them.
        self.log_prior = {group: math.log(priors.get(group, 0.0) / known + 1e-3) for group in counts}

    @classmethod
    def fit(
        cls,
        documents: Iterable[tuple[str, Mapping[str, float], float]],
        priors: Mapping[str, float],
        *,
        alpha: float,
        temperature: float,
        max_share: float = 1.0,
    ) -> GroupBayes:
        """`documents`: (group, features, weight) triples; `priors`: how often buyers chose each group;
        features found in more than `max_share` of the groups are dropped (they hardly tell groups apart
        and are what a query spends its time on)."""
        counts: dict[str, Counter[str]] = {}
        for group, features, weight in documents:
            target = counts.setdefault(group, Counter())
            for term, value in features.items():
                target[term] += weight * value
        spread = Counter(term for terms in counts.values() for term in terms)
        common = {term for term, groups in spread.items() if groups > max_share * len(counts)}
        if common:
            counts = {
                group: Counter({t: c for t, c in terms.items() if t not in common})
                for group, terms in counts.items()
            }
        return cls(counts, priors, alpha=alpha, temperature=temperature)

    def to_dict(self) -> dict:
        return {
            "alpha": self.alpha,
            "temperature": self.temperature,
            "priors": dict(self.priors),
            "counts": {
                group: {t: round(c, 4) for t, c in terms.items()} for group, terms in self.counts.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> GroupBayes:
        return cls(data["counts"], data["priors"], alpha=data["alpha"], temperature=data["temperature"])

    def posterior(self, features: Mapping[str, float]) -> dict[str, float]:
        """Probability of each group given the features (tempered: the model is overconfident)."""
        known = {term: value for term, value in features.items() if term in self.seen}
        if not known or not self.unseen:
            return {}
        mass = sum(known.values())
        logs = {group: self.log_prior[group] + mass * unseen for group, unseen in self.unseen.items()}
        for term, value in known.items():
            for group, bonus in self.seen[term]:
                logs[group] += value * bonus
        top = max(logs.values())
        # Groups far below the best one (under a thousandth of its weight) are left out: they never reach
        # the first ranks and would only slow the mixing down.
        floor = top + self.temperature * _NEGLIGIBLE
        return shares(
            {g: math.exp((log - top) / self.temperature) for g, log in logs.items() if log >= floor}
        )


def backoff(
    groups: Mapping[str, float], divisions: Mapping[str, float], usage: Mapping[str, float], share: float
) -> dict[str, float]:
    """Group scores where `share` of each division's score is spread over its groups by how often buyers
    used them within that division (`usage`: group -> P(group | division))."""
    if not share or not usage:
        return dict(groups)
    mixed = {group: (1 - share) * score for group, score in groups.items()}
    for group, probability in usage.items():
        weight = divisions.get(group[:DIVISION_DIGITS], 0.0)
        if weight:
            mixed[group] = mixed.get(group, 0.0) + share * probability * weight
    return mixed


def usage_within_divisions(counts: Mapping[str, int]) -> dict[str, float]:
    """P(group | division) from how many awarded contracts used each code."""
    groups: Counter[str] = Counter()
    divisions: Counter[str] = Counter()
    for code, count in counts.items():
        groups[code[:GROUP_DIGITS]] += count
        divisions[code[:DIVISION_DIGITS]] += count
    return {group: count / divisions[group[:DIVISION_DIGITS]] for group, count in groups.items()}
