"""Progress to each target, compliance above the EU thresholds, buyer objectives (reads only).

- `progress`: a target's actual value, its ratio, where it is expected to be today (cumulative indicators
  grow linearly over the year; shares are expected at their value all year), its trajectory and baseline.
- `compliance`: contracts of the year at or above the EU thresholds launched from the date L2112-2-1
  applies (levier.rules.legal), with their social consideration or the reason given for setting the
  recommendation aside (the latest ScreeningOverride).
- `buyer_objectives_status`: for each buyer of the scope, each objective's actual value and whether it is
  met.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from levier.organisations.models import Membership
from levier.organisations.roles import Role
from levier.rules import legal

from .indicators import (
    ZERO,
    Contract,
    Indicators,
    _hours_lines,
    contracts,
    eu_threshold_of,
    indicators,
    policy_of,
    service_ids,
)
from .models import BuyerObjective, Indicator, ObjectiveIndicator, Target

SHARE_INDICATORS = frozenset(
    {Indicator.SOCIAL_SHARE_COUNT, Indicator.SOCIAL_SHARE_AMOUNT, Indicator.EU_SOCIAL_SHARE}
)


@dataclass
class TrajectoryPoint:
    year: int
    target: Decimal | None
    actual: Decimal | None
    baseline: bool = False


@dataclass
class TargetProgress:
    target: Target
    indicator: str
    label: str
    value: Decimal
    actual: Decimal | None
    ratio: Decimal | None  # actual / value in %, None when the target is 0 or nothing is measured
    expected: Decimal  # where the actual should be on `today` to reach the target
    on_track: bool
    baseline_year: int | None
    baseline_value: Decimal | None
    trajectory: list[TrajectoryPoint] = field(default_factory=list)


def year_elapsed(year: int, today: dt.date) -> Decimal:
    """Share of `year` gone by on `today`: 0 before it starts, 1 once it is over."""
    if today.year < year:
        return ZERO
    if today.year > year:
        return Decimal(1)
    start = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - start).days
    return Decimal((today - start).days + 1) / Decimal(days)


def _expected(indicator: str, value: Decimal, year: int, today: dt.date) -> Decimal:
    if indicator in SHARE_INDICATORS:
        return value
    return (value * year_elapsed(year, today)).quantize(Decimal("0.01"))


def progress(
    organisation,
    year: int,
    service=None,
    buyer=None,
    *,
    today: dt.date | None = None,
    measured: Indicators | None = None,
) -> list[TargetProgress]:
    """The targets of `year` for exactly this scope (service, buyer), in the order of Indicator.

    `measured`: the indicators of `year` for this scope when the caller already has them.
    """
    today = today or dt.date.today()
    scope = list(
        Target.objects.filter(organisation=organisation, service=service, buyer=buyer).order_by("year", "pk")
    )
    targets = [t for t in scope if t.year == year]
    if not targets:
        return []
    by_year = {year: measured if measured is not None else indicators(organisation, year, service, buyer)}
    order = list(Indicator.values)
    result = []
    for target in sorted(targets, key=lambda t: order.index(t.indicator)):
        actual = by_year[year].values.get(target.indicator)
        expected = _expected(target.indicator, target.value, year, today)
        ratio = (
            (actual * 100 / target.value).quantize(Decimal("0.1"))
            if actual is not None and target.value
            else None
        )
        trajectory = []
        baseline_year, baseline_value = target.baseline_year, target.baseline_value
        siblings = [t for t in scope if t.indicator == target.indicator]
        for sibling in siblings:
            if baseline_year is None and sibling.baseline_year is not None:
                baseline_year, baseline_value = sibling.baseline_year, sibling.baseline_value
        if baseline_year is not None:
            trajectory.append(TrajectoryPoint(baseline_year, None, baseline_value, baseline=True))
        for sibling in siblings:
            point_actual = None
            if sibling.year <= today.year:
                if sibling.year not in by_year:
                    by_year[sibling.year] = indicators(organisation, sibling.year, service, buyer)
                point_actual = by_year[sibling.year].values.get(target.indicator)
            trajectory.append(TrajectoryPoint(sibling.year, sibling.value, point_actual))
        result.append(
            TargetProgress(
                target=target,
                indicator=target.indicator,
                label=Indicator(target.indicator).label,
                value=target.value,
                actual=actual,
                ratio=ratio,
                expected=expected,
                on_track=actual is not None and actual >= expected,
                baseline_year=baseline_year,
                baseline_value=baseline_value,
                trajectory=trajectory,
            )
        )
    return result


# --- compliance -----------------------------------------------------------------------------------


@dataclass
class ComplianceRow:
    purchase_id: int
    reference: str
    object: str
    amount: Decimal
    threshold: int
    launch_date: dt.date
    considerations: list[str]
    compliant: bool
    justification: str


@dataclass
class Compliance:
    year: int
    obligation_from: dt.date
    reserved_meets_obligation: bool
    rows: list[ComplianceRow]
    before_obligation: int  # at or above the threshold but launched before the obligation applied
    not_judged: int  # no nature, launch date or amount: the threshold cannot be known

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def compliant(self) -> int:
        return sum(1 for row in self.rows if row.compliant)

    @property
    def non_compliant(self) -> list[ComplianceRow]:
        return [row for row in self.rows if not row.compliant]


def _considerations(contract: Contract) -> list[str]:
    found = []
    if contract.reserved:
        found.append("marché ou lot réservé")
    if contract.insertion:
        found.append("clause d'insertion")
    if contract.criterion:
        found.append("critère social")
    if contract.clause_kinds - {"reserved"} and not (contract.insertion or contract.criterion):
        found.append("clause sociale suivie")
    return found


def compliance(organisation, year: int) -> Compliance:
    """Contracts of the year's plan (refused excluded) at or above the EU threshold launched from the date
    the L2112-2-1 obligation applies."""
    from levier.recommendations.models import ScreeningOverride

    policy = policy_of(organisation)
    start = legal.articles()["social_obligation"].valid_from
    rows, before, not_judged = [], 0, 0
    found = contracts(organisation, year)
    reasons = {}
    for purchase_id, reason in (
        ScreeningOverride.objects.filter(purchase__in=[c.purchase for c in found])
        .order_by("purchase_id", "-at", "-pk")
        .values_list("purchase_id", "reason")
    ):
        reasons.setdefault(purchase_id, reason)
    for contract in found:
        purchase = contract.purchase
        threshold = eu_threshold_of(purchase, organisation, policy)
        if threshold is None or purchase.total_amount is None:
            not_judged += 1
            continue
        if contract.amount < threshold:
            continue
        if purchase.launch_date < start:
            before += 1
            continue
        considerations = _considerations(contract)
        compliant = contract.social_for_obligation(policy)
        rows.append(
            ComplianceRow(
                purchase_id=purchase.pk,
                reference=purchase.reference,
                object=purchase.object,
                amount=contract.amount,
                threshold=threshold,
                launch_date=purchase.launch_date,
                considerations=considerations,
                compliant=compliant,
                justification="" if compliant else reasons.get(purchase.pk, ""),
            )
        )
    rows.sort(key=lambda row: (row.compliant, row.launch_date, row.reference))
    return Compliance(year, start, policy.reserved_meets_obligation, rows, before, not_judged)


# --- buyer objectives -----------------------------------------------------------------------------


@dataclass
class ObjectiveStatus:
    objective: BuyerObjective
    actual: Decimal
    minimum: Decimal
    met: bool


@dataclass
class BuyerStatus:
    buyer_id: int
    name: str
    service: str
    objectives: list[ObjectiveStatus]

    @property
    def all_met(self) -> bool:
        return all(status.met for status in self.objectives)


def _buyers(organisation, service=None) -> list[Membership]:
    memberships = Membership.objects.filter(organisation=organisation, is_active=True).select_related(
        "user", "service"
    )
    ids = service_ids(service)
    found = [m for m in memberships if m.has_role(Role.BUYER)]
    if ids is not None:
        found = [m for m in found if m.service_id in ids]
    return sorted(found, key=lambda m: (m.user.last_name, m.user.first_name, m.user.email))


def _objective_value(indicator: str, passed: list[Contract]) -> Decimal:
    if indicator == ObjectiveIndicator.RESERVED_COUNT:
        return Decimal(sum(c.reserved_units for c in passed))
    return Decimal(sum(1 for c in passed if c.clause_or_criterion))


def buyer_objectives_status(organisation, year: int, buyer=None) -> list[BuyerStatus]:
    """Each buyer of the objectives' scope with each objective; `buyer` keeps that user only."""
    objectives = list(
        BuyerObjective.objects.filter(organisation=organisation, year=year).select_related("service")
    )
    if not objectives:
        return []
    # The year's contracts and hours are read once and split by buyer, rather than once per buyer and
    # objective.
    passed_by_buyer: dict[int, list[Contract]] = defaultdict(list)
    for contract in contracts(organisation, year, buyer=buyer):
        if contract.passed and contract.purchase.buyer_id is not None:
            passed_by_buyer[contract.purchase.buyer_id].append(contract)
    hours_by_buyer: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for buyer_id, hours in _hours_lines(organisation, year, buyer=buyer).values_list(
        "declaration__clause__purchase__buyer_id", "hours"
    ):
        if buyer_id is not None:
            hours_by_buyer[buyer_id] += hours
    buyers_by_service: dict[int | None, list[Membership]] = {}
    statuses: dict[int, BuyerStatus] = {}
    for objective in objectives:
        if objective.service_id not in buyers_by_service:
            buyers_by_service[objective.service_id] = _buyers(organisation, objective.service)
        for membership in buyers_by_service[objective.service_id]:
            user = membership.user
            if buyer is not None and user.pk != buyer.pk:
                continue
            status = statuses.setdefault(
                user.pk,
                BuyerStatus(
                    user.pk,
                    user.get_full_name() or user.email,
                    membership.service.name if membership.service else "",
                    [],
                ),
            )
            if objective.indicator == ObjectiveIndicator.INSERTION_HOURS:
                actual = hours_by_buyer[user.pk]
            else:
                actual = _objective_value(objective.indicator, passed_by_buyer[user.pk])
            status.objectives.append(
                ObjectiveStatus(objective, actual, objective.minimum, actual >= objective.minimum)
            )
    return sorted(statuses.values(), key=lambda s: s.name)
