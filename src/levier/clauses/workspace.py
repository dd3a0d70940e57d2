"""The facilitator's workspace at /facilitation/: the clauses they follow in every organisation they serve,
what is due, what is late, and the report export.

It sits outside /o/<org>/ because it spans organisations; it shows only organisations where the user is an
active facilitator (`selectors.facilitated_organisations`), so a membership with another role, or a former
one, brings nothing into it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from levier.core import audit
from levier.core.charts import Bar, bar_chart
from levier.core.documents import CONTENT_TYPES
from levier.rules.hours import format_number_fr

from . import exports, forecast, selectors

# "What is due" looks this far ahead, so that the facilitator can remind companies before the date.
DUE_SOON_DAYS = 30
XLSX = CONTENT_TYPES["xlsx"]


def _scope(request):
    organisations = selectors.facilitated_organisations(request.user)
    if not organisations:
        raise PermissionDenied("Cet espace est réservé aux facilitateurs de clauses sociales.")
    slug = request.GET.get("org", "")
    if slug:
        chosen = [o for o in organisations if o.slug == slug]
        if not chosen:
            raise Http404("Organisation introuvable.")
        return organisations, chosen
    return organisations, organisations


@login_required
@require_GET
def workspace(request):
    organisations, chosen = _scope(request)
    today = dt.date.today()
    clauses = selectors.workspace_clauses(request.user, chosen)
    progress = forecast.progress_many(clauses, on=today)
    rows = [(c, progress[c.pk]) for c in clauses]
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    by_way = selectors.hours_by_way(clauses)
    chart = bar_chart(
        [Bar(label, float(hours), f"{format_number_fr(hours)} h") for label, hours in by_way],
        title="Heures réalisées par modalité, sur mes clauses en cours",
        description="Une barre par modalité de réalisation ; les chiffres sont dans le tableau qui suit.",
        chart_id="heures-par-modalite",
        axis_text=lambda v: f"{v:,.0f} h".replace(",", "\u202f"),
    )
    return render(
        request,
        "clauses/workspace.html",
        {
            "title": "Mon espace de facilitation",
            "organisations": organisations,
            "chosen_slug": request.GET.get("org", ""),
            "rows": rows,
            "due": [(c, p) for c, p in rows if p and not p.late and p.next_due and p.next_due <= soon],
            "late": [(c, p) for c, p in rows if p and p.late],
            "due_soon_days": DUE_SOON_DAYS,
            "by_way": by_way,
            "chart": chart,
        },
    )


@login_required
@require_GET
def workspace_export(request):
    _organisations, chosen = _scope(request)
    clauses = selectors.workspace_clauses(request.user, chosen, include_closed=True)
    content = exports.report_workbook(clauses)
    for organisation in chosen:
        audit.record(
            request.user,
            organisation,
            "clauses.report.export",
            summary="Export du bilan de facilitation (tableaux agrégés, sans donnée individuelle)",
            clauses=[c.pk for c in clauses if c.organisation_id == organisation.pk],
        )
    response = HttpResponse(content, content_type=XLSX)
    stem = chosen[0].slug if len(chosen) == 1 else "toutes-organisations"
    response["Content-Disposition"] = (
        f'attachment; filename="bilan-facilitation-{stem}-{dt.date.today()}.xlsx"'
    )
    return response
