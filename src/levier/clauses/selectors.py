"""Reads of clauses, awards and declarations, always scoped to one organisation (or, for the facilitator's
workspace, to the organisations where the user is an active facilitator).

Only aggregates leave this module: hours per clause, per period, per way. Participant rows are personal data
and are read through `personal_data.py` alone, which checks the role and logs the access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from levier.organisations.models import Membership, Organisation
from levier.organisations.roles import Role
from levier.plans.selectors import facilitators_of

from .models import (
    Award,
    Clause,
    ClauseSettings,
    ClauseStatus,
    Declaration,
    DeclarationImport,
    DeclarationLine,
    DocumentTemplate,
    Way,
)

ZERO = Decimal(0)


def _achieved_subquery():
    lines = (
        DeclarationLine.objects.filter(declaration__clause=OuterRef("pk"))
        .values("declaration__clause")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return Coalesce(Subquery(lines, output_field=DecimalField()), Value(ZERO), output_field=DecimalField())


def clauses_of(organisation: Organisation) -> QuerySet[Clause]:
    return (
        Clause.objects.filter(organisation=organisation)
        .select_related("purchase__plan", "lot", "facilitator", "organisation")
        .annotate(achieved=_achieved_subquery())
        .order_by("purchase__plan__year", "purchase__reference", "lot__number", "pk")
    )


def clause_in(organisation: Organisation, clause_id: int) -> Clause | None:
    return clauses_of(organisation).filter(pk=clause_id).first()


def clauses_of_purchase(organisation: Organisation, purchase) -> QuerySet[Clause]:
    return clauses_of(organisation).filter(purchase=purchase)


def award_of(clause: Clause) -> Award | None:
    return Award.objects.filter(clause=clause).prefetch_related("holders__structure").first()


def awards_of(organisation: Organisation) -> QuerySet[Award]:
    return Award.objects.filter(organisation=organisation).prefetch_related("holders").order_by("pk")


def award_in(organisation: Organisation, award_id: int) -> Award | None:
    return (
        Award.objects.filter(organisation=organisation, pk=award_id)
        .select_related("clause")
        .prefetch_related("holders")
        .first()
    )


def settings_of(organisation: Organisation) -> ClauseSettings:
    found = ClauseSettings.objects.filter(organisation=organisation).first()
    return found if found is not None else ClauseSettings(organisation=organisation)


def templates_of(organisation: Organisation) -> QuerySet[DocumentTemplate]:
    return DocumentTemplate.objects.filter(organisation=organisation).order_by("kind")


def template_in(organisation: Organisation, template_id: int) -> DocumentTemplate | None:
    return templates_of(organisation).filter(pk=template_id).first()


def import_in(organisation: Organisation, import_id: int) -> DeclarationImport | None:
    return (
        DeclarationImport.objects.filter(organisation=organisation, pk=import_id)
        .select_related("clause")
        .first()
    )


# --- Declarations: totals only --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationTotal:
    declaration: Declaration
    hours: Decimal
    cumulative: Decimal
    participants: int


def declarations_of(clause: Clause) -> list[DeclarationTotal]:
    rows = (
        Declaration.objects.filter(clause=clause)
        .select_related("entered_by", "source_import")
        .annotate(total=Coalesce(Sum("lines__hours"), Value(ZERO), output_field=DecimalField()))
        .order_by("period_start", "pk")
    )
    counts = {
        row["declaration"]: row["n"]
        for row in DeclarationLine.objects.filter(declaration__clause=clause)
        .values("declaration")
        .annotate(n=Count("participant", distinct=True))
    }
    result, running = [], ZERO
    for declaration in rows:
        running += declaration.total
        result.append(
            DeclarationTotal(declaration, declaration.total, running, counts.get(declaration.pk, 0))
        )
    return result


def declaration_in(organisation: Organisation, declaration_id: int) -> Declaration | None:
    return (
        Declaration.objects.filter(clause__organisation=organisation, pk=declaration_id)
        .select_related("clause")
        .first()
    )


def hours_by_way(clauses) -> list[tuple[str, Decimal]]:
    """(way label, hours) over the given clauses, every way listed, in the order of `Way`."""
    totals = dict(
        DeclarationLine.objects.filter(declaration__clause__in=clauses)
        .values_list("way")
        .annotate(total=Sum("hours"))
        .values_list("way", "total")
    )
    return [(way.label, totals.get(way.value, ZERO)) for way in Way]


# --- Filters of the list --------------------------------------------------------------------------------

PACE_CHOICES = {"on_track": "Dans les temps", "behind": "En retard"}


@dataclass
class ClauseFilters:
    status: str = ""
    pace: str = ""
    facilitator: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, query) -> ClauseFilters:
        found = cls()
        status = query.get("status", "")
        if status:
            if status in ClauseStatus.values:
                found.status = status
            else:
                found.errors["status"] = f"Statut inconnu : « {status} »."
        pace = query.get("pace", "")
        if pace:
            if pace in PACE_CHOICES:
                found.pace = pace
            else:
                found.errors["pace"] = f"Avancement inconnu : « {pace} »."
        facilitator = query.get("facilitator", "")
        if facilitator:
            try:
                found.facilitator = int(facilitator)
            except ValueError:
                found.errors["facilitator"] = f"Facilitateur inconnu : « {facilitator} »."
        return found

    def as_query(self) -> dict[str, str]:
        query = {"status": self.status, "pace": self.pace, "facilitator": self.facilitator or ""}
        return {k: str(v) for k, v in query.items() if v}


def filter_clauses(organisation: Organisation, filters: ClauseFilters, progress_many) -> list[Clause]:
    """`progress_many(clauses) -> {pk: Progress}` is the follow-up's own rule for being behind, so that the
    filter and the alerts agree."""
    queryset = clauses_of(organisation)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.facilitator:
        queryset = queryset.filter(facilitator_id=filters.facilitator)
    clauses = list(queryset)
    if filters.pace:
        want_behind = filters.pace == "behind"
        progress = progress_many(clauses)
        clauses = [
            c
            for c in clauses
            if c.is_insertion and bool(progress[c.pk] and progress[c.pk].behind) == want_behind
        ]
    return clauses


def clause_facilitators(organisation: Organisation) -> list:
    return facilitators_of(organisation)


# --- The facilitator's workspace ------------------------------------------------------------------------


def facilitated_organisations(user) -> list[Organisation]:
    """Organisations where `user` is an active facilitator: the workspace shows these and nothing else."""
    if not user.is_authenticated:
        return []
    memberships = (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    return [m.organisation for m in memberships if Role.FACILITATOR in m.roles]


def workspace_clauses(user, organisations: list[Organisation], *, include_closed=False) -> list[Clause]:
    """Clauses of those organisations the user follows, or that nobody follows yet."""
    result = []
    for organisation in organisations:
        queryset = clauses_of(organisation).filter(Q(facilitator=user) | Q(facilitator__isnull=True))
        if not include_closed:
            queryset = queryset.exclude(status=ClauseStatus.CLOSED)
        result += list(queryset)
    return result
