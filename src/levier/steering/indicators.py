"""What the organisation achieved in a year, read from the plan, the clauses and the spend (no writes).

Definitions (docs/steering.md gives them in French; tests recompute them independently):

- Contracts of year Y: the purchases of the organisation's plan of year Y, refused ones excluded.
  "Passed": status awarded, in execution or closed.
- A unit of a passed purchase is the purchase itself, or each of its lots when it has lots. A unit is
  reserved when its reservation (a lot's own, else its purchase's) is not "none", or when a Clause of kind
  "reserved" is attached to it (to the lot, or to the purchase without a lot).
- Social consideration of a purchase: reservation (of the purchase or of one of its lots) OR insertion
  clause OR social criterion OR any Clause object on it. For contracts at or above the EU thresholds, a
  reservation counts only when the organisation's policy says a reserved contract meets the L2112-2-1
  obligation (recommendations.ScreeningPolicy.reserved_meets_obligation, default yes).
- Amount of a purchase: its total amount HT (over the whole duration); the EU threshold is the one in
  force at its launch date for its nature and the organisation's buyer group (levier.rules.legal).
- Spend with ESAT/EA and with SIAE: the year's SpendLine amounts whose supplier match is automatic or
  confirmed, by the kinds of the matched structure (a structure that is both counts in both).
- Insertion hours: hours of the declaration lines whose period ends in year Y; hours required (context):
  hours required by the insertion clauses in execution at some point of year Y.

Filters: `service` keeps what belongs to that service or its sub-services (purchases, spend lines, clauses
through their purchase); `buyer` keeps purchases bought by that user (spend has no buyer: spend indicators
are then None).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from levier.clauses.models import Clause, ClauseKind, DeclarationLine
from levier.directory.models import Kind, StructureKind
from levier.ingest.french_values import MONTH_NAMES_FR
from levier.organisations.models import Service
from levier.plans.models import PlannedPurchase, Reservation
from levier.plans.workflow import Status
from levier.rules import legal
from levier.rules.cpv import nature as cpv_nature

from .models import INCLUSIVE_MATCH_STATUSES, Indicator, SpendLine, SupplierMatch

PASSED = (Status.AWARDED, Status.IN_EXECUTION, Status.CLOSED)
ESAT_EA_KINDS = frozenset({Kind.ESAT, Kind.EA, Kind.EATT})
SIAE_KINDS = frozenset({Kind.ACI, Kind.AI, Kind.EI, Kind.ETTI, Kind.EITI})
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole in %, two decimals; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.01"))


@dataclass
class Policy:
    reserved_meets_obligation: bool = True
    central_government: bool | None = None


def policy_of(organisation) -> Policy:
    """The organisation's legal readings, from the screening policy when it has one."""
    from levier.recommendations.models import ScreeningPolicy

    stored = ScreeningPolicy.objects.filter(organisation=organisation).first()
    if stored is None:
        return Policy()
    return Policy(
        reserved_meets_obligation=getattr(stored, "reserved_meets_obligation", True),
        central_government=getattr(stored, "central_government", None),
    )


def service_ids(service) -> set[int] | None:
    """The service and its sub-services, or None for no filter."""
    if service is None:
        return None
    ids, frontier = {service.pk}, [service.pk]
    while frontier:
        frontier = list(
            Service.objects.filter(parent_id__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True)
        )
        ids.update(frontier)
    return ids


# --- contracts -------------------------------------------------------------------------------------


@dataclass
class Contract:
    """A purchase of the year as the indicators see it."""

    purchase: PlannedPurchase
    passed: bool
    amount: Decimal
    reserved_units: int
    reserved: bool
    insertion: bool
    criterion: bool
    clause_kinds: frozenset[str]

    @property
    def social(self) -> bool:
        return self.reserved or self.insertion or self.criterion or bool(self.clause_kinds)

    def social_for_obligation(self, policy: Policy) -> bool:
        other = self.insertion or self.criterion or bool(self.clause_kinds - {ClauseKind.RESERVED})
        return other or (self.reserved and policy.reserved_meets_obligation)

    @property
    def clause_or_criterion(self) -> bool:
        return (
            self.insertion
            or self.criterion
            or bool(self.clause_kinds & {ClauseKind.EXECUTION_CONDITION, ClauseKind.AWARD_CRITERION})
        )


def contracts(organisation, year: int, service=None, buyer=None) -> list[Contract]:
    purchases = PlannedPurchase.objects.filter(plan__organisation=organisation, plan__year=year).exclude(
        status=Status.REFUSED
    )
    ids = service_ids(service)
    if ids is not None:
        purchases = purchases.filter(service_id__in=ids)
    if buyer is not None:
        purchases = purchases.filter(buyer=buyer)
    purchases = list(purchases.select_related("service", "buyer").prefetch_related("lots").order_by("pk"))
    clauses = defaultdict(list)
    for purchase_id, lot_id, kind in Clause.objects.filter(purchase__in=purchases).values_list(
        "purchase_id", "lot_id", "kind"
    ):
        clauses[purchase_id].append((lot_id, kind))
    result = []
    for purchase in purchases:
        attached = clauses.get(purchase.pk, [])
        reserved_clause_lots = {lot_id for lot_id, kind in attached if kind == ClauseKind.RESERVED}
        whole_reserved = purchase.reservation != Reservation.NONE or None in reserved_clause_lots
        lots = list(purchase.lots.all())
        if lots:
            units = sum(
                1
                for lot in lots
                if (lot.reservation or purchase.reservation) != Reservation.NONE
                or lot.pk in reserved_clause_lots
                or None in reserved_clause_lots
            )
        else:
            units = 1 if whole_reserved else 0
        result.append(
            Contract(
                purchase=purchase,
                passed=purchase.status in PASSED,
                amount=purchase.total_amount or ZERO,
                reserved_units=units,
                reserved=units > 0,
                insertion=purchase.insertion_clause,
                criterion=purchase.social_criterion,
                clause_kinds=frozenset(kind for _lot, kind in attached),
            )
        )
    return result


def eu_threshold_of(purchase: PlannedPurchase, organisation, policy: Policy) -> int | None:
    """The EU threshold (€ HT) in force at the purchase's launch, or None when it cannot be judged."""
    nature = purchase.nature
    if not nature and purchase.cpv:
        try:
            nature = cpv_nature(purchase.cpv)
        except ValueError:
            nature = ""
    if not nature or purchase.launch_date is None:
        return None
    group = legal.buyer_group(
        organisation.kind,
        legal.OrganisationPolicy(
            reserved_meets_obligation=policy.reserved_meets_obligation,
            central_government=policy.central_government,
        ),
    )
    try:
        return legal.eu_threshold(nature, group, purchase.launch_date).amount
    except legal.LegalFrameError:
        return None


# --- spend ----------------------------------------------------------------------------------------


def structure_kinds(structure_ids) -> dict[int, list[str]]:
    kinds: dict[int, list[str]] = defaultdict(list)
    for structure_id, kind in (
        StructureKind.objects.filter(structure_id__in=set(structure_ids))
        .order_by("structure_id", "kind")
        .values_list("structure_id", "kind")
    ):
        kinds[structure_id].append(kind)
    return kinds


def inclusive_suppliers(organisation) -> dict[str, tuple[int, list[str]]]:
    """supplier_key -> (structure id, kinds) for the matches that count (automatic or confirmed)."""
    rows = list(
        SupplierMatch.objects.filter(
            organisation=organisation, status__in=INCLUSIVE_MATCH_STATUSES, structure__isnull=False
        ).values_list("supplier_key", "structure_id")
    )
    kinds = structure_kinds(structure_id for _key, structure_id in rows)
    return {key: (structure_id, kinds.get(structure_id, [])) for key, structure_id in rows}


def spend_lines(organisation, year: int, service=None):
    lines = SpendLine.objects.filter(organisation=organisation, year=year)
    ids = service_ids(service)
    if ids is not None:
        lines = lines.filter(service_id__in=ids)
    return lines


# --- the result -----------------------------------------------------------------------------------


@dataclass
class GroupRow:
    key: int | str | None
    label: str
    spend_esat_ea: Decimal = ZERO
    spend_siae: Decimal = ZERO
    reserved: int = 0
    contracts: int = 0
    social_contracts: int = 0
    hours: Decimal = ZERO

    @property
    def social_share(self) -> Decimal | None:
        return share(self.social_contracts, self.contracts)


@dataclass
class MonthRow:
    month: int
    label: str
    spend_esat_ea: Decimal = ZERO
    spend_siae: Decimal = ZERO
    reserved: int = 0
    hours: Decimal = ZERO


@dataclass
class CategoryRow:
    category: str
    sector: str
    total: Decimal = ZERO
    inclusive: Decimal = ZERO


@dataclass
class Indicators:
    year: int
    values: dict[str, Decimal | None]
    contracts: int = 0
    passed: int = 0
    social_contracts: int = 0
    passed_amount: Decimal = ZERO
    social_amount: Decimal = ZERO
    eu_contracts: int = 0
    eu_social_contracts: int = 0
    hours_required: int = 0
    spend_total: Decimal | None = None
    spend_inclusive: Decimal | None = None
    spend_lines: int = 0
    spend_includes_tax_lines: int = 0
    by_month: list[MonthRow] = field(default_factory=list)
    by_service: list[GroupRow] = field(default_factory=list)
    by_buyer: list[GroupRow] = field(default_factory=list)
    by_kind: list[tuple[str, str, Decimal]] = field(default_factory=list)
    by_category: list[CategoryRow] = field(default_factory=list)
    reserved_contracts: list[Contract] = field(default_factory=list)

    def __getitem__(self, indicator: str) -> Decimal | None:
        return self.values[indicator]


def _hours_lines(organisation, year: int, service=None, buyer=None):
    lines = DeclarationLine.objects.filter(
        declaration__clause__organisation=organisation, declaration__period_end__year=year
    )
    ids = service_ids(service)
    if ids is not None:
        lines = lines.filter(declaration__clause__purchase__service_id__in=ids)
    if buyer is not None:
        lines = lines.filter(declaration__clause__purchase__buyer=buyer)
    return lines


def hours_required(organisation, year: int, service=None, buyer=None) -> int:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    clauses = Clause.objects.filter(
        organisation=organisation,
        kind__in=(ClauseKind.EXECUTION_CONDITION, ClauseKind.AWARD_CRITERION),
        start_date__lte=end,
        end_date__gte=start,
    )
    ids = service_ids(service)
    if ids is not None:
        clauses = clauses.filter(purchase__service_id__in=ids)
    if buyer is not None:
        clauses = clauses.filter(purchase__buyer=buyer)
    return sum(hours or 0 for hours in clauses.values_list("hours_required", flat=True))


def indicators(organisation, year: int, service=None, buyer=None) -> Indicators:
    policy = policy_of(organisation)
    result = Indicators(year=year, values={})
    months = {m: MonthRow(m, MONTH_NAMES_FR[m - 1]) for m in range(1, 13)}
    services: dict[int | None, GroupRow] = {}
    buyers: dict[int | None, GroupRow] = {}

    def service_row(pk, label) -> GroupRow:
        return services.setdefault(pk, GroupRow(pk, label or "Sans service"))

    def buyer_row(pk, label) -> GroupRow:
        return buyers.setdefault(pk, GroupRow(pk, label or "Sans acheteur"))

    # Contracts.
    all_contracts = contracts(organisation, year, service, buyer)
    result.contracts = len(all_contracts)
    reserved_units = 0
    for contract in all_contracts:
        if not contract.passed:
            continue
        purchase = contract.purchase
        result.passed += 1
        result.passed_amount += contract.amount
        reserved_units += contract.reserved_units
        if contract.reserved_units:
            result.reserved_contracts.append(contract)
        if contract.social:
            result.social_contracts += 1
            result.social_amount += contract.amount
        threshold = eu_threshold_of(purchase, organisation, policy)
        if threshold is not None and contract.amount >= threshold:
            result.eu_contracts += 1
            result.eu_social_contracts += contract.social_for_obligation(policy)
        if purchase.notification_date and purchase.notification_date.year == year:
            months[purchase.notification_date.month].reserved += contract.reserved_units
        buyer_label = purchase.buyer.get_full_name() or purchase.buyer.email if purchase.buyer else ""
        for row in (
            service_row(purchase.service_id, purchase.service.name if purchase.service else ""),
            buyer_row(purchase.buyer_id, buyer_label),
        ):
            row.contracts += 1
            row.reserved += contract.reserved_units
            row.social_contracts += contract.social
    result.values[Indicator.RESERVED_COUNT] = Decimal(reserved_units)
    result.values[Indicator.SOCIAL_SHARE_COUNT] = share(result.social_contracts, result.passed)
    result.values[Indicator.SOCIAL_SHARE_AMOUNT] = share(result.social_amount, result.passed_amount)
    result.values[Indicator.EU_SOCIAL_SHARE] = share(result.eu_social_contracts, result.eu_contracts)

    # Insertion hours.
    total_hours = ZERO
    for hours, period_end, service_id, service_name, buyer_id, first, last, email in _hours_lines(
        organisation, year, service, buyer
    ).values_list(
        "hours",
        "declaration__period_end",
        "declaration__clause__purchase__service_id",
        "declaration__clause__purchase__service__name",
        "declaration__clause__purchase__buyer_id",
        "declaration__clause__purchase__buyer__first_name",
        "declaration__clause__purchase__buyer__last_name",
        "declaration__clause__purchase__buyer__email",
    ):
        total_hours += hours
        months[period_end.month].hours += hours
        service_row(service_id, service_name).hours += hours
        buyer_row(buyer_id, f"{first} {last}".strip() or email or "").hours += hours
    result.values[Indicator.INSERTION_HOURS] = total_hours
    result.hours_required = hours_required(organisation, year, service, buyer)

    # Spend.
    if buyer is None:
        inclusive = inclusive_suppliers(organisation)
        esat_ea = siae = spend_total = spend_inclusive = ZERO
        kinds_total: dict[str, Decimal] = defaultdict(lambda: ZERO)
        categories: dict[str, CategoryRow] = {}
        for key, amount, date, category, sector, service_id, service_name, label, with_tax in spend_lines(
            organisation, year, service
        ).values_list(
            "supplier_key",
            "amount",
            "date",
            "category",
            "category_sector",
            "service_id",
            "service__name",
            "service_label",
            "amount_includes_tax",
        ):
            result.spend_lines += 1
            result.spend_includes_tax_lines += with_tax
            spend_total += amount
            row = categories.setdefault(category, CategoryRow(category, sector))
            row.total += amount
            match = inclusive.get(key)
            if match is None:
                continue
            kinds = match[1]
            spend_inclusive += amount
            row.inclusive += amount
            if kinds:
                kinds_total[kinds[0]] += amount
            group = service_row(service_id, service_name or label)
            if ESAT_EA_KINDS.intersection(kinds):
                esat_ea += amount
                group.spend_esat_ea += amount
                if date:
                    months[date.month].spend_esat_ea += amount
            if SIAE_KINDS.intersection(kinds):
                siae += amount
                group.spend_siae += amount
                if date:
                    months[date.month].spend_siae += amount
        result.values[Indicator.SPEND_ESAT_EA] = esat_ea
        result.values[Indicator.SPEND_SIAE] = siae
        result.spend_total, result.spend_inclusive = spend_total, spend_inclusive
        result.by_kind = sorted(
            ((kind, Kind(kind).label, amount) for kind, amount in kinds_total.items()), key=lambda r: -r[2]
        )
        result.by_category = sorted(categories.values(), key=lambda r: (-r.inclusive, -r.total, r.category))
    else:
        result.values[Indicator.SPEND_ESAT_EA] = None
        result.values[Indicator.SPEND_SIAE] = None

    result.by_month = [months[m] for m in range(1, 13)]
    result.by_service = sorted(services.values(), key=lambda r: (r.key is None, r.label))
    result.by_buyer = sorted(buyers.values(), key=lambda r: (r.key is None, r.label))
    return result
