"""Reads of plans, purchases, lots, history and imports, always scoped to one organisation.

Pages, the API and the exports read through these functions so that a filter means the same everywhere.
`public_purchases` is the one exception to the organisation scope: it is what anybody may see, and it
starts from `PlannedPurchase.objects.published()` so that nothing unpublished can come through it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from levier.ingest.french_values import MONTH_NAMES_FR
from levier.organisations.models import Organisation, Service
from levier.organisations.roles import Role

from .models import FieldChange, Lot, Nature, Plan, PlanImport, PlannedPurchase, Transition
from .workflow import Status

# Bands of the amount filter, on the total amount (or the amount as typed when its basis is unknown). They
# only sort a long plan into readable groups; the legal thresholds are applied by `procedure_derived`.
AMOUNT_BANDS = {
    "lt50k": ("Moins de 50 000 €", None, Decimal(50_000)),
    "50k-200k": ("De 50 000 à 200 000 €", Decimal(50_000), Decimal(200_000)),
    "200k-1m": ("De 200 000 € à 1 M€", Decimal(200_000), Decimal(1_000_000)),
    "gte1m": ("1 M€ et plus", Decimal(1_000_000), None),
    "none": ("Montant non renseigné", None, None),
}


def band_of(amount: Decimal | None) -> str:
    if amount is None:
        return "none"
    for code, (_label, low, high) in AMOUNT_BANDS.items():
        if code != "none" and (low is None or amount >= low) and (high is None or amount < high):
            return code
    return "none"


MONTHS_FR = MONTH_NAMES_FR
MONTHS_SHORT_FR = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
# Statuses after which a purchase is no longer "coming": it has been launched or is over.
LAUNCHED_STATUSES = (Status.IN_CONSULTATION, Status.AWARDED, Status.IN_EXECUTION, Status.CLOSED)
# A purchase with a reservation or an insertion clause is what structures and their networks look for.
SOCIAL_MEASURE = ~Q(reservation="") | Q(insertion_clause=True)


def _amount():
    return Coalesce("total_amount", "estimated_amount", output_field=DecimalField())


# --- Plans ----------------------------------------------------------------------------------------------


def plans_of(organisation: Organisation) -> QuerySet[Plan]:
    return Plan.objects.filter(organisation=organisation).annotate(purchase_count=Count("purchases"))


def plan_years(organisation: Organisation) -> list[int]:
    return list(
        Plan.objects.filter(organisation=organisation).order_by("-year").values_list("year", flat=True)
    )


def plan_in(organisation: Organisation, plan_id: int) -> Plan | None:
    return plans_of(organisation).filter(pk=plan_id).first()


def plan_for_year(organisation: Organisation, year: int) -> Plan | None:
    return Plan.objects.filter(organisation=organisation, year=year).first()


def default_year(organisation: Organisation, today: dt.date | None = None) -> int:
    """The plan a person most likely wants: next year's once it exists, else the latest one."""
    today = today or dt.date.today()
    years = plan_years(organisation)
    for wanted in (today.year, today.year + 1):
        if wanted in years and (wanted == today.year + 1 or today.year + 1 not in years):
            return wanted
    return years[0] if years else today.year + 1


# --- Purchases ------------------------------------------------------------------------------------------


def purchases_of(organisation: Organisation) -> QuerySet[PlannedPurchase]:
    return (
        PlannedPurchase.objects.filter(plan__organisation=organisation)
        .select_related("plan", "service", "buyer", "facilitator")
        .annotate(lot_count=Count("lots"))
    )


def purchase_in(organisation: Organisation, purchase_id: int) -> PlannedPurchase | None:
    return purchases_of(organisation).filter(pk=purchase_id).select_related("service__parent").first()


def lot_in(organisation: Organisation, lot_id: int) -> Lot | None:
    return (
        Lot.objects.filter(purchase__plan__organisation=organisation, pk=lot_id)
        .select_related("purchase__plan")
        .first()
    )


@dataclass
class PurchaseFilters:
    """What the plan page, the API and the export filter on; empty values filter nothing."""

    year: int | None = None
    service: int | None = None
    status: str = ""
    nature: str = ""
    band: str = ""
    q: str = ""
    published: bool | None = None
    facilitator: int | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query, organisation: Organisation) -> PurchaseFilters:
        """From a GET query (page or API): unknown values are dropped with a French message, never a 500."""
        filters = cls()
        year = (query.get("year") or query.get("annee") or "").strip()
        if year:
            if year.isdigit():
                filters.year = int(year)
            else:
                filters.errors.append(f"Année illisible : « {year} ».")
        service = (query.get("service") or "").strip()
        if service:
            if service.isdigit() and Service.objects.filter(organisation=organisation, pk=service).exists():
                filters.service = int(service)
            else:
                filters.errors.append("Service inconnu dans cette organisation.")
        for name, allowed in (("status", Status.values), ("nature", Nature.values), ("band", AMOUNT_BANDS)):
            value = (query.get(name) or "").strip()
            if value and value not in allowed:
                filters.errors.append(f"Valeur inconnue pour le filtre « {name} » : « {value} ».")
            elif value:
                setattr(filters, name, value)
        filters.q = (query.get("q") or "").strip()[:200]
        published = (query.get("published") or "").strip().lower()
        if published in {"1", "true", "oui"}:
            filters.published = True
        elif published in {"0", "false", "non"}:
            filters.published = False
        facilitator = (query.get("facilitator") or "").strip()
        if facilitator.isdigit():
            filters.facilitator = int(facilitator)
        return filters

    def as_query(self) -> dict[str, str]:
        values = {
            "year": self.year,
            "service": self.service,
            "status": self.status,
            "nature": self.nature,
            "band": self.band,
            "q": self.q,
            "facilitator": self.facilitator,
            "published": {True: "1", False: "0"}.get(self.published),
        }
        return {name: str(value) for name, value in values.items() if value not in (None, "")}


def service_and_descendants(organisation: Organisation, service_id: int) -> list[int]:
    """A direction's purchases include those of the services below it."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Service.objects.filter(organisation=organisation).values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [service_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def filter_purchases(organisation: Organisation, filters: PurchaseFilters) -> QuerySet[PlannedPurchase]:
    queryset = purchases_of(organisation)
    if filters.year is not None:
        queryset = queryset.filter(plan__year=filters.year)
    if filters.service is not None:
        queryset = queryset.filter(service_id__in=service_and_descendants(organisation, filters.service))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.nature:
        queryset = queryset.filter(nature=filters.nature)
    if filters.band:
        queryset = queryset.annotate(amount_for_band=_amount())
        _label, low, high = AMOUNT_BANDS[filters.band]
        if filters.band == "none":
            queryset = queryset.filter(amount_for_band__isnull=True)
        if low is not None:
            queryset = queryset.filter(amount_for_band__gte=low)
        if high is not None:
            queryset = queryset.filter(amount_for_band__lt=high)
    if filters.q:
        queryset = queryset.filter(
            Q(object__icontains=filters.q)
            | Q(reference__icontains=filters.q)
            | Q(service_label__icontains=filters.q)
            | Q(cpv__startswith=filters.q)
        )
    if filters.published is True:
        queryset = queryset.filter(published_at__isnull=False)
    elif filters.published is False:
        queryset = queryset.filter(published_at__isnull=True)
    if filters.facilitator is not None:
        queryset = queryset.filter(facilitator_id=filters.facilitator)
    return queryset.order_by("launch_date", "reference", "pk")


def totals(queryset: QuerySet[PlannedPurchase]) -> dict:
    return queryset.aggregate(count=Count("pk"), amount=Sum(_amount()))


def lots_of(purchase: PlannedPurchase) -> QuerySet[Lot]:
    return purchase.lots.order_by("number", "pk")


# --- History --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    kind: str  # "transition" or "change"
    actor: object
    transition: Transition | None = None
    change: FieldChange | None = None


def history(purchase: PlannedPurchase) -> list[HistoryEntry]:
    """Every workflow step and every field change of a purchase and its lots, most recent first."""
    entries = [
        HistoryEntry(t.at, "transition", t.actor, transition=t)
        for t in purchase.transitions.select_related("actor")
    ]
    entries += [
        HistoryEntry(c.at, "change", c.actor, change=c)
        for c in purchase.changes.select_related("actor", "lot", "plan_import")
    ]
    return sorted(entries, key=lambda e: (e.at, e.kind == "transition"), reverse=True)


def transitions_of(purchase: PlannedPurchase) -> QuerySet[Transition]:
    return purchase.transitions.select_related("actor").order_by("at", "pk")


def last_decisions(purchases) -> dict[int, Transition]:
    """The latest workflow step of each purchase (a list, or a queryset of ids), in one query."""
    latest: dict[int, Transition] = {}
    if isinstance(purchases, list):
        purchases = [p.pk for p in purchases]
    for step in (
        Transition.objects.filter(purchase__in=purchases)
        .select_related("actor")
        .order_by("purchase_id", "at", "pk")
    ):
        latest[step.purchase_id] = step
    return latest


# --- People ---------------------------------------------------------------------------------------------


def members_with_role(organisation: Organisation, role: str) -> list:
    """Active members holding `role` (roles live in a JSON list, filtered here for every database)."""
    memberships = (
        organisation.memberships.filter(is_active=True).select_related("user").order_by("user__email")
    )
    return [m.user for m in memberships if role in m.roles]


def facilitators_of(organisation: Organisation) -> list:
    return members_with_role(organisation, Role.FACILITATOR)


# --- The commission's programme and what is coming -------------------------------------------------------


@dataclass
class MonthRow:
    month: int | None  # None: launch date unknown
    label: str
    count: int = 0
    amount: Decimal = Decimal(0)
    purchases: list[PlannedPurchase] = field(default_factory=list)


def programme(organisation: Organisation, year: int) -> list[MonthRow]:
    """The year's purchases by month of launch, and those without a launch date last."""
    rows = {month: MonthRow(month, MONTHS_FR[month - 1].capitalize()) for month in range(1, 13)}
    undated = MonthRow(None, "Date de lancement non renseignée")
    for purchase in filter_purchases(organisation, PurchaseFilters(year=year)):
        launch = purchase.launch_date
        row = rows[launch.month] if launch is not None and launch.year == year else undated
        row.count += 1
        row.amount += purchase.total_amount or purchase.estimated_amount or Decimal(0)
        row.purchases.append(purchase)
    return [*rows.values(), undated]


def awaiting_commission(organisation: Organisation, year: int) -> QuerySet[PlannedPurchase]:
    """Validated purchases the anticipation commission has not reviewed yet: the decisions to record."""
    return filter_purchases(organisation, PurchaseFilters(year=year, status=Status.VALIDATED))


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def launching_soon(organisation: Organisation, months: int, today: dt.date | None = None):
    """Purchases whose consultation starts within `months` months and has not been launched yet."""
    today = today or dt.date.today()
    return (
        purchases_of(organisation)
        .filter(launch_date__gte=today, launch_date__lte=add_months(today, months))
        .exclude(status__in=LAUNCHED_STATUSES)
        .order_by("launch_date", "pk")
    )


def contracts_ending(organisation: Organisation, months: int, today: dt.date | None = None):
    """Current contracts ending within `months` months: the renewals to prepare, reserved or with a clause."""
    today = today or dt.date.today()
    return (
        purchases_of(organisation)
        .filter(current_contract_end__gte=today, current_contract_end__lte=add_months(today, months))
        .exclude(status=Status.CLOSED)
        .order_by("current_contract_end", "pk")
    )


# --- Imports --------------------------------------------------------------------------------------------


def imports_of(organisation: Organisation) -> QuerySet[PlanImport]:
    return (
        PlanImport.objects.filter(organisation=organisation).select_related("actor", "plan").defer("content")
    )


def import_in(organisation: Organisation, import_id: int) -> PlanImport | None:
    return PlanImport.objects.filter(organisation=organisation, pk=import_id).select_related("plan").first()


# --- Public ---------------------------------------------------------------------------------------------


def public_purchases(organisation: Organisation | None = None) -> QuerySet[PlannedPurchase]:
    """What anybody may see: marked for publication by its organisation, reserved or with a clause, and
    not yet awarded (`published()`). Only the fields the public page shows are read."""
    queryset = PlannedPurchase.objects.published().filter(SOCIAL_MEASURE)
    if organisation is not None:
        queryset = queryset.filter(plan__organisation=organisation)
    return (
        queryset.select_related("plan__organisation", "service")
        .prefetch_related("lots")
        .order_by("launch_date", "published_at", "pk")
    )


def public_organisations() -> QuerySet[Organisation]:
    """Organisations with at least one public purchase (the national page lists them)."""
    ids = public_purchases().values("plan__organisation_id")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def public_organisation(slug: str) -> Organisation | None:
    return Organisation.objects.filter(slug=slug).first()
