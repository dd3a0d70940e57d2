"""What would change the answer: lots by geography or by trade, with capable candidates before and after.

Geography: the purchase's sites are grouped by département when they span several, else into 2 to 4
clusters of nearby sites; each lot takes the share of the yearly amount of its sites. Trade: one lot
per sector the purchase covers (its CPV codes, or the trades below a generic code), the yearly amount
shared equally among them until the buyer's estimate says otherwise.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from levier.rules.hours import format_money_fr
from levier.rules.sectors import cpv_prefix
from levier.screening import options as opts
from levier.screening.index import DirectoryIndex
from levier.screening.model import (
    KINDS_BY_OPTION,
    Candidate,
    LotSplit,
    PlaceInput,
    Policy,
    PurchaseInput,
    SplitLot,
)

MAX_GEOGRAPHIC_LOTS = 6
MAX_TRADE_LOTS = 6
GENERIC_CPV_DIGITS = 4


def _nearest(point: tuple[float, float], centres: list[tuple[float, float]]) -> int:
    x, y = point
    best, best_d = 0, math.inf
    for i, (cx, cy) in enumerate(centres):
        d = (x - cx) * (x - cx) + (y - cy) * (y - cy)
        if d < best_d:
            best, best_d = i, d
    return best


def _farthest_first(points: Sequence[tuple[float, float]], k: int) -> list[tuple[float, float]]:
    """The first point, then again and again the point farthest from those already taken (the first one
    on a tie), `k` in all. The start of k-means for k is the start for k - 1 plus one point, so the
    geographic groupings compute it once for the largest k and take its beginning."""
    centres = [points[0]]
    # Each point's squared distance to its nearest centre so far (the minimum over the centres, kept up to
    # date as centres come in: the same numbers as recomputing it over all of them).
    nearest = [(p[0] - points[0][0]) ** 2 + (p[1] - points[0][1]) ** 2 for p in points]
    while len(centres) < k:
        far = points[max(range(len(points)), key=nearest.__getitem__)]
        centres.append(far)
        nearest = [
            min(d, (p[0] - far[0]) ** 2 + (p[1] - far[1]) ** 2) for p, d in zip(points, nearest, strict=True)
        ]
    return centres


def _kmeans(
    points: Sequence[tuple[float, float]],
    k: int,
    rounds: int = 12,
    start: Sequence[tuple[float, float]] | None = None,
) -> list[int]:
    """Deterministic k-means (farthest-point start, or `start[:k]` when given): the cluster number of each
    point."""
    centres = list(start[:k]) if start is not None else _farthest_first(points, k)
    labels: list[int] = []
    for _ in range(rounds):
        new = [_nearest(p, centres) for p in points]
        if new == labels:
            break
        labels = new
        for i in range(k):
            members = [p for p, label in zip(points, labels, strict=True) if label == i]
            if members:
                centres[i] = (
                    sum(p[0] for p in members) / len(members),
                    sum(p[1] for p in members) / len(members),
                )
    return labels


def middle_place(
    label: str, departements: Sequence[str], positions: Sequence[tuple[float, float]]
) -> PlaceInput:
    """A lot made of several sites: their most frequent département, the mean of their positions."""
    # The first département met among the sites wins a tie (a set's order would vary from one process to the
    # next with string hashing, and so would the lot's candidates).
    departement = max(dict.fromkeys(departements), key=departements.count) if departements else None
    if not positions:
        return PlaceInput(label=label, departement=departement)
    lat = sum(p[0] for p in positions) / len(positions)
    lon = sum(p[1] for p in positions) / len(positions)
    return PlaceInput(label=label, departement=departement, lat=lat, lon=lon)


def _centroid(sites: Sequence[PlaceInput], index: DirectoryIndex) -> PlaceInput:
    positions = [index.position(site) for site in sites]
    return middle_place(
        ", ".join(site.label for site in sites if site.label),
        [site.departement for site in sites if site.departement],
        [p for p in positions if p is not None],
    )


def _geographic_groups(sites: Sequence[PlaceInput], index: DirectoryIndex) -> list[list[list[PlaceInput]]]:
    """Ways to group the sites: by département when they span several, and 2 to 6 clusters of nearby sites."""
    ways: list[list[list[PlaceInput]]] = []
    by_dep: dict[str, list[PlaceInput]] = defaultdict(list)
    for site in sites:
        by_dep[site.departement or "?"].append(site)
    if 1 < len(by_dep) <= MAX_GEOGRAPHIC_LOTS * 2:
        ways.append([group for _dep, group in sorted(by_dep.items())])
    located = [(site, index.position(site)) for site in sites]
    located = [(site, pos) for site, pos in located if pos is not None]
    points = [(pos[0], pos[1] * math.cos(math.radians(pos[0]))) for _site, pos in located]
    largest = min(MAX_GEOGRAPHIC_LOTS, len(located))
    start = _farthest_first(points, largest) if largest >= 2 else []
    for k in range(2, largest + 1):
        labels = _kmeans(points, k, start=start)
        groups = [
            [site for (site, _p), label in zip(located, labels, strict=True) if label == i] for i in range(k)
        ]
        groups = [g for g in groups if g]
        if len(groups) > 1 and groups not in ways:
            ways.append(groups)
    return ways


class _Draft(NamedTuple):
    """A proposed lot before its candidates are known: the fields of `SplitLot` but `candidates`. Most drafts
    belong to groupings that lose, so only the winners' become `SplitLot`s."""

    label_fr: str
    annual_amount: float
    sectors: tuple[str, ...]
    cpv: str | None
    number: str
    title: str
    place: PlaceInput | None
    share: float
    departements: tuple[str, ...] = ()

    def lot(self, candidates: tuple[Candidate, ...]) -> SplitLot:
        return SplitLot(candidates=candidates, **self._asdict())


def _located(
    drafts: list[_Draft], index: DirectoryIndex, policy: Policy, seen: dict | None = None
) -> list[tuple[_Draft, tuple[Candidate, ...]]]:
    """Each lot with every capable structure of any kind; `_evaluate` keeps the kinds of a reservation.

    `seen` remembers lots already located: the same cluster of sites comes back in several groupings."""
    seen = {} if seen is None else seen
    found = []
    for draft in drafts:
        key = (draft.sectors, draft.place, draft.annual_amount)
        if key not in seen:
            seen[key] = tuple(index.candidates(draft.sectors, draft.place, draft.annual_amount, policy))
        found.append((draft, seen[key]))
    return found


def _of_kinds(found: tuple[Candidate, ...], kinds: frozenset[str], memo: dict) -> tuple[Candidate, ...]:
    """The candidates of a lot that are of one of `kinds`. `memo` remembers them per lot's candidates (the
    same tuple when a lot comes back in several groupings, see `_located`) and kinds."""
    key = (id(found), kinds)
    hit = memo.get(key)
    if hit is not None and hit[0] is found:
        return hit[1]
    chosen = tuple([c for c in found if not kinds.isdisjoint(c.kinds)])
    memo[key] = (found, chosen)  # holding `found` keeps its id from being reused while the memo lives
    return chosen


class _Trial:
    """One way to cut for one reservation, before its lots and summary are written out.

    Only the best trial of each basis becomes a `LotSplit`: the others need nothing but `key`."""

    __slots__ = ("after", "basis", "before", "chosen", "code", "key", "label_fr", "located")

    def __init__(
        self,
        basis: str,
        label_fr: str,
        located: list[tuple[_Draft, tuple[Candidate, ...]]],
        code: str,
        before: int,
        policy: Policy,
        of_kinds: dict | None = None,
    ):
        kinds = KINDS_BY_OPTION[code]
        self.basis, self.label_fr, self.code, self.before = basis, label_fr, code, before
        self.located = located
        of_kinds = {} if of_kinds is None else of_kinds
        self.chosen = [_of_kinds(found, kinds, of_kinds) for _lot, found in located]
        self.after = len({c.id for chosen in self.chosen for c in chosen})
        # The split whose weakest lot has the most candidates, then the most candidates in all, then
        # the fewest lots.
        weakest = min([len(chosen) for chosen in self.chosen])
        self.key = (min(weakest, policy.min_candidates_to_reserve), self.after, -len(located))

    def split(self) -> LotSplit:
        split_lots = [
            draft.lot(chosen) for (draft, _found), chosen in zip(self.located, self.chosen, strict=True)
        ]
        per_lot = ", ".join(f"{lot.label_fr} : {lot.candidate_count}" for lot in split_lots)
        group = opts.KIND_GROUPS_FR[self.code]
        summary = (
            f"{self.label_fr} : {self.before} → {self.after} structures capables ({group}) ; "
            f"par lot : {per_lot}."
        )
        return LotSplit(
            basis=self.basis,
            label_fr=self.label_fr,
            option=self.code,
            candidates_before=self.before,
            candidates_after=self.after,
            lots=tuple(split_lots),
            summary_fr=summary,
        )


def _best(trials: list[_Trial]) -> LotSplit | None:
    """The split of the best trial (the first one when several tie, as `max` keeps)."""
    best = max(trials, key=lambda t: t.key, default=None)
    return best.split() if best is not None else None


def propose_splits(
    purchase: PurchaseInput,
    sectors: tuple[str, ...],
    annual: float,
    index: DirectoryIndex,
    policy: Policy,
    frame,
    before: dict[str, int],
) -> list[LotSplit]:
    """`before`: capable candidates of each reservation for the purchase as it stands."""
    codes = [code for code in opts.reservation_codes(frame) if code in before]
    found: list[LotSplit] = []

    geographic: list[_Trial] = []
    seen: dict = {}
    of_kinds: dict = {}
    for groups in _geographic_groups(purchase.sites, index) if purchase.sites else ():
        total_sites = sum(len(g) for g in groups)
        lots = []
        for number, group in enumerate(groups, start=1):
            place = _centroid(group, index)
            title = place.label or place.departement or f"secteur {number}"
            lots.append(
                _Draft(
                    label_fr=f"Lot {number} ({title})",
                    annual_amount=round(annual * len(group) / total_sites, 2),
                    departements=tuple(sorted({s.departement for s in group if s.departement})),
                    sectors=sectors,
                    cpv=purchase.cpv,
                    number=str(number),
                    title=title,
                    place=place,
                    share=round(len(group) / total_sites, 4),
                )
            )
        label = f"Découper en {len(groups)} lots géographiques"
        located = _located(lots, index, policy, seen)
        geographic.extend(
            _Trial("geography", label, located, code, before[code], policy, of_kinds) for code in codes
        )
    best = _best(geographic)
    if best is not None:
        found.append(best)

    # Each trade with the CPV it comes from, so that an applied split gives each lot its own code.
    trades: dict[str, str | None] = dict.fromkeys(sectors, purchase.cpv)
    for cpv in purchase.other_cpvs:
        for code_sector in index.sectors_for_cpv(cpv)[:1]:
            trades.setdefault(code_sector, cpv)
    # Below a generic code (a division or a group, "45000000"), the trades it holds can become lots.
    own = cpv_prefix(purchase.cpv) if purchase.cpv and len(trades) < 2 else ""
    if own and len(own) <= GENERIC_CPV_DIGITS:
        for code_sector in index.narrower_sectors(purchase.cpv):
            sector = index.taxonomy.get(code_sector)
            below = [c for c in sector.cpv_prefixes if c.startswith(own)] if sector else []
            trades.setdefault(code_sector, below[0] if below else purchase.cpv)
    chosen = list(trades.items())[:MAX_TRADE_LOTS]
    if len(chosen) >= 2:
        share = annual / len(chosen)
        lots = []
        for number, (code_sector, cpv) in enumerate(chosen, start=1):
            sector = index.taxonomy.get(code_sector)
            title = sector.label if sector else code_sector
            lots.append(
                _Draft(
                    label_fr=f"Lot {number} ({title})",
                    annual_amount=round(share, 2),
                    sectors=(code_sector,),
                    cpv=cpv,
                    number=str(number),
                    title=title,
                    place=purchase.place,
                    share=round(1 / len(chosen), 4),
                )
            )
        trades_count = len(chosen)
        label = (
            f"Découper en {trades_count} lots par métier ({format_money_fr(round(share))} HT par an chacun)"
        )
        located = _located(lots, index, policy)
        best = _best([_Trial("trade", label, located, code, before[code], policy) for code in codes])
        if best is not None:
            found.append(best)
    return found
