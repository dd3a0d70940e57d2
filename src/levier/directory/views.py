"""Pages of the directory under /o/<org>/structures/: search, a structure, notes, manual edit, imports."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from levier.core.tenancy import org_view
from levier.organisations.roles import Role
from levier.rules.geography import shipped_departements
from levier.rules.sectors import load_taxonomy

from . import notes as note_services
from . import selectors
from .editing import EDITOR_ROLES as EDIT_ROLES
from .forms import NoteForm, SearchForm
from .map import departement_map_svg
from .models import Basis, Source, SourcingNote
from .search import StructureQuery

IMPORT_ROLES = (Role.FACILITATOR, Role.ADMIN)
SEARCH_KEYS = (
    "text",
    "sector",
    "group",
    "family",
    "kind",
    "near",
    "radius",
    "min_amount",
    "sort",
    "departement",
)


def _search_params(request) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in SEARCH_KEYS if request.GET.get(key, "").strip()}


def _url_with(base: str, params: dict[str, str], **changes) -> str:
    merged = {**params, **{k: v for k, v in changes.items() if v not in (None, "")}}
    for key, value in changes.items():
        if value in (None, ""):
            merged.pop(key, None)
    return f"{base}?{urlencode(merged)}" if merged else base


@org_view()
def search(request):
    from levier.sourcing import selectors as sourcing_selectors
    from levier.sourcing.services import can_edit

    org = request.tenant.organisation
    params = _search_params(request)
    form = SearchForm(params or None, initial={"sort": "relevance"})
    page = None
    if params or request.GET.get("page"):
        form.is_valid()  # binds the values for redisplay; the query checks them
        try:
            query = StructureQuery.from_params({**params, "page": request.GET.get("page", "1")})
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            page = selectors.search_structures(query, with_map=True)
            if page.place_error:
                form.add_error("near", page.place_error)
    else:
        page = selectors.search_structures(StructureQuery(), with_map=True)

    base = reverse("directory:search", kwargs={"org": org.slug})
    builds_lists = can_edit(request.user, org)
    lists = list(sourcing_selectors.lists_of(org)) if builds_lists else []
    target = _target_list(request, lists)
    in_target = sourcing_selectors.structure_ids_in(target) if target else set()
    map_svg = None
    counts_rows = []
    if page is not None:
        names = shipped_departements()
        counts_rows = sorted(
            (
                (code, names[code].name if code in names else code, n)
                for code, n in page.departement_counts.items()
            ),
            key=lambda row: (-row[2], row[0]),
        )
        # Built from escaped values by levier.directory.map.
        map_svg = mark_safe(
            departement_map_svg(
                page.departement_counts,
                title="Nombre de structures trouvées par département",
                link=lambda code: _url_with(base, params, departement=code),
            )
        )
    pages = []
    if page is not None and page.pages > 1:
        current = page.query.page
        shown = sorted({1, page.pages, *range(max(1, current - 2), min(page.pages, current + 2) + 1)})
        pages = [(number, _url_with(base, params, page=number)) for number in shown]
    taxonomy = load_taxonomy()
    results = [
        {
            "hit": hit,
            "sectors": [
                (taxonomy.get(s.sector).label if taxonomy.get(s.sector) else s.sector, s.inferred)
                for s in hit.structure.sectors.all()
            ],
        }
        for hit in (page.hits if page else [])
    ]
    return render(
        request,
        "directory/search.html",
        {
            "title": "Structures inclusives",
            "form": form,
            "page": page,
            "results": results,
            "params": params,
            "pages": pages,
            "previous_url": _url_with(base, params, page=page.query.page - 1)
            if page and page.query.page > 1
            else "",
            "next_url": _url_with(base, params, page=page.query.page + 1)
            if page and page.query.page < page.pages
            else "",
            "map_svg": map_svg,
            "counts_rows": counts_rows,
            "clear_departement_url": _url_with(base, params, departement=None),
            "lists": lists,
            "builds_lists": builds_lists,
            "target_list": target,
            "in_target": in_target,
            "return_to": request.get_full_path(),
            "chosen_departement": shipped_departements().get(params.get("departement", "")),
            "count_links": [
                (code, name, n, _url_with(base, params, departement=code)) for code, name, n in counts_rows
            ],
        },
    )


def _target_list(request, lists):
    wanted = request.GET.get("liste")
    if wanted:
        for sourcing_list in lists:
            if str(sourcing_list.pk) == wanted:
                return sourcing_list
    return lists[0] if lists else None


PROVENANCE_LABELS = dict(Source.choices)


def _provenance_rows(structure) -> list[dict]:
    rows = []
    for name, origin in sorted((structure.provenance or {}).items()):
        try:
            label = structure._meta.get_field(name).verbose_name
        except Exception:  # kinds, sectors and other non-column entries keep their key
            label = {
                "kinds": "types",
                "sectors": "secteurs",
                "area_departements": "départements d'intervention",
            }.get(name, name)
        origin = origin or {}
        rows.append(
            {
                "field": str(label).capitalize(),
                "source": PROVENANCE_LABELS.get(origin.get("source", ""), origin.get("source", "")),
                "date": origin.get("date") or (origin.get("at") or "")[:10],
            }
        )
    return rows


def _capacity_rows(structure) -> list[tuple[str, str, str]]:
    bases = dict(Basis.choices)
    rows = []
    for field, unit in (
        ("headcount", "personnes"),
        ("esat_capacity", "places"),
        ("turnover", "€"),
        ("max_contract_amount", "€ HT par an"),
    ):
        value = getattr(structure, field)
        if value is None:
            continue
        label = str(structure._meta.get_field(field).verbose_name).capitalize()
        text = f"{value:,}".replace(",", "\u202f") + f" {unit}"
        rows.append((label, text, bases.get(getattr(structure, f"{field}_basis"), "origine non précisée")))
    return rows


@org_view()
def detail(request, structure):
    from levier.sourcing import selectors as sourcing_selectors
    from levier.sourcing.services import can_edit

    org = request.tenant.organisation
    found = selectors.structure_detail(structure)
    if found is None:
        raise Http404("Structure introuvable.")
    taxonomy = load_taxonomy()
    can_write = note_services.can_write_notes(request.user, org)
    lists = list(sourcing_selectors.lists_of(org)) if can_edit(request.user, org) else []
    holding = list(sourcing_selectors.lists_holding(org, found))
    departements = shipped_departements()
    return render(
        request,
        "directory/detail.html",
        {
            "title": found.display_name,
            "structure": found,
            "sectors": [
                (s, taxonomy.get(s.sector).label if taxonomy.get(s.sector) else s.sector)
                for s in found.sectors.all()
            ],
            "area_departements": [
                (d.departement, departements[d.departement].name if d.departement in departements else "")
                for d in found.area_departements.all()
            ],
            "capacity_rows": _capacity_rows(found),
            "provenance_rows": _provenance_rows(found),
            "notes": selectors.notes_of(org, found),
            "note_form": NoteForm() if can_write else None,
            "can_edit_structure": request.tenant.has_role(*EDIT_ROLES),
            "lists": [sl for sl in lists if sl.pk not in {h.pk for h in holding}],
            "holding": holding,
            "return_to": request.get_full_path(),
            "departement_name": departements[found.departement].name
            if found.departement in departements
            else "",
        },
    )


def _notes_anchor(org, structure) -> str:
    return reverse("directory:detail", kwargs={"org": org.slug, "structure": structure.pk}) + "#notes"


def _note_page(request, org, structure, form, note):
    """Save a valid note form through the service, or show the form again with its French errors."""
    if request.method == "POST" and form.is_valid():
        # The form wrote into its instance: the service compares with a fresh copy from the database.
        stored = SourcingNote.objects.get(pk=note.pk) if note else None
        try:
            note_services.save_note(request.user, org, structure, note=stored, **_note_fields(form))
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, "Note mise à jour." if note else "Note enregistrée.")
            return redirect(_notes_anchor(org, structure))
    title = f"Modifier une note sur {structure}" if note else f"Note sur {structure}"
    return render(
        request,
        "directory/note_form.html",
        {"title": title, "structure": structure, "form": form, "note": note},
    )


@org_view(roles=note_services.NOTE_ROLES)
def note_add(request, structure):
    org = request.tenant.organisation
    found = selectors.structure_detail(structure)
    if found is None:
        raise Http404("Structure introuvable.")
    if request.method != "POST":
        return redirect("directory:detail", org=org.slug, structure=found.pk)
    return _note_page(request, org, found, NoteForm(request.POST), None)


@org_view(roles=note_services.NOTE_ROLES)
def note_edit(request, note):
    org = request.tenant.organisation
    found = selectors.note_of(org, note)
    if found is None:
        raise Http404("Note introuvable.")
    if request.method == "POST" and request.POST.get("action") == "delete":
        note_services.delete_note(request.user, org, found)
        messages.success(request, "Note supprimée.")
        return redirect(_notes_anchor(org, found.structure))
    return _note_page(request, org, found.structure, NoteForm(request.POST or None, instance=found), found)


def _note_fields(form) -> dict:
    return {name: form.cleaned_data.get(name) for name in note_services.NOTE_FIELDS}


def _attach(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def require_roles(request, roles) -> None:
    if not request.tenant.has_role(*roles):
        raise PermissionDenied("Votre rôle dans cette organisation ne permet pas cette action.")


@org_view(roles=IMPORT_ROLES)
def import_start(request):
    import json

    from . import import_tasks
    from .forms import ImportForm

    org = request.tenant.organisation
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        mapping = None
        raw_mapping = form.cleaned_data.get("mapping", "").strip()
        if raw_mapping:
            try:
                mapping = json.loads(raw_mapping)
                if not isinstance(mapping, dict):
                    raise ValueError
            except ValueError:
                form.add_error("mapping", "Correspondance illisible : un objet JSON est attendu.")
        if not form.errors:
            upload = form.cleaned_data["file"]
            try:
                run = import_tasks.start_preview(
                    request.user,
                    org,
                    form.cleaned_data["source"],
                    upload.name,
                    upload.read(),
                    source_date=form.cleaned_data.get("source_date"),
                    mapping=mapping,
                )
            except ValidationError as error:
                form.add_error("file", error.messages)
            else:
                return redirect("directory:import_status", org=org.slug, import_run=run.pk)
    return render(
        request,
        "directory/import_start.html",
        {
            "title": "Importer une liste de structures",
            "form": form,
            "runs": import_tasks.runs_of(request.user)[:10],
        },
    )


@org_view(roles=IMPORT_ROLES)
def import_status(request, import_run):
    from . import import_tasks

    org = request.tenant.organisation
    run = import_tasks.runs_of(request.user).filter(pk=import_run).first()
    if run is None:
        raise Http404("Import introuvable.")
    if request.method == "POST":
        try:
            run = import_tasks.start_import(request.user, org, run)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("directory:import_status", org=org.slug, import_run=run.pk)
    state = run.report.get("state", "")
    context = {
        "title": f"Import de {run.file_name}",
        "run": run,
        "state": state,
        "busy": state in import_tasks.BUSY_STATES,
        "preview": run.report.get("preview") or {},
        "result": run.report.get("result") or {},
        "lines": run.report.get("lines") or [],
    }
    if request.htmx:
        return render(request, "directory/_import_status.html", context)
    return render(request, "directory/import_status.html", context)


@org_view(roles=EDIT_ROLES)
def edit(request, structure):
    from .editing import edit_structure
    from .forms import StructureEditForm

    org = request.tenant.organisation
    found = selectors.structure_detail(structure)
    if found is None:
        raise Http404("Structure introuvable.")
    form = StructureEditForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, "Aucune modification.")
            return redirect("directory:detail", org=org.slug, structure=found.pk)
        try:
            edit_structure(request.user, selectors.structure_detail(found.pk), changes, organisation=org)
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                raise
            _attach(form, error)
        else:
            messages.success(
                request, "Fiche corrigée : les valeurs saisies ne seront pas remplacées par un import."
            )
            return redirect("directory:detail", org=org.slug, structure=found.pk)
    return render(
        request,
        "directory/edit.html",
        {"title": f"Corriger la fiche de {found}", "structure": found, "form": form},
    )
