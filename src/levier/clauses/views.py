"""Pages of the clauses under /o/<org>/clauses/: the list, a clause (record, hours, documents, award,
declarations, forecast chart, alerts, final report), the forms to write, award and follow it, the xlsx import
of declarations and the organisation's document templates.

Thin: reads through `selectors` (aggregates) and `personal_data` (participant rows, role-checked and logged),
writes through `services`, `awards`, `declarations` and `documents`.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from levier.core.charts import Bar, bar_chart
from levier.core.navigation import SECTIONS_BY_KEY
from levier.core.tenancy import org_view
from levier.organisations.roles import Role
from levier.plans import selectors as plan_selectors
from levier.rules.hours import format_number_fr

from . import awards, declarations, documents, forecast, personal_data, selectors, services
from .forms import (
    AwardForm,
    ClauseFilterForm,
    ClauseForm,
    DeclarationForm,
    HolderFormSet,
    ImportForm,
    LineFormSet,
    SettingsForm,
    TemplateForm,
)
from .models import ClauseStatus, DocumentKind, Eligibility, Way

# Who writes and awards clauses; who edits the organisation's document templates.
EDIT_ROLES = (Role.BUYER, Role.FACILITATOR, Role.ADMIN)
TEMPLATE_ROLES = (Role.FACILITATOR, Role.ADMIN)


def _context(request, title: str, **extra) -> dict:
    tenant = request.tenant
    return {
        "title": title,
        "section": SECTIONS_BY_KEY["clauses"],
        "can_edit": tenant.has_role(*EDIT_ROLES),
        "can_edit_templates": tenant.has_role(*TEMPLATE_ROLES),
        "sees_participants": personal_data.may_see_participants(tenant, tenant.organisation),
        **extra,
    }


def _clause_or_404(request, clause_id: int):
    found = selectors.clause_in(request.tenant.organisation, clause_id)
    if found is None:
        raise Http404("Clause introuvable.")
    return found


def _clause_url(clause) -> str:
    return reverse("clauses:clause", kwargs={"org": clause.organisation.slug, "clause": clause.pk})


def _require_participants(request):
    if not personal_data.may_see_participants(request.tenant, request.tenant.organisation):
        raise PermissionDenied("Les données des participants sont réservées aux facilitateurs.")


def _write(request, form, write, refusals, success: str) -> bool:
    """Run a service write: its French refusal goes beside the form's field, a success into the messages."""
    try:
        write()
    except refusals as error:
        form.add_service_error(error)
        return False
    messages.success(request, success)
    return True


# --- The list -------------------------------------------------------------------------------------------


@org_view()
@require_GET
def clause_list(request):
    org = request.tenant.organisation
    filters = selectors.ClauseFilters.from_query(request.GET)
    clauses = selectors.filter_clauses(org, filters, forecast.progress_many)
    progress = forecast.progress_many(clauses)
    facilitators = selectors.clause_facilitators(org)
    form = ClauseFilterForm(
        initial=filters.as_query(),
        statuses=ClauseStatus.choices,
        paces=selectors.PACE_CHOICES.items(),
        facilitators=facilitators,
        auto_id="filtre_%s",
    )
    return render(
        request,
        "clauses/list.html",
        _context(
            request,
            "Clauses sociales",
            rows=[(c, progress[c.pk]) for c in clauses],
            filter_form=form,
            filters=filters,
        ),
    )


# --- One clause -----------------------------------------------------------------------------------------


def _chart(clause, totals, progress):
    """Cumulative hours after each declaration, then the forecast and the requirement at the end."""
    bars = [
        Bar(f"{t.declaration.period_end:%m/%Y}", float(t.cumulative), f"{format_number_fr(t.cumulative)} h")
        for t in totals
    ]
    if progress is not None:
        if progress.projected_at_end is not None:
            bars.append(
                Bar(
                    "Prévision fin",
                    float(progress.projected_at_end),
                    f"{format_number_fr(progress.projected_at_end, 0)} h",
                )
            )
        bars.append(Bar("Exigé", float(progress.required), f"{format_number_fr(progress.required, 0)} h"))
    if not bars:
        return None, []
    chart = bar_chart(
        bars,
        title="Heures d'insertion réalisées (cumul), prévision et exigence",
        description=(
            "Barres : heures cumulées à la fin de chaque période déclarée, puis la prévision à la fin du "
            "marché et les heures exigées. Les mêmes chiffres sont dans le tableau qui suit."
        ),
        chart_id=f"clause-{clause.pk}-heures",
        axis_text=lambda v: f"{v:,.0f} h".replace(",", "\u202f"),
    )
    return chart, bars


@org_view()
@require_GET
def clause_detail(request, clause):
    tenant = request.tenant
    found = _clause_or_404(request, clause)
    totals = selectors.declarations_of(found)
    progress = forecast.progress(found)
    chart, bars = _chart(found, totals, progress)
    lines = None
    if personal_data.may_see_participants(tenant, tenant.organisation):
        lines = personal_data.participant_lines(request.user, tenant, found)
    return render(
        request,
        "clauses/clause.html",
        _context(
            request,
            str(found),
            c=found,
            award=selectors.award_of(found),
            totals=totals,
            progress=progress,
            chart=chart,
            chart_bars=bars,
            by_way=selectors.hours_by_way([found]),
            lines=lines,
            eligible_labels=[Eligibility(e).label for e in found.eligible_publics if e in Eligibility.values],
            way_labels=[Way(w).label for w in found.accepted_ways if w in Way.values],
            documents=[(kind, DocumentKind(kind).label) for kind in documents.DOCUMENTS_BY_KIND[found.kind]],
        ),
    )


def _purchase_for_new_clause(request):
    try:
        purchase_id = int(request.GET.get("purchase") or request.POST.get("purchase") or "")
    except ValueError:
        raise Http404("Achat introuvable.") from None
    purchase = plan_selectors.purchase_in(request.tenant.organisation, purchase_id)
    if purchase is None:
        raise Http404("Achat introuvable.")
    return purchase


def _clause_form(request, purchase, data=None, initial=None):
    return ClauseForm(
        data,
        initial=initial,
        lots=list(plan_selectors.lots_of(purchase)),
        facilitators=selectors.clause_facilitators(request.tenant.organisation),
    )


@org_view(roles=EDIT_ROLES)
def clause_create(request):
    purchase = _purchase_for_new_clause(request)
    initial = {"reporting_frequency": "quarterly", "facilitator": purchase.facilitator_id}
    if request.GET.get("lot", "").isdigit():
        initial["lot"] = int(request.GET["lot"])
    form = _clause_form(request, purchase, request.POST or None, initial)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            created = services.create_clause(
                request.user, purchase, kind=values.pop("kind"), lot=values.pop("lot"), **values
            )
        except services.ClauseError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Clause créée : {created.hours_required or 0} heures exigées.")
            return redirect(_clause_url(created))
    return render(
        request,
        "clauses/clause_form.html",
        _context(request, "Nouvelle clause", form=form, purchase=purchase, c=None),
        status=400 if form.errors else 200,
    )


@org_view(roles=EDIT_ROLES)
def clause_edit(request, clause):
    found = _clause_or_404(request, clause)
    form = _clause_form(request, found.purchase, request.POST or None, ClauseForm.initial_from(found))
    if request.method == "POST" and form.is_valid():
        done = _write(
            request,
            form,
            lambda: services.update_clause(request.user, found, **form.values()),
            services.ClauseError,
            "Clause enregistrée.",
        )
        if done:
            return redirect(_clause_url(found))
    return render(
        request,
        "clauses/clause_form.html",
        _context(request, f"Modifier — {found}", form=form, purchase=found.purchase, c=found),
        status=400 if form.errors else 200,
    )


@org_view(roles=EDIT_ROLES)
@require_POST
def clause_status(request, clause):
    found = _clause_or_404(request, clause)
    action = request.POST.get("action")
    try:
        if action == "activate":
            services.activate_clause(request.user, found)
            messages.success(request, "Clause en exécution : le suivi des heures commence.")
        elif action == "close":
            services.close_clause(request.user, found)
            messages.success(request, "Clause clôturée : le bilan final est enregistré.")
        else:
            raise Http404("Action inconnue.")
    except services.ClauseError as error:
        messages.error(request, error.message)
    return redirect(_clause_url(found))


@org_view()
@require_GET
def clause_document(request, clause, document_kind, fmt):
    found = _clause_or_404(request, clause)
    wanted = [d for d in documents.documents_for(found) if d.kind == document_kind]
    if not wanted:
        raise Http404("Ce document ne concerne pas cette clause.")
    file_name, content = documents.render(wanted[0], found, fmt)
    response = HttpResponse(content, content_type=documents.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def clause_document_docx(request, org, clause, document_kind):
    return clause_document(request, org, clause, document_kind, "docx")


def clause_document_pdf(request, org, clause, document_kind):
    return clause_document(request, org, clause, document_kind, "pdf")


# --- Award ----------------------------------------------------------------------------------------------


@org_view(roles=EDIT_ROLES)
def award_edit(request, clause):
    found = _clause_or_404(request, clause)
    award = selectors.award_of(found)
    initial = {}
    holders_initial = []
    if award is not None:
        initial = {name: getattr(award, name) for name in AwardForm.base_fields}
        holders_initial = [
            {"name": h.name, "siret": h.siret, "role": h.role, "amount_ht": h.amount_ht}
            for h in award.holders.all()
        ]
    form = AwardForm(request.POST or None, initial=initial)
    holders = HolderFormSet(request.POST or None, initial=holders_initial, prefix="titulaires")
    if request.method == "POST" and form.is_valid() and holders.is_valid():
        rows = [h.cleaned_data for h in holders if h.cleaned_data.get("name")]
        if not rows:
            form.add_error(None, "Titulaires : indiquez au moins le titulaire du marché.")
        else:
            done = _write(
                request,
                form,
                lambda: awards.record_award(request.user, found, holders=rows, **form.cleaned_data),
                awards.AwardError,
                "Attribution enregistrée.",
            )
            if done:
                return redirect(_clause_url(found))
    return render(
        request,
        "clauses/award_form.html",
        _context(request, f"Attribution — {found}", form=form, holders=holders, c=found),
        status=400 if form.errors or holders.total_error_count() else 200,
    )


# --- Declarations ---------------------------------------------------------------------------------------


@org_view(roles=(Role.FACILITATOR, Role.ADMIN))
def declaration_create(request, clause):
    _require_participants(request)
    found = _clause_or_404(request, clause)
    form = DeclarationForm(request.POST or None)
    lines = LineFormSet(request.POST or None, prefix="lignes")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        rows = [line for line in (f.line() for f in lines) if line]
        if not rows:
            form.add_error(None, "Lignes : indiquez au moins un participant et ses heures.")
        else:
            total = sum((r["hours"] for r in rows), Decimal(0))
            done = _write(
                request,
                form,
                lambda: declarations.record_declaration(
                    request.user, request.tenant, found, lines=rows, **form.cleaned_data
                ),
                (declarations.DeclarationError, personal_data.ParticipantError),
                f"Déclaration enregistrée : {format_number_fr(total)} heures.",
            )
            if done:
                return redirect(_clause_url(found))
    return render(
        request,
        "clauses/declaration_form.html",
        _context(request, f"Déclaration — {found}", form=form, lines=lines, c=found),
        status=400 if form.errors or lines.total_error_count() else 200,
    )


def _import_path(organisation, sha256: str) -> Path:
    """Where an uploaded file waits between its preview and its confirmation (private, outside media)."""
    folder = Path(tempfile.gettempdir()) / "levier-clause-imports" / str(organisation.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{sha256}.xlsx"


@org_view(roles=(Role.FACILITATOR, Role.ADMIN))
def import_upload(request, clause):
    _require_participants(request)
    found = _clause_or_404(request, clause)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            staged = Path(handle.name)
        try:
            report = declarations.import_declarations(
                request.user, request.tenant, found, staged, commit=False, file_name=upload.name
            )
        except declarations.DeclarationError as error:
            form.add_error("file", error.message)
            staged.unlink(missing_ok=True)
        else:
            record = report.import_record
            staged.replace(_import_path(found.organisation, record.file_sha256))
            return redirect(
                "clauses:import", org=found.organisation.slug, clause=found.pk, declaration_import=record.pk
            )
    return render(
        request,
        "clauses/import_upload.html",
        _context(request, f"Importer des déclarations — {found}", form=form, c=found, report=report),
        status=400 if form.errors else 200,
    )


def _import_or_404(request, clause, declaration_import):
    found = _clause_or_404(request, clause)
    record = selectors.import_in(request.tenant.organisation, declaration_import)
    if record is None or record.clause_id != found.pk:
        raise Http404("Import introuvable.")
    return found, record


@org_view(roles=(Role.FACILITATOR, Role.ADMIN))
def import_detail(request, clause, declaration_import):
    _require_participants(request)
    found, record = _import_or_404(request, clause, declaration_import)
    staged = _import_path(found.organisation, record.file_sha256)
    if request.method == "POST":
        if record.status != record.Status.PREVIEW or not staged.exists():
            messages.error(request, "Cet import n'est plus en attente : déposez le fichier à nouveau.")
            return redirect("clauses:import_upload", org=found.organisation.slug, clause=found.pk)
        report = declarations.import_declarations(
            request.user, request.tenant, found, staged, commit=True, file_name=record.file_name
        )
        if report.errors:
            messages.error(request, "Le fichier contient des erreurs : rien n'a été enregistré.")
        else:
            staged.unlink(missing_ok=True)
            messages.success(
                request,
                f"Import enregistré : {report.created} ligne(s) créée(s), {report.updated} mise(s) à jour.",
            )
            return redirect(_clause_url(found))
    return render(
        request,
        "clauses/import_detail.html",
        _context(
            request,
            f"Aperçu de l'import — {found}",
            c=found,
            record=record,
            report=record.report,
            waiting=record.status == record.Status.PREVIEW and staged.exists(),
        ),
    )


# --- Document templates ---------------------------------------------------------------------------------


@org_view(roles=TEMPLATE_ROLES)
@require_GET
def template_list(request):
    org = request.tenant.organisation
    documents.ensure_templates(org)
    return render(
        request,
        "clauses/templates.html",
        _context(request, "Modèles de documents", templates=selectors.templates_of(org)),
    )


@org_view(roles=TEMPLATE_ROLES)
def template_edit(request, template):
    org = request.tenant.organisation
    found = selectors.template_in(org, template)
    if found is None:
        raise Http404("Modèle introuvable.")
    if request.method == "POST" and "reset" in request.POST:
        documents.reset_template(found, actor=request.user)
        messages.success(request, "Texte d'origine rétabli.")
        return redirect("clauses:template", org=org.slug, template=found.pk)
    form = TemplateForm(request.POST or None, initial={"title": found.title, "body": found.body})
    if request.method == "POST" and form.is_valid():
        try:
            documents.update_template(found, actor=request.user, **form.cleaned_data)
        except documents.TemplateError as error:
            form.add_error("body", str(error))
        else:
            messages.success(request, "Modèle enregistré.")
            return redirect("clauses:templates", org=org.slug)
    return render(
        request,
        "clauses/template_form.html",
        _context(
            request,
            f"Modèle — {found.title}",
            form=form,
            template_obj=found,
            placeholders=documents.PLACEHOLDERS.items(),
        ),
        status=400 if form.errors else 200,
    )


# --- The organisation's clause settings -----------------------------------------------------------------


@org_view(roles=(Role.ADMIN,))
def settings_edit(request):
    org = request.tenant.organisation
    current = services.settings_for(org)
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_from(current))
    if request.method == "POST" and form.is_valid():
        done = _write(
            request,
            form,
            lambda: services.update_settings(request.user, org, **form.values()),
            services.ClauseError,
            "Réglages enregistrés.",
        )
        if done:
            return redirect("clauses:settings", org=org.slug)
    return render(
        request,
        "clauses/settings.html",
        _context(request, "Réglages des clauses", form=form),
        status=400 if form.errors else 200,
    )


# --- One participant's data, on their request -----------------------------------------------------------


@org_view(roles=(Role.FACILITATOR, Role.ADMIN))
@require_GET
def participant_export(request, participant):
    """Everything kept about one person (right of access), as a JSON file; the export is logged."""
    tenant = request.tenant
    _require_participants(request)
    found = personal_data.get_participant(request.user, tenant, tenant.organisation, participant)
    data = personal_data.export_participant(request.user, tenant, found)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="participant-{found.pk}.json"'
    return response
