"""Pages of the steering under /o/<org>/pilotage/: the dashboard, the targets and their trajectory, the
buyer objectives and the yearly report. Thin: reads through `indicators`, `progress` and `selectors`,
writes through `services`. The spend pages are in views_spend.py."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from levier.core.charts import (
    Bar,
    Gauge,
    Series,
    bar_chart,
    hbar_chart,
    line_chart,
    progress_chart,
    short_euros,
)
from levier.core.navigation import SECTIONS_BY_KEY
from levier.core.tenancy import org_view
from levier.organisations.roles import Role

from . import report as yearly_report
from . import selectors, services
from .forms import BuyerObjectiveForm, DashboardFilterForm, ReportForm, TargetForm
from .importing import IMPORT_ROLES
from .indicators import indicators
from .models import Indicator, ObjectiveIndicator
from .progress import SHARE_INDICATORS, buyer_objectives_status, compliance, progress
from .report import MONEY_INDICATORS, show

# Who sees the whole organisation's figures; other members see the dashboard of their own purchases.
ORG_READ_ROLES = (Role.STEWARD, Role.READER, Role.ADMIN)
# Targets and buyer objectives are the steward's to set (readers and admins read them).
EDIT_ROLES = (Role.STEWARD,)
SPEND_READ_ROLES = (*ORG_READ_ROLES, *IMPORT_ROLES)


def _context(request, title: str, current: str, **extra) -> dict:
    tenant = request.tenant
    return {
        "title": title,
        "section": SECTIONS_BY_KEY["pilotage"],
        "current": current,
        "can_edit": tenant.has_role(*EDIT_ROLES),
        "can_import": tenant.has_role(*IMPORT_ROLES),
        "sees_organisation": tenant.has_role(*ORG_READ_ROLES),
        "is_buyer": tenant.has_role(Role.BUYER),
        **extra,
    }


def _year(request, years: list[int], default: int) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return default
    return year if year in years else default


def _axis(indicator: str):
    if indicator in MONEY_INDICATORS:
        return short_euros
    if indicator in SHARE_INDICATORS:
        return lambda v: f"{v:g} %"
    return lambda v: f"{v:g}"


# --- Dashboard ------------------------------------------------------------------------------------------


def _state(item) -> str:
    if item.actual is None:
        return "non mesuré"
    if item.ratio is not None and item.actual >= item.value:
        return "cible atteinte"
    return "dans le rythme" if item.on_track else "en retard sur le rythme attendu"


def _progress_rows(items) -> list[dict]:
    rows = []
    for item in items:
        rows.append(
            {
                "item": item,
                "indicator": item.indicator,
                "label": item.label,
                "value": show(item.indicator, item.value),
                "actual": show(item.indicator, item.actual),
                "ratio": f"{item.ratio} %".replace(".", ",") if item.ratio is not None else "—",
                "expected": show(item.indicator, item.expected),
                "state": _state(item),
                "on_track": item.on_track,
                "baseline": (
                    f"{show(item.indicator, item.baseline_value)} en {item.baseline_year}"
                    if item.baseline_year
                    else "—"
                ),
            }
        )
    return rows


def _progress_chart(rows: list[dict], year: int):
    gauges = []
    for row in rows:
        item = row["item"]
        ratio = float(item.actual / item.value) if item.actual is not None and item.value else None
        expected = float(item.expected / item.value) if item.value else None
        gauges.append(
            Gauge(
                item.label,
                ratio,
                expected,
                f"{row['actual']} sur {row['value']} ({row['ratio']}), {row['state']}",
            )
        )
    return progress_chart(
        gauges,
        title=f"Avancement vers les cibles {year}",
        description="Une barre par cible : la longueur est la part de la cible atteinte, le trait plein "
        "marque la cible, le trait pointillé la valeur attendue à ce jour. Les chiffres sont écrits sous "
        "chaque barre et repris dans le tableau qui suit.",
        chart_id="graphique-avancement",
    )


def _trajectories(items) -> list[dict]:
    result = []
    for item in items:
        points = item.trajectory
        if len(points) < 2:
            continue
        labels = [f"{p.year}{' (réf.)' if p.baseline else ''}" for p in points]
        targets = [float(p.target) if p.target is not None else None for p in points]
        actuals = [float(p.actual) if p.actual is not None else None for p in points]
        chart = line_chart(
            labels,
            [
                Series("Cible", targets, [show(item.indicator, p.target) for p in points]),
                Series("Réalisé", actuals, [show(item.indicator, p.actual) for p in points]),
            ],
            title=f"Trajectoire : {item.label}",
            description="Cible de chaque année (trait plein, ronds) et valeur réalisée (tirets, carrés), "
            "depuis l'année de référence ; les chiffres sont dans le tableau qui suit.",
            chart_id=f"graphique-trajectoire-{item.indicator}",
            axis_text=_axis(item.indicator),
            integer=item.indicator == Indicator.RESERVED_COUNT,
        )
        result.append(
            {
                "indicator": item.indicator,
                "label": item.label,
                "chart": chart,
                "rows": [
                    {
                        "year": p.year,
                        "baseline": p.baseline,
                        "target": show(item.indicator, p.target),
                        "actual": show(item.indicator, p.actual),
                    }
                    for p in points
                ],
            }
        )
    return result


def _money(value) -> str:
    return show(Indicator.SPEND_ESAT_EA, value)


def _month_charts(ind, with_spend: bool) -> list[tuple[str, object]]:
    """(heading, chart) for each monthly measure that has something to draw: an empty year reads better
    in the table than as a flat line."""
    labels = [m.label[:3] + "." if len(m.label) > 4 else m.label for m in ind.by_month]
    charts = []
    if any(m.reserved for m in ind.by_month):
        title = f"Marchés et lots réservés notifiés, par mois ({ind.year})"
        charts.append(
            (
                title,
                bar_chart(
                    [
                        Bar(short, m.reserved, f"{m.reserved} marché(s) ou lot(s)")
                        for short, m in zip(labels, ind.by_month, strict=True)
                    ],
                    title=title,
                    description="Nombre de marchés et lots réservés par mois de notification ; chiffres dans "
                    "le tableau qui suit.",
                    chart_id="graphique-mois-reserves",
                    integer=True,
                ),
            )
        )
    if any(m.hours for m in ind.by_month):
        title = f"Heures d'insertion réalisées, par mois ({ind.year})"
        charts.append(
            (
                title,
                line_chart(
                    labels,
                    [Series("Heures d'insertion", [float(m.hours) for m in ind.by_month])],
                    title=title,
                    description="Heures déclarées sur les périodes finissant chaque mois ; chiffres dans le "
                    "tableau qui suit.",
                    chart_id="graphique-mois-heures",
                ),
            )
        )
    if with_spend and any(m.spend_esat_ea or m.spend_siae for m in ind.by_month):
        title = f"Achats aux structures inclusives, par mois ({ind.year})"
        charts.append(
            (
                title,
                line_chart(
                    labels,
                    [
                        Series("ESAT et EA", [float(m.spend_esat_ea) for m in ind.by_month]),
                        Series("SIAE", [float(m.spend_siae) for m in ind.by_month]),
                    ],
                    title=title,
                    description="Montants payés aux ESAT et EA (trait plein, ronds) et aux SIAE (tirets, "
                    "carrés) chaque mois ; chiffres dans le tableau qui suit.",
                    chart_id="graphique-mois-depenses",
                    axis_text=short_euros,
                ),
            )
        )
    return charts


def _group_chart(rows, kind: str, label: str):
    rows = [r for r in rows if r.contracts]
    if not rows:
        return None
    return hbar_chart(
        [
            Bar(
                r.label,
                float(r.social_share or 0),
                f"{show(Indicator.SOCIAL_SHARE_COUNT, r.social_share)} "
                f"({r.social_contracts} sur {r.contracts})",
            )
            for r in rows
        ],
        title=f"Part des marchés passés avec une considération sociale, par {label}",
        description="Une barre par ligne, la part écrite au bout ; détail dans le tableau qui suit.",
        chart_id=f"graphique-{kind}",
    )


def _group_rows(rows) -> list[dict]:
    return [
        {
            "label": r.label,
            "contracts": r.contracts,
            "social": r.social_contracts,
            "share": show(Indicator.SOCIAL_SHARE_COUNT, r.social_share),
            "reserved": r.reserved,
            "hours": show(Indicator.INSERTION_HOURS, r.hours),
            "esat_ea": _money(r.spend_esat_ea),
            "siae": _money(r.spend_siae),
        }
        for r in rows
    ]


def _compliance_chart(found):
    if not found.total:
        return None
    return hbar_chart(
        [
            Bar("Avec une considération sociale", found.compliant, f"{found.compliant} marché(s)"),
            Bar(
                "Sans considération sociale",
                len(found.non_compliant),
                f"{len(found.non_compliant)} marché(s)",
            ),
        ],
        title=f"Marchés au-dessus des seuils européens lancés depuis le {found.obligation_from:%d/%m/%Y}",
        description="Nombre de marchés avec et sans considération sociale dans leurs conditions "
        "d'exécution ; la liste suit.",
        chart_id="graphique-conformite",
    )


@org_view()
@require_GET
def dashboard(request):
    tenant = request.tenant
    org = tenant.organisation
    whole = tenant.has_role(*ORG_READ_ROLES)
    years = selectors.years_of(org)
    form = DashboardFilterForm(
        request.GET or None,
        years=years,
        services=selectors.services_of(org),
        buyers=selectors.buyers_of(org) if whole else [],
        with_buyer=whole,
        initial={"year": selectors.default_year(org)},
    )
    year, service, buyer = selectors.default_year(org), None, None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
        service = form.cleaned_data["service"]
        buyer = form.cleaned_data.get("buyer")
    if not whole:
        # Members who do not steer see what they bought themselves.
        buyer = request.user
    ind = indicators(org, year, service, buyer)
    items = progress(org, year, service, buyer, measured=ind)
    rows = _progress_rows(items)
    values = [
        {"indicator": key, "label": Indicator(key).label, "value": show(key, ind.values.get(key))}
        for key in Indicator.values
    ]
    found = compliance(org, year) if whole and service is None and buyer is None else None
    context = _context(
        request,
        f"Tableau de bord {year}",
        "dashboard",
        form=form,
        year=year,
        service=service,
        buyer=buyer,
        own_view=not whole,
        ind=ind,
        values=values,
        progress_rows=rows,
        progress_chart=_progress_chart(rows, year) if rows else None,
        trajectories=_trajectories(items),
        month_charts=_month_charts(ind, with_spend=buyer is None),
        months=[
            {
                "label": m.label,
                "reserved": m.reserved,
                "hours": show(Indicator.INSERTION_HOURS, m.hours),
                "esat_ea": _money(m.spend_esat_ea),
                "siae": _money(m.spend_siae),
            }
            for m in ind.by_month
        ],
        service_rows=_group_rows(ind.by_service) if buyer is None else [],
        buyer_rows=_group_rows(ind.by_buyer) if whole and buyer is None else [],
        service_chart=_group_chart(ind.by_service, "services", "service") if buyer is None else None,
        buyer_chart=_group_chart(ind.by_buyer, "acheteurs", "acheteur") if whole and buyer is None else None,
        compliance=found,
        compliance_chart=_compliance_chart(found) if found else None,
        compliance_rows=[
            {"row": row, "amount": _money(row.amount), "threshold": _money(row.threshold)}
            for row in (found.rows if found else [])
        ],
    )
    return render(request, "steering/dashboard.html", context)


# --- Targets --------------------------------------------------------------------------------------------


def _scope_label(target) -> str:
    parts = [target.service.name if target.service else "Toute l'organisation"]
    if target.buyer:
        parts.append(target.buyer.display_name)
    return " — ".join(parts)


def _trajectory_groups(targets) -> list[dict]:
    """Targets gathered by (indicator, service, buyer): one trajectory per group, years in order."""
    groups: dict[tuple, dict] = {}
    order = list(Indicator.values)
    for target in targets:
        key = (target.service_id, target.buyer_id, target.indicator)
        group = groups.setdefault(
            key,
            {
                "indicator": target.indicator,
                "label": Indicator(target.indicator).label,
                "scope": _scope_label(target),
                "service": target.service_id or "",
                "buyer": target.buyer_id or "",
                "baseline": None,
                "targets": [],
            },
        )
        group["targets"].append(
            {"target": target, "value": show(target.indicator, target.value), "year": target.year}
        )
        if target.baseline_year and group["baseline"] is None:
            group["baseline"] = f"{show(target.indicator, target.baseline_value)} en {target.baseline_year}"
    for group in groups.values():
        group["targets"].sort(key=lambda t: t["year"])
        group["next_year"] = group["targets"][-1]["year"] + 1
    return sorted(
        groups.values(),
        key=lambda g: (g["scope"] != "Toute l'organisation", g["scope"], order.index(g["indicator"])),
    )


@org_view()
@require_GET
def targets(request):
    org = request.tenant.organisation
    return render(
        request,
        "steering/targets.html",
        _context(
            request,
            "Cibles et trajectoires",
            "targets",
            groups=_trajectory_groups(selectors.targets_of(org)),
        ),
    )


def _target_form(request, instance=None):
    org = request.tenant.organisation
    initial = {"year": selectors.default_year(org)}
    if instance is not None:
        initial = {
            "year": instance.year,
            "indicator": instance.indicator,
            "service": instance.service_id,
            "buyer": str(instance.buyer_id or ""),
            "value": _plain(instance.value),
            "baseline_year": instance.baseline_year,
            "baseline_value": _plain(instance.baseline_value),
            "note": instance.note,
        }
    else:
        for name in ("year", "indicator", "service", "buyer"):
            if request.GET.get(name):
                initial[name] = request.GET[name]
    return TargetForm(
        request.POST or None,
        services=selectors.services_of(org),
        buyers=selectors.buyers_of(org),
        initial=initial,
    )


def _plain(value) -> str:
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f").replace(".", ",")


def _save_target(request, form, instance=None) -> bool:
    org = request.tenant.organisation
    data = form.cleaned_data
    try:
        if instance is not None and (
            instance.year,
            instance.indicator,
            instance.service_id,
            instance.buyer_id,
        ) != (
            data["year"],
            data["indicator"],
            data["service"].pk if data["service"] else None,
            data["buyer"].pk if data["buyer"] else None,
        ):
            # Moving a target to another year or scope: the old one goes, the new one replaces any there.
            services.delete_target(request.user, instance)
        target = services.set_target(
            request.user,
            org,
            year=data["year"],
            indicator=data["indicator"],
            value=data["value"],
            service=data["service"],
            buyer=data["buyer"],
            baseline_year=data["baseline_year"],
            baseline_value=data["baseline_value"],
            note=data["note"],
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return False
    messages.success(
        request,
        f"Cible {target.year} enregistrée : {target.get_indicator_display()} = "
        f"{show(target.indicator, target.value)}.",
    )
    return True


@org_view(roles=EDIT_ROLES)
def target_create(request):
    form = _target_form(request)
    if request.method == "POST" and form.is_valid() and _save_target(request, form):
        return redirect("steering:targets", org=request.tenant.organisation.slug)
    return render(
        request, "steering/target_form.html", _context(request, "Fixer une cible", "targets", form=form)
    )


def _target_or_404(request, target_id):
    found = selectors.target_in(request.tenant.organisation, target_id)
    if found is None:
        raise Http404("Cible introuvable.")
    return found


@org_view(roles=EDIT_ROLES)
def target_edit(request, target):
    found = _target_or_404(request, target)
    form = _target_form(request, found)
    if request.method == "POST" and form.is_valid() and _atomic_save(request, form, found):
        return redirect("steering:targets", org=request.tenant.organisation.slug)
    return render(
        request,
        "steering/target_form.html",
        _context(request, "Modifier une cible", "targets", form=form, target=found),
    )


def _atomic_save(request, form, instance) -> bool:
    from django.db import transaction

    # Deleting the old target and setting the new one succeed or fail together.
    with transaction.atomic():
        saved = _save_target(request, form, instance)
        if not saved:
            transaction.set_rollback(True)
    return saved


@org_view(roles=EDIT_ROLES)
@require_POST
def target_delete(request, target):
    found = _target_or_404(request, target)
    services.delete_target(request.user, found)
    messages.success(request, f"Cible {found.year} « {found.get_indicator_display()} » supprimée.")
    return redirect("steering:targets", org=request.tenant.organisation.slug)


# --- Buyer objectives -----------------------------------------------------------------------------------


# Chart labels are short: the objective's full sentence is in the table beside the chart.
OBJECTIVE_SHORT = {
    ObjectiveIndicator.RESERVED_COUNT: "Marchés réservés",
    ObjectiveIndicator.SOCIAL_COUNT: "Clauses ou critères",
    ObjectiveIndicator.INSERTION_HOURS: "Heures d'insertion",
}


def _show_objective(indicator: str, value) -> str:
    if indicator == ObjectiveIndicator.INSERTION_HOURS:
        return show(Indicator.INSERTION_HOURS, value)
    return show(Indicator.RESERVED_COUNT, value)


def _status_rows(statuses, objectives) -> list[dict]:
    rows = []
    for status in statuses:
        cells = {s.objective.pk: s for s in status.objectives}
        rows.append(
            {
                "name": status.name,
                "service": status.service,
                "all_met": status.all_met,
                "cells": [
                    (
                        {
                            "actual": _show_objective(o.indicator, cells[o.pk].actual),
                            "minimum": _show_objective(o.indicator, o.minimum),
                            "met": cells[o.pk].met,
                        }
                        if o.pk in cells
                        else None
                    )
                    for o in objectives
                ],
            }
        )
    return rows


@org_view(roles=ORG_READ_ROLES)
@require_GET
def objectives(request):
    org = request.tenant.organisation
    years = selectors.years_of(org)
    year = _year(request, years, selectors.default_year(org))
    found = list(selectors.objectives_of(org, year))
    statuses = buyer_objectives_status(org, year)
    rows = _status_rows(statuses, found)
    met = sum(1 for r in rows if r["all_met"])
    concerned, reached = Counter(), Counter()
    for status in statuses:
        for item in status.objectives:
            concerned[item.objective.pk] += 1
            reached[item.objective.pk] += item.met
    chart = None
    if found and statuses:
        chart = hbar_chart(
            [
                Bar(
                    f"{OBJECTIVE_SHORT[o.indicator]} ≥ {_show_objective(o.indicator, o.minimum)}",
                    reached[o.pk],
                    f"{reached[o.pk]} acheteur(s) sur {concerned[o.pk]}",
                )
                for o in found
            ],
            title=f"Acheteurs ayant atteint chaque objectif en {year}",
            description="Pour chaque objectif, le nombre d'acheteurs qui l'ont atteint, écrit au bout de la "
            "barre ; le détail par acheteur est dans le tableau qui suit.",
            chart_id="graphique-objectifs",
        )
    return render(
        request,
        "steering/objectives.html",
        _context(
            request,
            f"Objectifs par acheteur {year}",
            "objectives",
            year=year,
            years=years,
            objectives=[{"objective": o, "minimum": _show_objective(o.indicator, o.minimum)} for o in found],
            rows=rows,
            met=met,
            chart=chart,
        ),
    )


@org_view(roles=(Role.BUYER,))
@require_GET
def my_objectives(request):
    org = request.tenant.organisation
    years = selectors.years_of(org)
    year = _year(request, years, selectors.default_year(org))
    statuses = buyer_objectives_status(org, year, buyer=request.user)
    mine = statuses[0] if statuses else None
    items = []
    if mine is not None:
        items = [
            {
                "label": s.objective.label,
                "indicator": s.objective.get_indicator_display(),
                "actual": _show_objective(s.objective.indicator, s.actual),
                "minimum": _show_objective(s.objective.indicator, s.minimum),
                "met": s.met,
            }
            for s in mine.objectives
        ]
    return render(
        request,
        "steering/my_objectives.html",
        _context(request, f"Mes objectifs {year}", "my_objectives", year=year, years=years, items=items),
    )


def _objective_form(request, instance=None):
    org = request.tenant.organisation
    if instance is not None:
        initial = {
            "year": instance.year,
            "indicator": instance.indicator,
            "minimum": _plain(instance.minimum),
            "service": instance.service_id,
            "label": instance.label,
        }
    else:
        initial = {
            "year": selectors.default_year(org),
            "indicator": ObjectiveIndicator.RESERVED_COUNT,
            "minimum": "1",
            "label": "Chaque acheteur passe au moins un marché réservé dans l'année.",
        }
    return BuyerObjectiveForm(request.POST or None, services=selectors.services_of(org), initial=initial)


def _save_objective(request, form, instance=None) -> bool:
    data = form.cleaned_data
    try:
        saved = services.set_buyer_objective(
            request.user,
            request.tenant.organisation,
            year=data["year"],
            indicator=data["indicator"],
            minimum=data["minimum"],
            label=data["label"],
            service=data["service"],
            objective=instance,
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return False
    messages.success(request, f"Objectif {saved.year} enregistré : {saved.label}")
    return True


def _objectives_url(org_slug: str, year: int) -> str:
    return reverse("steering:objectives", kwargs={"org": org_slug}) + "?" + urlencode({"year": year})


@org_view(roles=EDIT_ROLES)
def objective_create(request):
    form = _objective_form(request)
    if request.method == "POST" and form.is_valid() and _save_objective(request, form):
        return redirect(_objectives_url(request.tenant.organisation.slug, form.cleaned_data["year"]))
    return render(
        request,
        "steering/objective_form.html",
        _context(request, "Fixer un objectif par acheteur", "objectives", form=form),
    )


def _objective_or_404(request, objective_id):
    found = selectors.objective_in(request.tenant.organisation, objective_id)
    if found is None:
        raise Http404("Objectif introuvable.")
    return found


@org_view(roles=EDIT_ROLES)
def objective_edit(request, objective):
    found = _objective_or_404(request, objective)
    form = _objective_form(request, found)
    if request.method == "POST" and form.is_valid() and _save_objective(request, form, found):
        return redirect(_objectives_url(request.tenant.organisation.slug, form.cleaned_data["year"]))
    return render(
        request,
        "steering/objective_form.html",
        _context(request, "Modifier un objectif par acheteur", "objectives", form=form, objective=found),
    )


@org_view(roles=EDIT_ROLES)
@require_POST
def objective_delete(request, objective):
    found = _objective_or_404(request, objective)
    services.delete_buyer_objective(request.user, found)
    messages.success(request, f"Objectif supprimé : {found.label}")
    return redirect(_objectives_url(request.tenant.organisation.slug, found.year))


# --- Yearly report --------------------------------------------------------------------------------------


@org_view(roles=ORG_READ_ROLES)
@require_GET
def report_page(request):
    org = request.tenant.organisation
    years = selectors.years_of(org)
    year = _year(request, years, selectors.default_year(org))
    return render(
        request,
        "steering/report.html",
        _context(
            request,
            "Bilan annuel (SPASER)",
            "report",
            year=year,
            years=years,
            form=ReportForm(years=years, initial={"year": year, "format": "pdf"}),
        ),
    )


@org_view(roles=ORG_READ_ROLES)
@require_GET
def report_download(request):
    org = request.tenant.organisation
    form = ReportForm(request.GET, years=selectors.years_of(org))
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("steering:report", org=org.slug)
    year, fmt = form.cleaned_data["year"], form.cleaned_data["format"]
    content = yearly_report.RENDERERS[fmt](yearly_report.build(org, year))
    response = HttpResponse(content, content_type=yearly_report.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{yearly_report.file_name(org, year, fmt)}"'
    return response
