"""Achieved against required, the forecast at the end date, alerts, and the final report of a clause.

The method (shown to users in `Projection.method_fr`):

- The clause runs from its start S to its end E and is declared by periods of its reporting frequency
  (monthly, quarterly...) counted from S. A period is *due* once its last day has passed.
- The observation point T is the later of the end of the last due period and the end of the last declared
  period, never after E. Hours declared up to T are the achieved hours A; a due period that nobody declared
  counts as zero hours (a company that stops reporting falls behind), and is flagged as late. Each due
  period that no declaration overlaps is listed (`Projection.missing`), gaps in the middle included: the
  facilitator asks for those periods by name.
- Expected to date: the required hours R spread evenly over the duration, R × (T − S) / (E − S), in days.
- Forecast at the end: the pace so far carried over the remaining duration,
  A + A / (T − S) × (E − T) = A × (E − S) / (T − S). Without any elapsed period there is no forecast.
- Behind: A < expected × (1 − threshold), the threshold being the organisation's setting
  (`ClauseSettings.alert_threshold`, 10 % by default).

`project()` is the pure computation; `progress()` and `progress_many()` read the database for it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from levier.rules.hours import format_number_fr

from .models import (
    FREQUENCY_MONTHS,
    AgeBand,
    Award,
    ClauseStatus,
    ContractType,
    Declaration,
    DeclarationLine,
    Eligibility,
    Qualification,
    ReferringBody,
    Sex,
    Way,
)

METHOD_FR = (
    "Heures attendues à date : heures exigées × durée écoulée ÷ durée totale, jusqu'à la fin de la dernière "
    "période échue ou déclarée. Prévision à la fin : heures réalisées prolongées au même rythme sur la durée "
    "restante (heures réalisées × durée totale ÷ durée écoulée). Une période échue non déclarée compte pour "
    "zéro heure."
)
HUNDREDTH = Decimal("0.01")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def periods(start: dt.date, end: dt.date, months: int) -> list[tuple[dt.date, dt.date]]:
    """Reporting periods from `start`, `months` long each, the last one cut at `end`."""
    found = []
    index = 0
    while True:
        first = add_months(start, index * months)
        if first > end:
            return found
        last = min(add_months(start, (index + 1) * months) - dt.timedelta(days=1), end)
        found.append((first, last))
        index += 1


@dataclass(frozen=True)
class Projection:
    required: int
    achieved: Decimal
    observed_until: dt.date | None
    expected_to_date: Decimal
    projected_at_end: Decimal | None
    behind: bool
    late: bool
    next_due: dt.date | None
    alert: str
    missing: tuple[tuple[dt.date, dt.date], ...] = ()
    """Due periods (first day, last day) that no declaration covers, oldest first."""

    @property
    def share_achieved(self) -> Decimal:
        return (self.achieved / self.required).quantize(Decimal("0.0001")) if self.required else Decimal(0)

    @property
    def method_fr(self) -> str:
        return METHOD_FR

    def to_dict(self) -> dict:
        data = asdict(self)
        for name in ("achieved", "expected_to_date", "projected_at_end"):
            data[name] = float(data[name]) if data[name] is not None else None
        for name in ("observed_until", "next_due"):
            data[name] = data[name].isoformat() if data[name] else None
        data["missing"] = [
            {"start": first.isoformat(), "end": last.isoformat()} for first, last in self.missing
        ]
        data["share_achieved"] = float(self.share_achieved)
        return data


def _fr_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _missing(
    due: list[tuple[dt.date, dt.date]],
    declared_until: dt.date | None,
    declared: list[tuple[dt.date, dt.date]] | None,
) -> tuple[tuple[dt.date, dt.date], ...]:
    """Due periods no declaration overlaps. Without the declared periods, those after the last one."""
    if declared is None:
        return tuple(p for p in due if declared_until is None or p[1] > declared_until)
    return tuple(
        (first, last)
        for first, last in due
        if not any(start <= last and end >= first for start, end in declared)
    )


def _missing_text(missing: tuple[tuple[dt.date, dt.date], ...]) -> str:
    if len(missing) == 1:
        first, last = missing[0]
        period = f"du {_fr_date(first)} au {_fr_date(last)}"
        return f"Déclaration manquante : la période {period} n'a pas été déclarée."
    listed = ", ".join(f"du {_fr_date(first)} au {_fr_date(last)}" for first, last in missing[:6])
    more = f" et {len(missing) - 6} autres" if len(missing) > 6 else ""
    return f"Déclarations manquantes ({len(missing)} périodes) : {listed}{more}."


def project(
    *,
    required: int,
    achieved: Decimal,
    start: dt.date,
    end: dt.date,
    frequency_months: int,
    declared_until: dt.date | None,
    on: dt.date,
    threshold: Decimal,
    declared: list[tuple[dt.date, dt.date]] | None = None,
) -> Projection:
    """The figures of the method above, from plain values; `declared` are the declared periods (first
    and last day), which name the missing ones."""
    # SQLite sums decimals as floats: round to the hundredth the lines are stored with.
    achieved = Decimal(achieved).quantize(HUNDREDTH, ROUND_HALF_UP)
    schedule = periods(start, end, frequency_months)
    due_periods = [(first, last) for first, last in schedule if last < on]
    last_due = due_periods[-1][1] if due_periods else None
    candidates = [day for day in (last_due, declared_until) if day is not None]
    observed = min(max(candidates), end) if candidates else None
    total_days = Decimal((end - start).days + 1)
    elapsed = Decimal((observed - start).days + 1) if observed else Decimal(0)
    expected = (Decimal(required) * elapsed / total_days).quantize(HUNDREDTH, ROUND_HALF_UP)
    projected = (achieved * total_days / elapsed).quantize(HUNDREDTH, ROUND_HALF_UP) if elapsed else None
    behind = bool(elapsed) and achieved < expected * (1 - Decimal(threshold))
    missing = _missing(due_periods, declared_until, declared)
    late = bool(missing)
    upcoming = [last for _first, last in schedule if declared_until is None or last > declared_until]
    next_due = upcoming[0] if upcoming else None
    alert = ""
    if behind:
        alert = (
            f"En retard : {format_number_fr(achieved)} h réalisées pour "
            f"{format_number_fr(expected)} h attendues au {_fr_date(observed)}"
        )
        if projected is not None:
            alert += (
                f" ; au rythme actuel, {format_number_fr(projected, 0)} h à la fin sur {required} h exigées"
            )
        alert += "."
    if late:
        alert = f"{alert} {_missing_text(missing)}".strip()
    return Projection(
        required=required,
        achieved=achieved,
        observed_until=observed,
        expected_to_date=expected,
        projected_at_end=projected,
        behind=behind,
        late=late,
        next_due=next_due,
        alert=alert,
        missing=missing,
    )


def _threshold(clause) -> Decimal:
    from .services import settings_for

    return settings_for(clause.organisation).alert_threshold


def _projection(clause, achieved, declared, on, threshold) -> Projection | None:
    if not (
        clause.is_insertion and clause.start_date and clause.end_date and clause.hours_required is not None
    ):
        return None
    return project(
        required=clause.hours_required,
        achieved=achieved or Decimal(0),
        start=clause.start_date,
        end=clause.end_date,
        frequency_months=FREQUENCY_MONTHS[clause.reporting_frequency],
        declared_until=max((end for _start, end in declared), default=None),
        on=on,
        threshold=threshold,
        declared=declared,
    )


def progress(clause, *, on: dt.date | None = None) -> Projection | None:
    """The clause's figures today (or `on`); None for a reservation or a clause without dates or hours."""
    achieved = DeclarationLine.objects.filter(declaration__clause=clause).aggregate(total=Sum("hours"))[
        "total"
    ]
    declared = list(clause.declarations.values_list("period_start", "period_end"))
    return _projection(clause, achieved, declared, on or dt.date.today(), _threshold(clause))


def progress_many(clauses, *, on: dt.date | None = None) -> dict[int, Projection | None]:
    """`progress` for many clauses in two queries (plus one for the organisations' thresholds)."""
    from .models import ClauseSettings

    clauses = list(clauses)
    ids = [clause.pk for clause in clauses]
    achieved = dict(
        DeclarationLine.objects.filter(declaration__clause_id__in=ids)
        .values_list("declaration__clause_id")
        .annotate(total=Sum("hours"))
    )
    declared: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for clause_id, start, end in Declaration.objects.filter(clause_id__in=ids).values_list(
        "clause_id", "period_start", "period_end"
    ):
        declared[clause_id].append((start, end))
    thresholds = dict(
        ClauseSettings.objects.filter(organisation_id__in={c.organisation_id for c in clauses}).values_list(
            "organisation_id", "alert_threshold"
        )
    )
    default = ClauseSettings._meta.get_field("alert_threshold").default
    day = on or dt.date.today()
    return {
        clause.pk: _projection(
            clause,
            achieved.get(clause.pk),
            declared.get(clause.pk, []),
            day,
            thresholds.get(clause.organisation_id, default),
        )
        for clause in clauses
    }


def alerts(clauses, *, on: dt.date | None = None) -> list[tuple[object, Projection]]:
    """The clauses that are behind or have a declaration overdue, with their figures, most behind first."""
    clauses = list(clauses)
    found = progress_many(clauses, on=on)
    flagged = [
        (clause, found[clause.pk]) for clause in clauses if found[clause.pk] and found[clause.pk].alert
    ]
    return sorted(flagged, key=lambda pair: (not pair[1].behind, pair[1].share_achieved))


# --- Figures of a clause (final report, facilitator's summaries) -----------------------------------------


def _labelled(counter: Counter, choices) -> dict[str, int]:
    return {choices(key).label if key in choices.values else "Non renseigné": n for key, n in counter.items()}


def figures(clause) -> dict:
    """Aggregated figures of a clause: hours by way and year, people by age band, sex, qualification, QPV,
    public, contract type and length, referring body. Counts only: no participant row leaves here."""
    lines = DeclarationLine.objects.filter(declaration__clause=clause)
    by_way = {
        Way(way).label: float(total)
        for way, total in lines.values_list("way").annotate(total=Sum("hours")).order_by("way")
    }
    by_year: dict[str, float] = defaultdict(float)
    for period_end, total in lines.values_list("declaration__period_end").annotate(total=Sum("hours")):
        by_year[str(period_end.year)] += float(total)
    people = list(
        lines.exclude(participant=None)
        .values(
            "participant_id",
            "participant__age_band",
            "participant__sex",
            "participant__qualification",
            "participant__qpv",
            "participant__eligibility",
            "participant__contract_type",
            "participant__contract_months",
            "participant__referring_body",
        )
        .distinct()
    )
    seen = {row["participant_id"]: row for row in people}.values()

    def count(field):
        return Counter(row[f"participant__{field}"] for row in seen)

    lengths = Counter(
        "moins de 6 mois"
        if (row["participant__contract_months"] or 0) < 6
        else "6 à 11 mois"
        if row["participant__contract_months"] < 12
        else "12 mois et plus"
        for row in seen
        if row["participant__contract_months"] is not None
    )
    return {
        "hours_by_way": by_way,
        "hours_by_year": dict(sorted(by_year.items())),
        "participants": len(seen),
        "by_age_band": _labelled(count("age_band"), AgeBand),
        "by_sex": _labelled(count("sex"), Sex),
        "by_qualification": _labelled(count("qualification"), Qualification),
        "qpv": sum(1 for row in seen if row["participant__qpv"]),
        "by_eligibility": _labelled(count("eligibility"), Eligibility),
        "by_contract_type": _labelled(count("contract_type"), ContractType),
        "by_contract_length": dict(lengths),
        "by_referring_body": _labelled(count("referring_body"), ReferringBody),
        "declarations": clause.declarations.aggregate(n=Count("pk"))["n"],
    }


def final_report(clause, *, on: dt.date | None = None) -> dict:
    """What a closed clause keeps: its figures, the outcome against the requirement, the award."""
    day = on or dt.date.today()
    found = progress(clause, on=day)
    figures_ = figures(clause)
    achieved = DeclarationLine.objects.filter(declaration__clause=clause).aggregate(total=Sum("hours"))[
        "total"
    ] or Decimal(0)
    required = clause.hours_required or 0
    report = {
        "closed_on": day.isoformat(),
        "required": required,
        "achieved": float(achieved),
        "share_achieved": float((achieved / required).quantize(Decimal("0.0001"))) if required else None,
        "missing_hours": float(max(Decimal(required) - achieved, Decimal(0))),
        "met": achieved >= required,
        "penalty_due": (
            float(
                (max(Decimal(required) - achieved, Decimal(0)) * clause.penalty_per_hour).quantize(HUNDREDTH)
            )
            if clause.penalty_per_hour is not None
            else None
        ),
        "progress": found.to_dict() if found else None,
        **figures_,
    }
    award = Award.objects.filter(clause=clause).prefetch_related("holders").first()
    if award is not None:
        report["award"] = {
            "amount_ht": float(award.amount_ht) if award.amount_ht is not None else None,
            "awarded_on": award.awarded_on.isoformat() if award.awarded_on else None,
            "holders": [
                {"name": h.name, "siret": h.siret, "role": h.get_role_display(), "inclusive": h.inclusive}
                for h in award.holders.all()
            ],
        }
    report["status_before"] = ClauseStatus(clause.status).label
    return report
