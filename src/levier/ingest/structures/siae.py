"""The ASP list of SIAE: one row per structure, measure (ACI, AI, EI, ETTI, EITI) and convention.

A structure holding several measures, or conventioned in several départements, appears on several rows
under the same SIRET: they are grouped into one record per SIRET whose `kinds` lists every measure and
whose `measures` keeps each (kind, convention département, row). `CODE_DEPARTEMENT` is the département
of the convention (3 characters: "001", "02A", "59L"/"59V" for the two halves of the Nord, "971"), not
always the one of the address: the record's `departement` comes from the address postcode.

The companion file `..._additional.csv` gives websites and ROME job codes for a few départements:
`read_siae_additional` reads it as records of the same source, `enrich_siae` merges it for previews.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from levier.ingest.structures import cleaning as c
from levier.ingest.structures.base import RowCells, read_rows
from levier.ingest.structures.records import (
    DATA_FIELDS,
    Kind,
    ProgressCallback,
    ReadResult,
    ResultBuilder,
    SiaeMeasure,
    Source,
    StructureRecord,
    make_record,
    sort_kinds,
)
from levier.ingest.tabular import Column, PathLike, normalize_header
from levier.rules.geography import shipped_departements

SIAE_KINDS = {Kind.ACI.value, Kind.AI.value, Kind.EI.value, Kind.ETTI.value, Kind.EITI.value}

COLUMNS = [
    Column("siret", "SIRET", ("SIRET",), True),
    Column("kind", "mesure", ("MESURE", "type de structure", "type"), True),
    Column("name", "dénomination sociale", ("DENOMINATION_SOCIALE", "raison sociale"), True),
    Column("convention_departement", "département", ("CODE_DEPARTEMENT", "code dpt")),
    Column("departement_label", "libellé département", ("LIBELLE_DPT",)),
    Column("asp_id", "identifiant ASP", ("ID_STRUCTURE", "ASP_ID", "ID_ANNEXE_FINANCIERE")),
    Column("naf", "code NAF", ("CODE_NAF2", "NAF")),
    Column("legal_form", "nature juridique", ("NATURE_JURIDIQUE",)),
    Column("street_number", "numéro de voie", ("NUM_RUE",)),
    Column("street", "voie", ("NOM_RUE",)),
    Column("postcode", "code postal", ("CODE_POSTAL", "CODE_POST_COM")),
    Column("city", "commune", ("LIB_COM", "COMMUNE")),
]

# Values compared between the rows of one SIRET: a difference is reported, the first row wins.
_SHARED_FIELDS = ("name", "legal_form", "naf", "address", "postcode", "city")


@dataclass
class _Group:
    """The rows of one SIRET, gathered while streaming (the file is not sorted by SIRET)."""

    first_row: int
    values: dict[str, object]
    value_rows: dict[str, int]
    measures: dict[tuple[str, str | None], SiaeMeasure] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)


def read_siae(path: PathLike, *, progress: ProgressCallback | None = None) -> ReadResult:
    """Read the ASP list: one record per SIRET, with every measure it holds."""
    builder = ResultBuilder(Source.SIAE, progress)
    groups: dict[str, _Group] = {}
    seen_rows: dict[tuple[str, ...], int] = {}
    departements = shipped_departements()
    for row in read_rows(path, COLUMNS, builder):
        cells = row.cells.values()
        if cells in seen_rows:
            row.ctx.report(
                None,
                None,
                c.Issue(
                    "duplicate_row",
                    f"ligne identique à la ligne {seen_rows[cells]} ; ignorée.",
                ),
            )
            continue
        seen_rows[cells] = row.number

        check = row.siret(is_key=True)
        kind = (row.text("kind") or "").upper()
        if kind not in SIAE_KINDS:
            shown = row.text("kind") or ""
            message = (
                f"mesure « {shown} » inconnue (ACI, AI, EI, ETTI ou EITI attendue)"
                if shown
                else ("mesure absente")
            )
            row.reject("kind", row["kind"], "kind_unknown", f"{message} ; ligne rejetée.")
        name = row.required_name("dénomination absente")
        if row.rejected or check.value is None:
            continue
        siret = check.value

        convention_departement = row.read("convention_departement", c.clean_departement)
        _check_departement_label(row, convention_departement, departements)
        postcode = row.read("postcode", c.clean_postcode)
        naf = row.read("naf", c.clean_naf)
        values: dict[str, object] = {
            "name": name,
            "legal_form": row.text("legal_form"),
            "naf": naf,
            "address": c.clean_text(f"{row['street_number']} {row['street']}"),
            "postcode": postcode,
            "city": row.text("city"),
        }
        measure = SiaeMeasure(
            kind=kind,
            convention_departement=convention_departement,
            row=row.number,
            asp_id=row.text("asp_id"),
        )

        group = groups.get(siret)
        if group is None:
            groups[siret] = group = _Group(
                first_row=row.number,
                values=values,
                value_rows={name: row.number for name in values if values[name] is not None},
            )
        else:
            _merge_values(row, group, values)
        group.rows.append(row.number)
        measure_key = (kind, convention_departement)
        if measure_key in group.measures:
            first = group.measures[measure_key]
            row.report(
                "kind",
                kind,
                c.Issue(
                    "duplicate_measure",
                    f"mesure {kind} du SIRET {siret} (convention du département "
                    f"{convention_departement}) déjà lue ligne {first.row} ; fusionnée.",
                ),
            )
        else:
            group.measures[measure_key] = measure

    for siret, group in groups.items():
        builder.records.append(_group_record(siret, group))
    builder.file_info["structures"] = len(groups)
    return builder.result()


def _check_departement_label(row: RowCells, code: str | None, departements: dict) -> None:
    """The ASP file carries both the code and the name of the convention's département; they disagree
    on some rows (code 008 with "AISNE"). The code is kept, the disagreement reported."""
    label = row.text("departement_label")
    known = departements.get(code or "")
    if not label or known is None:
        return
    if normalize_header(label) != normalize_header(known.name):
        row.report(
            "departement_label",
            label,
            c.Issue(
                "departement_label_mismatch",
                f"libellé « {label} » différent du département {code} ({known.name}) ; le code est retenu.",
            ),
        )


def _merge_values(row: RowCells, group: _Group, values: dict[str, object]) -> None:
    for name in _SHARED_FIELDS:
        new = values[name]
        if new is None:
            continue
        old = group.values.get(name)
        if old is None:
            group.values[name] = new
            group.value_rows[name] = row.number
        elif old != new:
            # The address is built from two columns: it has no label of its own.
            label = row.labels.get(name, "adresse")
            row.ctx.report(
                label,
                new,
                c.Issue(
                    "conflicting_value",
                    f"« {new} » diffère de « {old} » (ligne {group.value_rows[name]}, même SIRET) ; "
                    "la première valeur est conservée.",
                ),
            )


def _group_record(siret: str, group: _Group) -> StructureRecord:
    measures = tuple(group.measures.values())
    postcode = group.values["postcode"]
    departement = c.departement_from_postcode(postcode) or measures[0].convention_departement
    return make_record(
        source=Source.SIAE.value,
        source_key=siret,
        siret=siret,
        siret_status="valid",
        kinds=sort_kinds([measure.kind for measure in measures]),
        measures=measures,
        departement=departement,
        row=group.first_row,
        rows=tuple(group.rows),
        **group.values,
    )


# --- the additional file: websites and ROME codes ---------------------------------------------------

_MAX_JOBS = 20
ADDITIONAL_COLUMNS = [
    Column("siret", "SIRET", ("SIRET",), True),
    Column("kind", "mesure", ("MESURE",)),
    Column("name", "dénomination sociale", ("DENOMINATION_SOCIALE",)),
    Column("website", "site web", ("SITE WEB", "site internet", "url")),
] + [
    column
    for index in range(1, _MAX_JOBS + 1)
    for column in (
        Column(f"rome_{index}", f"ROME {index}", (f"ROME {index}",) + (("ROME",) if index == 1 else ())),
        Column(
            f"job_{index}",
            f"appellation {index}",
            (f"APPELATION {index}", f"APPELLATION {index}")
            + (("APPELATION", "APPELLATION") if index == 1 else ()),
        ),
    )
]


def read_siae_additional(path: PathLike, *, progress: ProgressCallback | None = None) -> ReadResult:
    """Read the ASP companion file: per SIRET, a website and up to nine (ROME code, job title) pairs."""
    builder = ResultBuilder(Source.SIAE, progress)
    by_siret: dict[str, StructureRecord] = {}
    for row in read_rows(path, ADDITIONAL_COLUMNS, builder):
        check = row.siret(is_key=True)
        if check.value is None:
            continue
        rome_codes: list[str] = []
        job_titles: list[str] = []
        for index in range(1, _MAX_JOBS + 1):
            if not row.cells.has_column(f"rome_{index}"):
                break
            code = row.read(f"rome_{index}", c.clean_rome)
            title = row.text(f"job_{index}")
            if code is None:
                continue
            if code not in rome_codes:
                rome_codes.append(code)
            if title and title not in job_titles:
                job_titles.append(title)
        kind = (row.text("kind") or "").upper()
        record = row.record(
            Source.SIAE,
            check.value,
            siret=check.value,
            siret_status=check.status,
            name=row.text("name"),
            kinds=(kind,) if kind in SIAE_KINDS else (),
            website=row.text("website"),
            rome_codes=tuple(rome_codes),
            job_titles=tuple(job_titles),
        )
        if check.value in by_siret:
            by_siret[check.value] = _union(by_siret[check.value], record)
        else:
            by_siret[check.value] = record
    builder.records.extend(by_siret.values())
    return builder.result()


def _union(first: StructureRecord, other: StructureRecord) -> StructureRecord:
    return replace(
        first,
        website=first.website or other.website,
        rome_codes=tuple(dict.fromkeys(first.rome_codes + other.rome_codes)),
        job_titles=tuple(dict.fromkeys(first.job_titles + other.job_titles)),
        kinds=sort_kinds(first.kinds + other.kinds),
        rows=first.rows + other.rows,
        fields_present=first.fields_present | other.fields_present,
    )


def enrich_siae(
    records: list[StructureRecord], additional: list[StructureRecord]
) -> tuple[list[StructureRecord], list[str]]:
    """Add websites and ROME codes of the companion file to the main records, matched by SIRET.

    Returns the enriched records and the SIRETs of the companion file absent from the main list. For
    provenance, import both results as separate sources: this merge is for previews and tests.
    """
    extra = {record.siret: record for record in additional if record.siret}
    enriched = []
    for record in records:
        more = extra.pop(record.siret, None) if record.siret else None
        if more is None:
            enriched.append(record)
            continue
        added = {name for name in ("website", "rome_codes", "job_titles") if name in more.fields_present}
        enriched.append(
            replace(
                record,
                website=record.website or more.website,
                rome_codes=tuple(dict.fromkeys(record.rome_codes + more.rome_codes)),
                job_titles=tuple(dict.fromkeys(record.job_titles + more.job_titles)),
                fields_present=record.fields_present | (added & set(DATA_FIELDS)),
            )
        )
    return enriched, sorted(extra)
