"""What is coming, for inclusive structures and their networks: public pages and a CSV (the Atom feed is in
feeds.py). No login: everything here reads `selectors.public_purchases`, which only ever holds purchases
their organisation marked for publication, reserved or with a clause, and not yet awarded.

Only what a prior information notice would say is shown: the organisation, the object, nature, CPV, place,
planned launch, duration, the reservation or clause and an amount band. Never the estimated amount itself,
the service, the people, the current holder or the workflow's comments.
"""

from __future__ import annotations

import csv
import io

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from levier.rules.geography import shipped_departements

from . import selectors
from .models import Nature, PlannedPurchase
from .templatetags.plan_format import approx_date

PAGE_SIZE = 30


def public_route(view):
    """Mark a view anybody may see: the isolation test then checks it leaks nothing instead of expecting
    a refusal (tests/web/test_isolation.py)."""
    view.public_route = True
    return view


def amount_band(purchase: PlannedPurchase) -> str:
    amount = purchase.total_amount if purchase.total_amount is not None else purchase.estimated_amount
    return selectors.AMOUNT_BANDS[selectors.band_of(amount)][0]


def departement_label(code: str) -> str:
    found = shipped_departements().get(code) if code else None
    return f"{found.name} ({code})" if found else code


def measures(purchase: PlannedPurchase) -> list[str]:
    found = []
    if purchase.reservation:
        found.append(purchase.get_reservation_display())
    if purchase.insertion_clause:
        found.append("Clause d'insertion (L2112-2)")
    return found


def public_url(request, purchase: PlannedPurchase) -> str:
    path = reverse("publications:org", kwargs={"org": purchase.plan.organisation.slug})
    return request.build_absolute_uri(f"{path}#achat-{purchase.pk}")


def _filtered(request, organisation=None):
    queryset = selectors.public_purchases(organisation)
    filters = {}
    departement = (request.GET.get("departement") or "").strip().upper()[:3]
    if departement:
        queryset = queryset.filter(place_departement=departement)
        filters["departement"] = departement
    kind = request.GET.get("mesure", "")
    if kind == "reserve":
        queryset = queryset.exclude(reservation="")
        filters["mesure"] = kind
    elif kind == "clause":
        queryset = queryset.filter(insertion_clause=True)
        filters["mesure"] = kind
    nature = request.GET.get("nature", "")
    if nature in Nature.values:
        queryset = queryset.filter(nature=nature)
        filters["nature"] = nature
    return queryset, filters


def _render_list(request, organisation):
    queryset, filters = _filtered(request, organisation)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        {
            "p": p,
            "band": amount_band(p),
            "measures": measures(p),
            "departement": departement_label(p.place_departement),
        }
        for p in page.object_list
    ]
    scope = organisation.name if organisation else "toutes les organisations"
    return render(
        request,
        "plans/public_list.html",
        {
            "title": f"Achats à venir ouverts aux structures inclusives — {scope}",
            "organisation": organisation,
            "page_obj": page,
            "items": items,
            "filters": filters,
            "natures": Nature.choices,
            "organisations": selectors.public_organisations() if organisation is None else None,
        },
    )


@public_route
@require_GET
def public_list(request):
    return _render_list(request, None)


def organisation_or_404(slug: str):
    organisation = selectors.public_organisation(slug)
    if organisation is None:
        raise Http404("Organisation introuvable.")
    return organisation


@public_route
@require_GET
def public_org(request, org):
    return _render_list(request, organisation_or_404(org))


CSV_HEADER = (
    "organisation",
    "siret_organisation",
    "reference",
    "objet",
    "nature",
    "cpv",
    "reservation",
    "clause_insertion",
    "lancement_prevu",
    "duree_mois",
    "lieu_execution",
    "departement",
    "tranche_montant_ht",
    "lots",
    "publie_le",
    "lien",
)


def _csv_rows(request, queryset):
    for p in queryset:
        yield (
            p.plan.organisation.name,
            p.plan.organisation.siret,
            p.reference,
            p.object,
            p.get_nature_display(),
            p.cpv,
            p.get_reservation_display() if p.reservation else "",
            "oui" if p.insertion_clause else "non",
            approx_date(p.launch_date, p.launch_precision) if p.launch_date else "",
            p.duration_months or "",
            p.place,
            p.place_departement,
            amount_band(p),
            " | ".join(
                f"Lot {lot.number}"
                + (f" : {lot.title}" if lot.title else "")
                + (f" ({lot.get_reservation_display()})" if lot.reservation else "")
                for lot in p.lots.all()
            ),
            p.published_at.date().isoformat() if p.published_at else "",
            public_url(request, p),
        )


def _csv_response(request, organisation) -> HttpResponse:
    queryset, _filters = _filtered(request, organisation)
    buffer = io.StringIO()
    # A BOM and semicolons: what a spreadsheet set to French opens correctly with a double click.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(CSV_HEADER)
    writer.writerows(_csv_rows(request, queryset))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = organisation.slug if organisation else "toutes-organisations"
    response["Content-Disposition"] = f'attachment; filename="achats-a-venir-{name}.csv"'
    return response


@public_route
@require_GET
def public_csv(request):
    return _csv_response(request, None)


@public_route
@require_GET
def public_org_csv(request, org):
    return _csv_response(request, organisation_or_404(org))
