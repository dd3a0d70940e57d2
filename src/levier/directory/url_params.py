"""URL parameters of the directory. `<int:structure>` is a `Structure` primary key (see models.py).

Structures are shared by every organisation, so `structure` is not a tenant object: a page about one
lives under `/o/<org>/...` for the buyer's own notes, and the organisation in the URL is what isolates.
"""

from levier.core.tenancy import register_url_param


def _structure_example(org):
    from .models import Kind, Source, Structure, StructureKind

    pk = Structure.objects.order_by("pk").values_list("pk", flat=True).first()
    if pk is not None:
        return pk
    # The isolation test walks routes on an empty database: give it one (fictional) structure to open.
    structure = Structure.objects.create(
        name="ESAT exemple de l'isolation",
        siret="",
        departement="94",
        provenance={},
    )
    StructureKind.objects.create(structure=structure, kind=Kind.ESAT, source=Source.MANUAL)
    structure.refresh_search_text()
    structure.save(update_fields=["search_text", "siren"])
    return structure.pk


register_url_param("structure", _structure_example, tenant_object=False)


def _note_example(org):
    from .models import SourcingNote, Structure

    pk = SourcingNote.objects.filter(organisation=org).values_list("pk", flat=True).first()
    if pk is not None:
        return pk
    structure = Structure.objects.get(pk=_structure_example(org))
    return SourcingNote.objects.create(
        organisation=org, structure=structure, topic="other", text="Exemple"
    ).pk


def _import_run_example(org):
    import datetime as dt

    from .models import ImportRun

    pk = ImportRun.objects.order_by("pk").values_list("pk", flat=True).first()
    if pk is not None:
        return pk
    return ImportRun.objects.create(
        source="esat",
        file_name="exemple.csv",
        source_date=dt.date(2026, 1, 1),
        status=ImportRun.Status.PREVIEW,
    ).pk


# A note belongs to one buyer organisation. An import run is shown only to the person who started it.
register_url_param("note", _note_example)
register_url_param("import_run", _import_run_example)
