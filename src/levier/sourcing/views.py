"""Pages of sourcing lists under /o/<org>/sourcing/. Reading is open to every member; changes to buyers,
facilitators and administrators (the services check it again)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify

from levier.core.documents import CONTENT_TYPES
from levier.core.tenancy import org_view
from levier.directory import selectors as directory_selectors

from . import exports, selectors, services
from .forms import EntryForm, ListForm


def _list_or_404(org, pk):
    found = selectors.list_of(org, pk)
    if found is None:
        raise Http404("Liste introuvable.")
    return found


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@org_view()
def list_index(request):
    org = request.tenant.organisation
    editable = services.can_edit(request.user, org)
    purchases = selectors.purchases_for_choice(org)
    form = ListForm(request.POST or None, purchases=purchases) if editable else None
    if request.method == "POST":
        if form is None:
            raise Http404("Action indisponible.")
        if form.is_valid():
            try:
                created = services.create_list(
                    request.user,
                    org,
                    form.cleaned_data["title"],
                    purchase=form.cleaned_data["purchase"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, f"Liste « {created.title} » créée.")
                return redirect("sourcing:detail", org=org.slug, sourcing_list=created.pk)
    return render(
        request,
        "sourcing/lists.html",
        {"title": "Listes de sourçage", "lists": selectors.lists_of(org), "form": form},
    )


@org_view()
def list_detail(request, sourcing_list):
    org = request.tenant.organisation
    found = _list_or_404(org, sourcing_list)
    editable = services.can_edit(request.user, org)
    entries = list(selectors.entries_of(found))
    rows = [
        (entry, EntryForm(instance=entry, prefix=f"e{entry.pk}") if editable else None) for entry in entries
    ]
    return render(
        request,
        "sourcing/detail.html",
        {
            "title": found.title,
            "sourcing_list": found,
            "rows": rows,
            "editable": editable,
            "summary": {
                "total": len(entries),
                "contacted": sum(1 for e in entries if e.contacted),
                "interested": sum(1 for e in entries if e.interest == "yes"),
                "confirmed": sum(1 for e in entries if e.capacity_confirmed),
            },
        },
    )


@org_view(roles=services.EDIT_ROLES)
def list_edit(request, sourcing_list):
    org = request.tenant.organisation
    found = _list_or_404(org, sourcing_list)
    if request.method == "POST" and request.POST.get("action") == "delete":
        services.delete_list(request.user, found)
        messages.success(request, f"Liste « {found.title} » supprimée.")
        return redirect("sourcing:lists", org=org.slug)
    initial = {"title": found.title, "purchase": found.purchase, "description": found.description}
    form = ListForm(request.POST or None, initial=initial, purchases=selectors.purchases_for_choice(org))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_list(
                request.user,
                found,
                title=form.cleaned_data["title"],
                purchase=form.cleaned_data["purchase"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Liste mise à jour.")
            return redirect("sourcing:detail", org=org.slug, sourcing_list=found.pk)
    return render(
        request,
        "sourcing/list_form.html",
        {"title": f"Modifier « {found.title} »", "sourcing_list": found, "form": form},
    )


def _add(request, org, sourcing_list):
    structure = directory_selectors.structure_detail(_int(request.POST.get("structure")))
    if structure is None:
        raise Http404("Structure introuvable.")
    _entry, created = services.add_structure(request.user, sourcing_list, structure)
    if created:
        messages.success(request, f"{structure} ajoutée à « {sourcing_list.title} ».")
    else:
        messages.info(request, f"{structure} est déjà dans « {sourcing_list.title} ».")
    fallback = reverse("sourcing:detail", kwargs={"org": org.slug, "sourcing_list": sourcing_list.pk})
    return redirect(_safe_next(request, fallback))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@org_view(roles=services.EDIT_ROLES)
def add_entry(request, sourcing_list):
    org = request.tenant.organisation
    found = _list_or_404(org, sourcing_list)
    if request.method != "POST":
        return redirect("sourcing:detail", org=org.slug, sourcing_list=found.pk)
    return _add(request, org, found)


@org_view(roles=services.EDIT_ROLES)
def add_entry_choice(request):
    org = request.tenant.organisation
    if request.method != "POST":
        return redirect("sourcing:lists", org=org.slug)
    return _add(request, org, _list_or_404(org, request.POST.get("sourcing_list")))


@org_view(roles=services.EDIT_ROLES)
def entry_edit(request, entry):
    org = request.tenant.organisation
    found = selectors.entry_of(org, entry)
    if found is None:
        raise Http404("Candidat introuvable.")
    back = reverse("sourcing:detail", kwargs={"org": org.slug, "sourcing_list": found.sourcing_list_id})
    if request.method != "POST":
        return redirect(back)
    if request.POST.get("action") == "remove":
        services.remove_entry(request.user, found)
        messages.success(request, f"{found.structure} retirée de la liste.")
        return redirect(back)
    form = EntryForm(request.POST, instance=selectors.entry_of(org, entry), prefix=f"e{found.pk}")
    if form.is_valid():
        try:
            services.update_entry(
                request.user, found, **{name: form.cleaned_data[name] for name in services.ENTRY_FIELDS}
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Suivi de {found.structure} enregistré.")
    else:
        problems = "; ".join(
            f"{form.fields[f].label} : {' '.join(e)}" for f, e in form.errors.items() if f in form.fields
        )
        messages.error(request, f"{found.structure} : {problems or 'saisie invalide'}.")
    return redirect(f"{back}#candidat-{found.pk}")


def _export(request, sourcing_list, kind: str):
    org = request.tenant.organisation
    found = _list_or_404(org, sourcing_list)
    entries = list(selectors.entries_of(found))
    name = slugify(found.title) or "liste"
    if kind == "xlsx":
        content = exports.to_xlsx(found, entries)
        content_type = CONTENT_TYPES["xlsx"]
    else:
        content = exports.to_csv(found, entries)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="sourcage-{name}.{kind}"'
    return response


@org_view()
def export_xlsx(request, sourcing_list):
    return _export(request, sourcing_list, "xlsx")


@org_view()
def export_csv(request, sourcing_list):
    return _export(request, sourcing_list, "csv")
