"""Spend pages under /o/<org>/pilotage/depenses/: the analysis of the year's spend with inclusive structures,
the import of an accounting export (upload; preview in the request for a small file, by the task worker
for a larger one; commit by the worker; what the worker does polled by the page; the mapping screen of
the export's columns), the supplier matches to confirm, and the transferable segments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from levier.core.charts import Bar, hbar_chart
from levier.core.tenancy import org_view
from levier.ingest.spend.reader import FIELD_CHOICES
from levier.rules.sectors import load_taxonomy

from . import selectors, services
from .forms import MatchDecisionForm, SettingsForm, SpendUploadForm, spend_mapping_form
from .importing import IMPORT_ROLES, ImportRejected
from .importing_tasks import BUSY, read_upload, restart_preview, start_commit
from .indicators import indicators
from .models import Indicator, MatchStatus, SpendImportStatus
from .segments import territory, transferable_segments
from .views import EDIT_ROLES, SPEND_READ_ROLES, _context, _money, _year

# The preview lists this many row problems; the rest are counted.
PREVIEW_LIMIT = 200
CHART_ROWS = 12


def _sector_label(code: str) -> str:
    known = load_taxonomy().get(code) if code else None
    return known.label if known else code


def _spend_year(request, org) -> tuple[int, list[int]]:
    years = selectors.years_of(org)
    latest = selectors.imports_of(org).filter(status=SpendImportStatus.COMMITTED).order_by("-year").first()
    return _year(request, years, latest.year if latest else selectors.default_year(org)), years


@org_view(roles=SPEND_READ_ROLES)
@require_GET
def spend(request):
    org = request.tenant.organisation
    year, years = _spend_year(request, org)
    service = selectors.service_in(org, request.GET.get("service") or None)
    ind = indicators(org, year, service)
    kinds = [{"label": label, "amount": _money(amount)} for _kind, label, amount in ind.by_kind]
    kind_chart = (
        hbar_chart(
            [Bar(label, float(amount), _money(amount)) for _kind, label, amount in ind.by_kind],
            title=f"Achats aux structures inclusives par type de structure ({year})",
            description="Montant payé à chaque type de structure, écrit au bout de la barre ; tableau "
            "ci-après.",
            chart_id="graphique-types",
        )
        if ind.by_kind
        else None
    )
    inclusive_categories = [c for c in ind.by_category if c.inclusive][:CHART_ROWS]
    category_chart = (
        hbar_chart(
            [
                Bar(c.category or "Sans imputation", float(c.inclusive), _money(c.inclusive))
                for c in inclusive_categories
            ],
            title=f"Achats aux structures inclusives par imputation ({year})",
            description=f"Les {len(inclusive_categories)} premières imputations par montant payé aux "
            "structures inclusives ; toutes les imputations sont dans le tableau qui suit.",
            chart_id="graphique-categories",
        )
        if inclusive_categories
        else None
    )
    service_rows = [r for r in ind.by_service if r.spend_esat_ea or r.spend_siae]
    service_chart = (
        hbar_chart(
            [
                Bar(r.label, float(r.spend_esat_ea + r.spend_siae), _money(r.spend_esat_ea + r.spend_siae))
                for r in service_rows
            ],
            title=f"Achats aux structures inclusives par service ({year})",
            description="Montant payé aux ESAT, EA et SIAE par chaque service ; détail dans le tableau "
            "qui suit.",
            chart_id="graphique-services-depenses",
        )
        if service_rows
        else None
    )
    return render(
        request,
        "steering/spend.html",
        _context(
            request,
            f"Achats aux structures inclusives {year}",
            "spend",
            year=year,
            years=years,
            service=service,
            services=selectors.services_of(org),
            ind=ind,
            total=_money(ind.spend_total or 0),
            inclusive=_money(ind.spend_inclusive or 0),
            esat_ea=_money(ind.values[Indicator.SPEND_ESAT_EA]),
            siae=_money(ind.values[Indicator.SPEND_SIAE]),
            kinds=kinds,
            kind_chart=kind_chart,
            categories=[
                {
                    "label": c.category or "Sans imputation",
                    "sector": _sector_label(c.sector),
                    "total": _money(c.total),
                    "inclusive": _money(c.inclusive),
                }
                for c in ind.by_category
            ],
            category_chart=category_chart,
            service_rows=[
                {"label": r.label, "esat_ea": _money(r.spend_esat_ea), "siae": _money(r.spend_siae)}
                for r in service_rows
            ],
            service_chart=service_chart,
            proposed=selectors.proposed_count(org),
            imports=selectors.imports_of(org)[:10],
        ),
    )


# --- Import ---------------------------------------------------------------------------------------------


def _import_or_404(request, spend_import):
    found = selectors.import_in(request.tenant.organisation, spend_import)
    if found is None:
        raise Http404("Import introuvable.")
    return found


@org_view(roles=IMPORT_ROLES)
def import_upload(request):
    org = request.tenant.organisation
    form = SpendUploadForm(
        request.POST or None, request.FILES or None, initial={"year": selectors.default_year(org)}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        found = read_upload(request.user, org, upload.read(), upload.name, form.cleaned_data["year"])
        return redirect("steering:import", org=org.slug, spend_import=found.pk)
    return render(
        request,
        "steering/import_upload.html",
        _context(
            request,
            "Importer un export comptable",
            "spend",
            form=form,
            imports=selectors.imports_of(org)[:10],
        ),
    )


def _import_context(request, found) -> dict:
    report = found.report or {}
    counts = report.get("counts", {})
    return _context(
        request,
        f"Import de {found.file_name}",
        "spend",
        imp=found,
        report=report,
        counts=counts,
        total_amount=_money(report["total_amount"]) if report.get("total_amount") else "—",
        errors=report.get("errors", [])[:PREVIEW_LIMIT],
        warnings=report.get("warnings", [])[:PREVIEW_LIMIT],
        mapping=[
            (FIELD_CHOICES.get(name, name), header)
            for name, header in (report.get("mapping") or found.mapping or {}).items()
        ],
        limit=PREVIEW_LIMIT,
        busy=found.status in BUSY,
        can_map=found.status == SpendImportStatus.PREVIEWED
        and found.content is not None
        and bool(report.get("headers")),
        percent=int(100 * found.progress / found.total) if found.total else 0,
        proposed=selectors.proposed_count(found.organisation),
    )


@org_view(roles=IMPORT_ROLES)
@require_GET
def import_detail(request, spend_import):
    found = _import_or_404(request, spend_import)
    return render(request, "steering/import_detail.html", _import_context(request, found))


@org_view(roles=IMPORT_ROLES)
@require_GET
def import_status(request, spend_import):
    """What the page polls while the worker reads or commits the file; once done, the whole page reloads."""
    found = _import_or_404(request, spend_import)
    response = render(request, "steering/_import_status.html", _import_context(request, found))
    if found.status not in BUSY and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@org_view(roles=IMPORT_ROLES)
def import_mapping(request, spend_import):
    """Which column of the export feeds which field: the answers are remembered for the organisation's next
    exports, and the file is read again with them."""
    org = request.tenant.organisation
    found = _import_or_404(request, spend_import)
    report = found.report or {}
    if found.status != SpendImportStatus.PREVIEWED or found.content is None or not report.get("headers"):
        messages.info(
            request, "Les colonnes de cet import ne peuvent plus être changées : rechargez le fichier."
        )
        return redirect("steering:import", org=org.slug, spend_import=found.pk)
    form = spend_mapping_form(request.POST or None, report)
    if request.method == "POST" and form.is_valid():
        mapping, ignored = form.answers()
        try:
            services.save_spend_mapping(request.user, org, mapping, ignored)
            restart_preview(request.user, found)
        except (ValidationError, ImportRejected) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            form.add_error(None, text)
        else:
            messages.success(
                request,
                "Correspondance enregistrée : le fichier est relu, et les prochains exports aux mêmes "
                "colonnes seront lus sans question.",
            )
            return redirect("steering:import", org=org.slug, spend_import=found.pk)
    return render(
        request,
        "steering/import_mapping.html",
        _context(request, f"Colonnes de {found.file_name}", "spend", imp=found, form=form, report=report),
    )


@org_view(roles=IMPORT_ROLES)
@require_POST
def import_commit(request, spend_import):
    org = request.tenant.organisation
    found = _import_or_404(request, spend_import)
    try:
        start_commit(request.user, found, skip_errors=request.POST.get("skip_errors") == "1")
    except ImportRejected as error:
        messages.error(request, str(error))
    return redirect("steering:import", org=org.slug, spend_import=found.pk)


# --- Supplier matches -----------------------------------------------------------------------------------


@org_view(roles=IMPORT_ROLES)
@require_GET
def matches(request):
    org = request.tenant.organisation
    return render(
        request,
        "steering/matches.html",
        _context(
            request,
            "Rapprochements de fournisseurs",
            "matches",
            proposed=selectors.matches_of(org, MatchStatus.PROPOSED),
            decided=selectors.matches_of(org).exclude(status=MatchStatus.PROPOSED),
        ),
    )


@org_view(roles=IMPORT_ROLES)
@require_POST
def match_decide(request, match):
    org = request.tenant.organisation
    found = selectors.match_in(org, match)
    if found is None:
        raise Http404("Rapprochement introuvable.")
    form = MatchDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["decision"][0])
        return redirect("steering:matches", org=org.slug)
    decide = services.confirm_match if form.cleaned_data["decision"] == "confirm" else services.reject_match
    try:
        decide(request.user, found)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        verb = "confirmé" if found.status == MatchStatus.CONFIRMED else "rejeté"
        messages.success(request, f"Rapprochement {verb} : {found.supplier_name} → {found.structure.name}.")
    return redirect("steering:matches", org=org.slug)


# --- Transferable segments ------------------------------------------------------------------------------


@org_view(roles=SPEND_READ_ROLES)
def segments(request):
    org = request.tenant.organisation
    year, years = _spend_year(request, org)
    current = services.settings_of(org)
    can_set = request.tenant.has_role(*EDIT_ROLES)
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"departements": ", ".join(current.departements), "radius_km": current.radius_km},
    )
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied("Seul le référent achats responsables règle le territoire.")
        if form.is_valid():
            try:
                services.update_settings(
                    request.user,
                    org,
                    departements=form.cleaned_data["departements"],
                    radius_km=form.cleaned_data["radius_km"],
                )
            except ValidationError as error:
                form.add_error("departements", " ".join(error.messages))
            else:
                messages.success(request, "Territoire enregistré.")
                return redirect(f"{request.path}?year={year}")
    place = territory(org)
    found = transferable_segments(org, year, place=place)
    chart = (
        hbar_chart(
            [Bar(s.label, float(s.amount), _money(s.amount)) for s in found[:CHART_ROWS]],
            title=f"Montants achetés à des fournisseurs ordinaires dans des secteurs couverts par des "
            f"structures inclusives du territoire ({year})",
            description="Une barre par secteur, le montant écrit au bout ; le tableau qui suit donne les "
            "fournisseurs et les structures à portée.",
            chart_id="graphique-segments",
        )
        if found
        else None
    )
    return render(
        request,
        "steering/segments.html",
        _context(
            request,
            f"Segments transférables {year}",
            "segments",
            year=year,
            years=years,
            territory=place,
            segments=[
                {
                    "segment": s,
                    "amount": _money(s.amount),
                    "suppliers": [(name, _money(amount)) for name, amount in s.suppliers],
                }
                for s in found
            ],
            chart=chart,
            settings_form=form,
            can_set=can_set,
        ),
    )
