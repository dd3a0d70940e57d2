"""Pages of the screening under /o/<org>/criblage/: the panel of a purchase, its actions, the policy, and
the screening of a whole plan with its progress. Thin: reads through `selectors`, writes through
`services` and `tasks`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from levier.core.charts import Bar, bar_chart
from levier.core.navigation import SECTIONS_BY_KEY
from levier.core.tenancy import org_view
from levier.organisations.roles import Role
from levier.plans import selectors as plan_selectors
from levier.plans import services as plan_services
from levier.plans.workflow import Status
from levier.rules.sectors import load_taxonomy
from levier.sourcing import services as sourcing_services

from . import selectors, services, tasks
from .forms import LabourShareForm, OptionForm, OverrideForm, PolicyForm, SplitForm
from .models import RunStatus

# Short names of the options under the bars of the chart (the table beside it gives the full label).
SHORT_LABELS = {
    "reserve_disability": "ESAT/EA",
    "reserve_insertion": "SIAE",
    "reserve_both": "ESAT/EA/SIAE",
    "reserve_ess": "ESS",
    "reserve_lots": "Lots réservés",
    "clause": "Clause",
    "criterion": "Critère",
    "clause_criterion": "Clause + critère",
    "none": "Aucune",
}


def _scores_chart(options: list[dict]):
    bars = [
        Bar(SHORT_LABELS.get(o["code"], o["code"]), float(o["score"]), f"{o['score']:.0f} sur 100")
        for o in options
    ]
    return bar_chart(
        bars,
        title="Score de chaque option",
        description="Score sur 100 de chaque option de criblage, de la mieux classée à la moins bien classée",
        chart_id="scores-options",
    )


def _purchase_or_404(request, purchase_id: int):
    found = plan_selectors.purchase_in(request.tenant.organisation, purchase_id)
    if found is None:
        raise Http404("Achat introuvable.")
    return found


def _back(request, found):
    return redirect("recommendations:panel", org=request.tenant.organisation.slug, purchase=found.pk)


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@org_view()
def panel(request, purchase, override_form=None, status=200):
    found = _purchase_or_404(request, purchase)
    tenant = request.tenant
    screening = services.current_screening(found)
    result = screening.result
    proposable = found.status in (Status.TO_SCREEN, Status.REFUSED)
    context = {
        "title": f"Criblage : {found}",
        "section": SECTIONS_BY_KEY["plan"],
        "p": found,
        "screening": screening,
        "result": result,
        "recommended": result["options"][0] if result.get("options") else None,
        "overrides": selectors.overrides_of(found),
        "is_facilitator": tenant.has_role(Role.FACILITATOR),
        "can_propose": tenant.has_role(Role.FACILITATOR) and proposable,
        "can_split": tenant.has_role(*plan_services.EDIT_ROLES) and not found.lots.exists(),
        "can_source": tenant.has_role(*sourcing_services.EDIT_ROLES),
        "override_form": override_form or OverrideForm(),
        "chart": _scores_chart(result.get("options", [])),
    }
    return render(request, "recommendations/panel.html", context, status=status)


@org_view(roles=(Role.FACILITATOR,))
def propose(request, purchase):
    found = _purchase_or_404(request, purchase)
    form = OptionForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _back(request, found)
    try:
        services.propose(request.user, found, form.cleaned_data["option"])
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, "Option proposée : l'achat attend la décision du service prescripteur.")
    return _back(request, found)


@org_view(roles=(Role.FACILITATOR,))
def override(request, purchase):
    found = _purchase_or_404(request, purchase)
    form = OverrideForm(request.POST or None)
    if request.method != "POST":
        return _back(request, found)
    if form.is_valid():
        try:
            services.override(request.user, found, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            messages.success(request, "Recommandation écartée ; le motif est conservé.")
            return _back(request, found)
    return panel.__wrapped__(request, purchase, override_form=form, status=422)


@org_view(roles=plan_services.EDIT_ROLES)
def apply_split(request, purchase):
    found = _purchase_or_404(request, purchase)
    form = SplitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lots = services.apply_split(request.user, found, form.cleaned_data["split"])
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, f"Allotissement appliqué : {len(lots)} lots créés.")
    return _back(request, found)


@org_view(roles=sourcing_services.EDIT_ROLES)
def to_sourcing(request, purchase):
    found = _purchase_or_404(request, purchase)
    form = OptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.candidates_to_list(request.user, found, form.cleaned_data["option"])
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, f"Liste de sourçage créée : {made.entries.count()} structures.")
            return redirect("sourcing:detail", org=request.tenant.organisation.slug, sourcing_list=made.pk)
    return _back(request, found)


@org_view(roles=services.SCREEN_ROLES)
def rescreen_plan(request, plan):
    org = request.tenant.organisation
    found = plan_selectors.plan_in(org, plan)
    if found is None:
        raise Http404("Plan introuvable.")
    if request.method != "POST":
        latest = selectors.last_run(org, found)
        if latest is None:
            raise Http404("Ce plan n'a pas encore été criblé.")
        return redirect("recommendations:run", org=org.slug, screening_run=latest.pk)
    run = tasks.start_plan_screening(request.user, found, reason="Demandé depuis le plan")
    return redirect("recommendations:run", org=org.slug, screening_run=run.pk)


@org_view()
def run_status(request, screening_run):
    org = request.tenant.organisation
    run = selectors.run_in(org, screening_run)
    if run is None:
        raise Http404("Criblage introuvable.")
    context = {
        "title": f"Criblage du plan {run.plan.year}",
        "section": SECTIONS_BY_KEY["plan"],
        "run": run,
        "busy": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
    }
    template = "recommendations/_run_status.html" if request.htmx else "recommendations/run.html"
    return render(request, template, context)


@org_view()
def policy(request):
    org = request.tenant.organisation
    tenant = request.tenant
    current = services.policy_of(org)
    can_edit = tenant.has_role(*services.POLICY_ROLES)
    form = PolicyForm(request.POST or None, instance=current) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise Http404("Page introuvable.")
        if form.is_valid():
            # Every field goes to the service, which tells a real change (and bumps the version) from a
            # form posted unchanged: fields with a callable default always count in `changed_data`.
            values = {name: form.cleaned_data[name] for name in form.fields}
            try:
                updated = services.update_policy(request.user, org, **values)
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
            else:
                if updated.version != current.version:
                    tasks.start_all(org, f"Politique de criblage modifiée (version {updated.version})")
                    messages.success(request, "Politique enregistrée : les plans sont criblés à nouveau.")
                return redirect("recommendations:policy", org=org.slug)
    return _policy_page(request, current, form, LabourShareForm() if can_edit else None, can_edit)


def _policy_page(request, policy, form, share_form, can_edit):
    org = request.tenant.organisation
    context = {
        "title": "Politique de criblage",
        "section": SECTIONS_BY_KEY["plan"],
        "policy": policy,
        "form": form,
        "share_form": share_form,
        "labour_shares": _labour_share_rows(org),
        "can_edit": can_edit,
    }
    invalid = (form is not None and form.errors) or (share_form is not None and share_form.errors)
    return render(request, "recommendations/policy.html", context, status=422 if invalid else 200)


def _labour_share_rows(organisation) -> list[dict]:
    taxonomy = load_taxonomy()
    rows = []
    for row in selectors.labour_share_rows(organisation):
        sector = taxonomy.get(row.sector)
        rows.append(
            {
                "row": row,
                "label": sector.label if sector else row.sector,
                "reference": sector.labour_share if sector else None,
            }
        )
    return rows


@org_view(roles=services.POLICY_ROLES)
def labour_shares(request):
    """Set (or, with `remove`, take back) the organisation's own labour share of a sector; every plan is
    screened again since the hours change."""
    org = request.tenant.organisation
    if request.method != "POST":
        return redirect("recommendations:policy", org=org.slug)
    removed = request.POST.get("remove")
    if removed:
        try:
            services.remove_labour_share(request.user, org, removed)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("recommendations:policy", org=org.slug)
        done = "Part de main-d'œuvre propre retirée : la valeur de référence s'applique."
    else:
        share_form = LabourShareForm(request.POST)
        if share_form.is_valid():
            data = share_form.cleaned_data
            try:
                services.set_labour_share(request.user, org, data["sector"], data["share"], data["reason"])
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    for message in errors:
                        share_form.add_error(name if name in share_form.fields else None, message)
        if share_form.errors:
            current = services.policy_of(org)
            return _policy_page(request, current, PolicyForm(instance=current), share_form, True)
        done = "Part de main-d'œuvre enregistrée : les plans sont criblés à nouveau."
    current = services.policy_of(org)
    tasks.start_all(org, f"Part de main-d'œuvre modifiée (version {current.version})")
    messages.success(request, done)
    return redirect("recommendations:policy", org=org.slug)
