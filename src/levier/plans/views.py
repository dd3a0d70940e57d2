"""Pages of the purchase plan under /o/<org>/plan/: the plan, a purchase, the commission, what is coming,
the export and the import. Thin: reads through `selectors`, writes through `services` and `importing`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from levier.core.background import in_background
from levier.core.charts import Bar, bar_chart, short_euros
from levier.core.documents import CONTENT_TYPES
from levier.core.navigation import SECTIONS_BY_KEY
from levier.core.tenancy import org_view
from levier.ingest.french_values import format_amount_fr
from levier.organisations.roles import Role

from . import exports, selectors, services
from .forms import (
    BulkActionForm,
    ComingUpForm,
    FilterForm,
    InlinePurchaseForm,
    LotForm,
    MappingForm,
    PurchaseForm,
    SocialChoicesForm,
    TransitionForm,
    UploadForm,
)
from .importing import ImportRejected, commit_import, preview_import, save_mapping
from .importing_tasks import start_commit, start_preview
from .models import ImportStatus
from .workflow import PUBLISHABLE_STATUSES, STEPS_BY_CODE, Status

PAGE_SIZE = 50
# The import preview lists this many problems and lines; the rest is counted and in the terminal report.
PREVIEW_LIMIT = 200


def _context(request, title: str, **extra) -> dict:
    tenant = request.tenant
    return {
        "title": title,
        "section": SECTIONS_BY_KEY["plan"],
        "can_edit": tenant.has_role(*services.EDIT_ROLES),
        "can_publish": tenant.has_role(*services.PUBLISH_ROLES),
        "is_facilitator": tenant.has_role(Role.FACILITATOR),
        **extra,
    }


def _purchase_or_404(request, purchase_id: int):
    purchase = selectors.purchase_in(request.tenant.organisation, purchase_id)
    if purchase is None:
        raise Http404("Achat introuvable.")
    return purchase


def _plan_url(org_slug: str, query: dict | None = None) -> str:
    url = reverse("plans:plan", kwargs={"org": org_slug})
    return f"{url}?{urlencode(query)}" if query else url


# --- The plan -------------------------------------------------------------------------------------------


@org_view()
def plan(request):
    org = request.tenant.organisation
    filters = selectors.PurchaseFilters.from_query(request.GET, org)
    if filters.year is None:
        filters.year = selectors.default_year(org)
    purchases = selectors.filter_purchases(org, filters)
    page = Paginator(purchases, PAGE_SIZE).get_page(request.GET.get("page"))
    decisions = selectors.last_decisions(list(page.object_list))
    rows = [(p, decisions.get(p.pk)) for p in page.object_list]
    context = _context(
        request,
        f"Plan des achats {filters.year}",
        filters=filters,
        filter_form=FilterForm(
            initial={**filters.as_query(), "year": filters.year}, organisation=org, auto_id="filtre_%s"
        ),
        page_obj=page,
        rows=rows,
        totals=selectors.totals(purchases),
        plan_obj=selectors.plan_for_year(org, filters.year),
        export_query=filters.as_query(),
        bulk_form=BulkActionForm(organisation=org, auto_id="lot_%s"),
        facilitators=selectors.facilitators_of(org),
    )
    return render(request, "plans/plan.html", context)


@org_view()
@require_POST
def bulk_action(request):
    org = request.tenant.organisation
    form = BulkActionForm(request.POST, organisation=org)
    back = _plan_url(org.slug, {k[5:]: v for k, v in request.POST.items() if k.startswith("keep_") and v})
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    chosen = list(form.cleaned_data["purchases"].select_related("plan__organisation", "service__parent"))
    if form.cleaned_data["action"] == BulkActionForm.ASSIGN:
        done, skipped = services.assign_facilitator(request.user, chosen, form.facilitator_user)
        verb = "facilitateur désigné"
    else:
        done, skipped = services.send_for_validation(request.user, chosen, form.cleaned_data["comment"])
        verb = "envoyé(s) pour validation"
    if done:
        messages.success(request, f"{len(done)} achat(s) : {verb}.")
    for purchase, reason in skipped:
        messages.warning(request, f"« {purchase} » laissé de côté : {reason}")
    return redirect(back)


@org_view()
def purchase_row(request, purchase):
    """The plan table's row of one purchase, shown (GET) or edited in place (GET ?modifier, then POST)."""
    org = request.tenant.organisation
    found = _purchase_or_404(request, purchase)
    if not request.htmx and request.method == "GET":
        # A table row alone is no page: without htmx, the purchase's own pages do the job.
        target = "plans:purchase_edit" if "modifier" in request.GET else "plans:purchase"
        return redirect(target, org=org.slug, purchase=found.pk)
    editing = "modifier" in request.GET
    form = None
    if request.method == "POST":
        form = InlinePurchaseForm(
            request.POST, organisation=org, initial=_initial(found), prefix=f"p{found.pk}"
        )
        if form.is_valid():
            try:
                services.update_purchase(request.user, found, **form.changed_values())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                found = _purchase_or_404(request, found.pk)
                form = None
        editing = form is not None
    elif editing:
        form = InlinePurchaseForm(organisation=org, initial=_initial(found), prefix=f"p{found.pk}")
    decision = selectors.last_decisions([found]).get(found.pk)
    return render(
        request,
        "plans/_purchase_row.html",
        _context(request, str(found), p=found, decision=decision, form=form if editing else None),
    )


def _initial(purchase) -> dict:
    return {name: getattr(purchase, name) for name in PurchaseForm.field_names if hasattr(purchase, name)} | {
        "service": purchase.service_id,
        "buyer": purchase.buyer_id,
    }


# --- One purchase ---------------------------------------------------------------------------------------


@org_view()
def purchase_detail(request, purchase):
    found = _purchase_or_404(request, purchase)
    return _render_detail(request, found)


def _render_detail(request, found, failed_step: str = "", step_form=None, status=200):
    steps = services.available_steps(request.user, found)
    forms = {
        step.code: step_form if step.code == failed_step else TransitionForm(initial={"step": step.code})
        for step in steps
    }
    return render(
        request,
        "plans/purchase.html",
        _context(
            request,
            str(found),
            p=found,
            lots=selectors.lots_of(found),
            steps=[(step, forms[step.code]) for step in steps],
            history=selectors.history(found),
            publishable=found.status in PUBLISHABLE_STATUSES,
            has_social_measure=bool(found.reservation or found.insertion_clause),
        ),
        status=status,
    )


@org_view()
@require_POST
def purchase_step(request, purchase):
    found = _purchase_or_404(request, purchase)
    form = TransitionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["step"] not in STEPS_BY_CODE:
        raise Http404("Étape inconnue.")
    step = form.cleaned_data["step"]
    try:
        # PermissionDenied (a role that may not take this step) propagates: the page answers 403.
        done = services.transition(
            request.user, found, step, form.cleaned_data["comment"], form.cleaned_data["reason"]
        )
    except ValidationError as error:
        form.add_error("reason" if STEPS_BY_CODE[step].requires_reason else None, error)
        return _render_detail(request, found, failed_step=step, step_form=form, status=422)
    messages.success(
        request,
        f"{STEPS_BY_CODE[step].label_fr} : le statut est maintenant « {Status(done.to_status).label} ».",
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("plans:purchase", kwargs={"org": found.plan.organisation.slug, "purchase": found.pk})
    return redirect(back)


@org_view()
@require_POST
def purchase_publish(request, purchase):
    found = _purchase_or_404(request, purchase)
    published = request.POST.get("published") == "1"
    services.set_published(request.user, found, published)
    if published:
        shown = found.status in PUBLISHABLE_STATUSES and (found.reservation or found.insertion_clause)
        later = " Il paraîtra sur la page publique une fois validé, s'il est réservé ou porte une clause."
        messages.success(request, "Achat marqué pour publication." + ("" if shown else later))
    else:
        messages.success(request, "Achat retiré de la publication.")
    return redirect("plans:purchase", org=request.tenant.organisation.slug, purchase=found.pk)


@org_view(roles=services.EDIT_ROLES)
def purchase_create(request):
    org = request.tenant.organisation
    year_text = request.GET.get("year") or request.POST.get("year") or ""
    year = int(year_text) if year_text.isdigit() else selectors.default_year(org)
    form = PurchaseForm(request.POST or None, organisation=org)
    if request.method == "POST" and form.is_valid():
        try:
            plan_obj = services.get_or_create_plan(request.user, org, year)
            created = services.create_purchase(request.user, plan_obj, **form.changed_values())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Achat ajouté au plan {year}.")
            return redirect("plans:purchase", org=org.slug, purchase=created.pk)
    return render(
        request,
        "plans/purchase_form.html",
        _context(request, f"Nouvel achat au plan {year}", form=form, year=year, p=None),
    )


@org_view(roles=services.SOCIAL_ROLES)
def purchase_edit(request, purchase):
    org = request.tenant.organisation
    found = _purchase_or_404(request, purchase)
    form_class = PurchaseForm if request.tenant.has_role(*services.EDIT_ROLES) else SocialChoicesForm
    form = form_class(request.POST or None, organisation=org, initial=_initial(found))
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.update_purchase(request.user, found, **form.changed_values())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, f"{len(changes)} modification(s) enregistrée(s)." if changes else "Rien n'a changé."
            )
            return redirect("plans:purchase", org=org.slug, purchase=found.pk)
    return render(
        request,
        "plans/purchase_form.html",
        _context(request, f"Modifier « {found} »", form=form, p=found, year=found.plan.year),
    )


@org_view(roles=services.EDIT_ROLES)
def lot_create(request, purchase):
    org = request.tenant.organisation
    found = _purchase_or_404(request, purchase)
    form = LotForm(request.POST or None, organisation=org)
    if request.method == "POST" and form.is_valid():
        try:
            lot = services.create_lot(request.user, found, **form.changed_values())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{lot} ajouté.")
            return redirect("plans:purchase", org=org.slug, purchase=found.pk)
    return render(
        request, "plans/lot_form.html", _context(request, f"Nouveau lot de « {found} »", form=form, p=found)
    )


@org_view(roles=services.EDIT_ROLES)
def lot_edit(request, lot):
    org = request.tenant.organisation
    found = selectors.lot_in(org, lot)
    if found is None:
        raise Http404("Lot introuvable.")
    initial = {name: getattr(found, name) for name in LotForm.field_names}
    form = LotForm(request.POST or None, organisation=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_lot(request.user, found, **form.changed_values())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{found} modifié.")
            return redirect("plans:purchase", org=org.slug, purchase=found.purchase_id)
    return render(
        request,
        "plans/lot_form.html",
        _context(request, f"Modifier le {found}", form=form, p=found.purchase, lot=found),
    )


# --- The commission and what is coming ------------------------------------------------------------------


@org_view()
def commission(request):
    org = request.tenant.organisation
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else selectors.default_year(org)
    months = selectors.programme(org, year)
    dated = [m for m in months if m.month is not None]
    count_chart = bar_chart(
        [Bar(selectors.MONTHS_SHORT_FR[m.month - 1], m.count, f"{m.count} achat(s)") for m in dated],
        title=f"Nombre d'achats par mois de lancement, {year}",
        description="Nombre d'achats prévus dont la consultation est lancée chaque mois ; "
        "les chiffres sont dans le tableau qui suit.",
        chart_id="graphique-nombre",
        integer=True,
    )
    amount_chart = bar_chart(
        [
            Bar(selectors.MONTHS_SHORT_FR[m.month - 1], float(m.amount), format_amount_fr(m.amount))
            for m in dated
        ],
        title=f"Montant estimé HT par mois de lancement, {year}",
        description="Somme des montants estimés hors taxes, sur toute la durée, des achats lancés "
        "chaque mois.",
        chart_id="graphique-montant",
        axis_text=short_euros,
    )
    awaiting = list(selectors.awaiting_commission(org, year))
    can_review = request.tenant.has_role(*STEPS_BY_CODE["review"].roles)
    return render(
        request,
        "plans/commission.html",
        _context(
            request,
            f"Commission d'anticipation — programme {year}",
            year=year,
            years=selectors.plan_years(org),
            months=months,
            count_chart=count_chart,
            amount_chart=amount_chart,
            awaiting=[(p, TransitionForm(initial={"step": "review"}, prefix=f"r{p.pk}")) for p in awaiting],
            can_review=can_review,
            total_count=sum(m.count for m in months),
            total_amount=sum(m.amount for m in months),
        ),
    )


@org_view()
def coming_up(request):
    org = request.tenant.organisation
    form = ComingUpForm(request.GET or None)
    months = form.cleaned_data.get("months") if form.is_valid() else None
    months = months or 6
    return render(
        request,
        "plans/coming_up.html",
        _context(
            request,
            "À venir",
            form=form,
            months=months,
            launching=selectors.launching_soon(org, months),
            ending=selectors.contracts_ending(org, months),
        ),
    )


XLSX = CONTENT_TYPES["xlsx"]


@org_view()
@require_GET
def export_xlsx(request):
    org = request.tenant.organisation
    filters = selectors.PurchaseFilters.from_query(request.GET, org)
    if filters.year is None:
        filters.year = selectors.default_year(org)
    if selectors.filter_purchases(org, filters).count() > exports.INLINE_LINES:
        token = exports.start_export(org, filters.as_query())
        return redirect(f"{reverse('plans:export_status', kwargs={'org': org.slug})}?fichier={token}")
    response = HttpResponse(exports.plan_workbook(org, filters), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="plan-des-achats-{org.slug}-{filters.year}.xlsx"'
    return response


def _export_file(request) -> tuple[str, str]:
    try:
        name = exports.export_name(request.tenant.organisation.pk, request.GET.get("fichier", ""))
    except ValueError as exc:
        raise Http404("Export introuvable.") from exc
    return name, name.replace(".xlsx", ".failed")


@org_view()
@require_GET
def export_status(request):
    """A large export being written by the worker: the page polls until the file is there."""
    name, failed = _export_file(request)
    storage = exports.export_storage()
    context = _context(
        request,
        "Export du plan",
        token=request.GET["fichier"],
        ready=storage.exists(name),
        failed=storage.exists(failed),
    )
    template = "plans/_export_status.html" if request.htmx else "plans/export_status.html"
    return render(request, template, context)


@org_view()
@require_GET
def export_download(request):
    name, _failed = _export_file(request)
    storage = exports.export_storage()
    if not storage.exists(name):
        raise Http404("Export introuvable ou pas encore prêt.")
    response = FileResponse(storage.open(name, "rb"), content_type=XLSX, as_attachment=True)
    response["Content-Disposition"] = (
        f'attachment; filename="plan-des-achats-{request.tenant.organisation.slug}.xlsx"'
    )
    return response


# --- Import ---------------------------------------------------------------------------------------------


def _import_or_404(request, plan_import: int):
    found = selectors.import_in(request.tenant.organisation, plan_import)
    if found is None:
        raise Http404("Import introuvable.")
    return found


@org_view(roles=services.EDIT_ROLES)
def import_upload(request):
    org = request.tenant.organisation
    form = UploadForm(
        request.POST or None, request.FILES or None, initial={"year": selectors.default_year(org)}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        year = form.cleaned_data["year"]
        if in_background(content):
            plan_import = start_preview(request.user, org, content, upload.name, year)
        else:
            plan_import = preview_import(request.user, org, content, upload.name, year)
        return redirect("plans:import", org=org.slug, plan_import=plan_import.pk)
    return render(
        request,
        "plans/import_upload.html",
        _context(request, "Importer un plan des achats", form=form, imports=selectors.imports_of(org)[:10]),
    )


def _import_context(request, found) -> dict:
    report = found.report or {}
    return _context(
        request,
        f"Import de {found.file_name}",
        imp=found,
        report=report,
        counts=report.get("counts", {}),
        errors=report.get("errors", [])[:PREVIEW_LIMIT],
        warnings=report.get("warnings", [])[:PREVIEW_LIMIT],
        lines=[line for line in report.get("lines", []) if line.get("action") != "unchanged"][:PREVIEW_LIMIT],
        limit=PREVIEW_LIMIT,
        busy=found.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
    )


@org_view(roles=services.EDIT_ROLES)
def import_detail(request, plan_import):
    found = _import_or_404(request, plan_import)
    return render(request, "plans/import_detail.html", _import_context(request, found))


@org_view(roles=services.EDIT_ROLES)
def import_status(request, plan_import):
    """What the page polls while a task reads or writes the file; once done, the whole page reloads."""
    found = _import_or_404(request, plan_import)
    response = render(request, "plans/_import_status.html", _import_context(request, found))
    if found.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING) and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@org_view(roles=services.EDIT_ROLES)
def import_mapping(request, plan_import):
    org = request.tenant.organisation
    found = _import_or_404(request, plan_import)
    report = found.report or {}
    if found.status != ImportStatus.PREVIEWED or found.content is None:
        messages.info(request, "Cet import est déjà traité : relancez un import avec le fichier.")
        return redirect("plans:import", org=org.slug, plan_import=found.pk)
    form = MappingForm(
        request.POST or None,
        columns=report.get("unmapped_columns", []),
        needs_amount_basis=bool(report.get("needs_amount_basis")),
    )
    if request.method == "POST" and form.is_valid():
        mapping, ignored, basis = form.answers()
        save_mapping(request.user, org, mapping, ignored, basis)
        content = bytes(found.content)
        read = start_preview if in_background(content) else preview_import
        again = read(request.user, org, content, found.file_name, found.year, sheets=found.sheets)
        messages.success(
            request, "Correspondance enregistrée : les prochains imports de l'organisation la reprendront."
        )
        return redirect("plans:import", org=org.slug, plan_import=again.pk)
    return render(
        request,
        "plans/import_mapping.html",
        _context(request, f"Colonnes de {found.file_name}", imp=found, form=form, report=report),
    )


@org_view(roles=services.EDIT_ROLES)
@require_POST
def import_commit(request, plan_import):
    org = request.tenant.organisation
    found = _import_or_404(request, plan_import)
    skip_errors = request.POST.get("skip_errors") == "1"
    overwrite_manual = request.POST.get("overwrite_manual") == "1"
    try:
        if in_background(found.content):
            start_commit(request.user, found, skip_errors=skip_errors, overwrite_manual=overwrite_manual)
        else:
            found = commit_import(
                request.user, found, skip_errors=skip_errors, overwrite_manual=overwrite_manual
            )
            counts = found.report.get("counts", {})
            messages.success(
                request,
                f"Plan {found.year} importé : {counts.get('created', 0)} achat(s) créé(s), "
                f"{counts.get('updated', 0)} modifié(s), {counts.get('unchanged', 0)} inchangé(s).",
            )
    except ImportRejected as error:
        messages.error(request, str(error))
    return redirect("plans:import", org=org.slug, plan_import=found.pk)
