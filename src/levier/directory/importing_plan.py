"""How an import decides, record by record, what to create, update or leave alone, and writes it.

See importing.py for the rules (keys, matching, priorities between sources, manual edits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import timezone

from levier.core.bulk_insert import insert, insert_rows
from levier.ingest.errors import RowError, Severity
from levier.ingest.structures import StructureRecord
from levier.rules.geography import shipped_departements
from levier.rules.sectors import load_taxonomy

from .importing_report import ImportReport, Outcome
from .inference import infer_sectors, map_sector_labels, provision_kinds
from .inference_geo import Geocoder
from .models import (
    KIND_FAMILY,
    Basis,
    Source,
    Structure,
    StructureKind,
    StructureSector,
    StructureSource,
    search_text,
)

# Higher wins; "manual" is never overwritten by an import. Distinct values keep merges order-independent.
PRIORITY = {
    Source.MANUAL: 1000,
    Source.ESAT: 60,
    Source.SIAE: 55,
    Source.GEIQ: 50,
    Source.EA: 45,
    Source.LEMARCHE: 40,
    Source.DEMO: 20,
    Source.INFERRED: 10,
}
# Record field -> Structure field, for the plain values a source gives.
FIELD_MAP = {
    "siret": "siret",
    "finess": "finess",
    "operator_finess": "operator_finess",
    "operator_name": "operator_name",
    "name": "name",
    "brand": "brand",
    "legal_form": "legal_form",
    "naf": "naf",
    "is_head_office": "is_head_office",
    "is_active": "is_active",
    "address": "address",
    "address_complement": "address_complement",
    "postcode": "postcode",
    "city": "city",
    "insee_code": "insee_code",
    "departement": "departement",
    "website": "website",
    "rome_codes": "rome_codes",
    "capacity": "esat_capacity",
}
# Database rows are written in batches of this size (SQLite's variable limit is far above).
BATCH = 500
Progress = Callable[[str, int, int | None], None]


def _chunks(values: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


_MAX_LENGTHS = {
    f.name: f.max_length
    for f in Structure._meta.get_fields()
    if getattr(f, "max_length", None) and f.get_internal_type() in ("CharField", "URLField", "EmailField")
}


@dataclass(slots=True)
class _Link:
    pk: int
    structure_id: int
    data: dict
    fingerprint: str
    last_run_id: int | None


class _Kind(NamedTuple):
    pk: int
    source: str


class _Sector(NamedTuple):
    pk: int
    source: str
    inferred: bool


@dataclass
class _State:
    """What the database holds for the structures an import touches, loaded in a few queries.

    Only structures are model instances (they are compared and written field by field); links, kinds
    and sectors are plain rows, which loads the whole directory several times faster."""

    links: dict[str, _Link]
    structures: dict[int, Structure]
    kinds: dict[int, dict[str, _Kind]]
    sectors: dict[int, dict[str, _Sector]]
    by_finess: dict[str, int]
    by_siret: dict[str, list[int]]
    # Structures already holding a record of this source (they take no other record of it).
    holding_source: set[int]


def load_state(source: str, records: list[StructureRecord]) -> _State:
    links = {
        key: _Link(pk, structure_id, data, fingerprint, last_run_id)
        for pk, key, structure_id, data, fingerprint, last_run_id in StructureSource.objects.filter(
            source=source
        ).values_list("pk", "key", "structure_id", "data", "fingerprint", "last_run_id")
    }
    wanted = {link.structure_id for link in links.values()}
    holding = set(wanted)
    unlinked = [record for record in records if record.source_key not in links]
    by_finess: dict[str, int] = {}
    by_siret: dict[str, list[int]] = {}
    finess = sorted({r.finess for r in unlinked if r.finess})
    sirets = sorted({r.siret for r in unlinked if r.siret})
    for chunk in _chunks(finess):
        for pk, number in Structure.objects.filter(finess__in=chunk).values_list("pk", "finess"):
            by_finess[number] = pk
            wanted.add(pk)
    for chunk in _chunks(sirets):
        for pk, siret in Structure.objects.filter(siret__in=chunk).values_list("pk", "siret"):
            by_siret.setdefault(siret, []).append(pk)
            wanted.add(pk)
    structures: dict[int, Structure] = {}
    kinds: dict[int, dict[str, _Kind]] = {}
    sectors: dict[int, dict[str, _Sector]] = {}
    ids = sorted(wanted)
    if len(ids) > 4 * BATCH and len(ids) * 2 > Structure.objects.count():
        # Most of the directory: one pass over each table beats thousands of bound parameters.
        batches = [None]
    else:
        batches = list(_chunks(ids))
    for chunk in batches:
        structure_qs, kind_qs, sector_qs = (
            model.objects.all() if chunk is None else model.objects.filter(**{lookup: chunk})
            for model, lookup in (
                (Structure, "pk__in"),
                (StructureKind, "structure_id__in"),
                (StructureSector, "structure_id__in"),
            )
        )
        for structure in structure_qs:
            if chunk is None and structure.pk not in wanted:
                continue
            structures[structure.pk] = structure
        for pk, structure_id, kind, kind_source in kind_qs.values_list(
            "pk", "structure_id", "kind", "source"
        ):
            if structure_id in structures:
                kinds.setdefault(structure_id, {})[kind] = _Kind(pk, kind_source)
        for pk, structure_id, sector, sector_source, inferred in sector_qs.values_list(
            "pk", "structure_id", "sector", "source", "inferred"
        ):
            if structure_id in structures:
                sectors.setdefault(structure_id, {})[sector] = _Sector(pk, sector_source, inferred)
    return _State(links, structures, kinds, sectors, by_finess, by_siret, holding)


def _fingerprint(record: StructureRecord) -> str:
    data = {name: getattr(record, name) for name in sorted(record.fields_present)}
    text = json.dumps(data, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source_data(record: StructureRecord) -> dict[str, object]:
    """What a source says that has no column: kept on the link, shown on the structure's page."""
    data: dict[str, object] = {}
    if record.measures:
        data["measures"] = [
            {"kind": m.kind, "convention_departement": m.convention_departement, "asp_id": m.asp_id}
            for m in record.measures
        ]
    if record.job_titles:
        data["job_titles"] = list(record.job_titles)
    if record.siret_suggestion:
        data["siret_suggestion"] = record.siret_suggestion
    if record.siret_status not in ("valid", "empty"):
        data["siret_status"] = record.siret_status
    if record.sectors:
        data["sectors"] = list(record.sectors)
    return data


class Planner:
    """Computes, record by record, the changes an import makes, on in-memory copies of the rows."""

    def __init__(
        self,
        source: str,
        source_date: dt.date,
        state: _State,
        geocoder: Geocoder,
        report: ImportReport,
        run_id: int | None,
        *,
        partial: bool,
    ) -> None:
        self.source = source
        self.date = source_date.isoformat()
        self.state = state
        self.geocoder = geocoder
        self.report = report
        self.run_id = run_id
        self.partial = partial
        self.taxonomy = load_taxonomy()
        self.departements = shipped_departements()
        self.claimed: set[int] = set()
        # Writes to perform.
        self.new_structures: list[Structure] = []
        self.changed_structures: dict[int, set[str]] = {}
        # New child rows as {attname: value}, with the structure they belong to (its pk may come later).
        self.new_links: list[tuple[dict[str, object], Structure]] = []
        self.changed_links: list[_Link] = []
        self.new_kinds: list[tuple[dict[str, object], Structure]] = []
        self.deleted_kinds: list[int] = []
        self.new_sectors: list[tuple[dict[str, object], Structure]] = []
        self.deleted_sectors: list[int] = []
        # Final kinds and sectors of every touched structure (id() of the object), for the search text.
        self.kinds_of: dict[int, dict[str, str]] = {}
        self.sectors_of: dict[int, dict[str, tuple[str, bool]]] = {}

    # Matching.

    def _match(self, record: StructureRecord) -> Structure | None:
        link = self.state.links.get(record.source_key)
        if link is not None:
            return self.state.structures[link.structure_id]
        candidates: list[int] = []
        if record.finess and record.finess in self.state.by_finess:
            candidates = [self.state.by_finess[record.finess]]
        elif record.siret and record.is_head_office is not False:
            candidates = [
                pk
                for pk in self.state.by_siret.get(record.siret, ())
                if pk not in self.state.holding_source
                and not (record.finess and self.state.structures[pk].finess)
            ]
        candidates = [pk for pk in candidates if pk not in self.claimed]
        if not candidates:
            return None
        structures = [self.state.structures[pk] for pk in candidates]
        structures.sort(key=lambda s: (s.is_head_office is not True, s.pk))
        return structures[0]

    # Values.

    def _given(self, record: StructureRecord) -> dict[str, tuple[object, str]]:
        """field -> (value, source) for the plain values the record gives."""
        values: dict[str, tuple[object, str]] = {}
        for name, target in FIELD_MAP.items():
            if name not in record.fields_present:
                continue
            value = getattr(record, name)
            if isinstance(value, tuple):
                value = list(value)
            if isinstance(value, str):
                value = self._fit(record, target, value)
            values[target] = (value, self.source)
        if "esat_capacity" in values:
            values["esat_capacity_basis"] = (Basis.DECLARED.value, self.source)
        if record.lat is not None and record.lon is not None:
            values["lat"] = (record.lat, self.source)
            values["lon"] = (record.lon, self.source)
            values["position_precision"] = ("source", self.source)
        if record.offer_kinds:
            values["provision_kinds"] = (provision_kinds(record.offer_kinds, ())[0], self.source)
        return values

    def _derived(self, structure: Structure) -> dict[str, tuple[object, str]]:
        """What Levier infers from the structure's merged values: position, region, provision kinds.

        Computed after the sources' values are applied, so that every source infers the same thing from
        the same address (the one of the highest-priority source) and no import undoes another's."""
        values: dict[str, tuple[object, str]] = {}
        if self.partial:
            return values
        located = self.geocoder.locate(
            structure.insee_code or None,
            structure.postcode or None,
            structure.city or None,
            structure.departement or None,
        )
        if located is not None:
            values["lat"] = (round(located.lat, 6), Source.INFERRED)
            values["lon"] = (round(located.lon, 6), Source.INFERRED)
            values["position_precision"] = (located.precision, Source.INFERRED)
            if located.insee_code and not structure.insee_code:
                values["insee_code"] = (located.insee_code, Source.INFERRED)
            if not structure.departement:
                values["departement"] = (located.departement, Source.INFERRED)
        dep = self.departements.get(values.get("departement", (structure.departement,))[0] or "")
        if dep is not None:
            values["region"] = (dep.region_code, Source.INFERRED)
        provisions, _inferred = provision_kinds((), self.kinds_of.get(id(structure), {}))
        if provisions:
            values["provision_kinds"] = (provisions, Source.INFERRED)
        return values

    def _fit(self, record: StructureRecord, target: str, value: str) -> str:
        limit = _MAX_LENGTHS.get(target)
        if limit is None or len(value) <= limit:
            return value
        label = Structure._meta.get_field(target).verbose_name
        self.report.errors.append(
            RowError(
                row=record.row,
                field=str(label),
                raw_value=value,
                message=f"valeur de {len(value)} caractères tronquée à {limit} ; ligne conservée.",
                severity=Severity.WARNING,
                code="value_truncated",
                row_label="Élément" if self.source == Source.LEMARCHE else "Ligne",
            )
        )
        return value[:limit]

    def _apply(
        self, structure: Structure, values: dict[str, tuple[object, str]], outcome: Outcome
    ) -> set[str]:
        changed: set[str] = set()
        for name, (value, tag) in values.items():
            entry = structure.provenance.get(name) or {}
            owner = entry.get("source")
            if owner == Source.MANUAL:
                if getattr(structure, name) != value:
                    outcome.kept_manual.append(name)
                continue
            if owner and owner != tag and PRIORITY.get(tag, 0) < PRIORITY.get(owner, 0):
                continue
            if tag == Source.INFERRED:
                # What Levier infers carries no date of its own: only a new value is a change.
                provenance = {"source": tag, "from": self.source}
                unchanged = owner == tag and getattr(structure, name) == value
            else:
                provenance = {"source": tag, "date": self.date}
                same = {k: entry.get(k) for k in provenance} == provenance
                unchanged = same and getattr(structure, name) == value
            if unchanged:
                continue
            setattr(structure, name, value)
            structure.provenance[name] = {**provenance, "run": self.run_id}
            changed.add(name)
        return changed

    # Sets.

    def _sync_kinds(self, structure: Structure, record: StructureRecord) -> bool:
        current = self.state.kinds.get(structure.pk, {}) if structure.pk else {}
        final = {kind: row.source for kind, row in current.items()}
        changed = False
        if not structure.is_manual("kinds"):
            for kind in record.kinds:
                if kind not in final:
                    final[kind] = self.source
                    self.new_kinds.append(
                        (
                            {"kind": kind, "family": KIND_FAMILY[kind], "source": self.source},
                            structure,
                        )
                    )
                    changed = True
            if not self.partial:
                for kind, row in current.items():
                    if row.source == self.source and kind not in record.kinds:
                        self.deleted_kinds.append(row.pk)
                        del final[kind]
                        changed = True
        self.kinds_of[id(structure)] = final
        return changed

    def _sync_sectors(self, structure: Structure, record: StructureRecord) -> bool:
        current = self.state.sectors.get(structure.pk, {}) if structure.pk else {}
        final = {code: (row.source, row.inferred) for code, row in current.items()}
        rows = dict(current)
        if structure.is_manual("sectors") or (self.partial and not record.sectors):
            self.sectors_of[id(structure)] = final
            return False
        # Sector names that map to none of Levier's sectors count as no sectors given.
        given = (
            {sector.code: guessed for sector, guessed in map_sector_labels(record.sectors)}
            if record.sectors
            else {}
        )
        if given:
            desired = given
            desired_source = self.source
            withdrawn = {
                code
                for code, (source, _inferred) in final.items()
                if (source == self.source and code not in desired) or source == Source.INFERRED
            }
        else:
            if any(source != Source.INFERRED for source, _inferred in final.values()):
                self.sectors_of[id(structure)] = final
                return False
            kinds = list(self.kinds_of.get(id(structure), {}))
            desired = {s.code: True for s in infer_sectors(structure.naf or None, structure.name, kinds)}
            desired_source = Source.INFERRED
            withdrawn = {code for code in final if code not in desired}
        changed = False
        for code in withdrawn:
            if code in desired and final[code][0] == desired_source:
                continue
            row = rows.get(code)
            if row is not None:
                self.deleted_sectors.append(row.pk)
            del final[code]
            changed = True
        for code, inferred in desired.items():
            if code in final:
                continue
            final[code] = (desired_source, inferred)
            self.new_sectors.append(
                (
                    {
                        "sector": code,
                        "group": self.taxonomy.get(code).group,
                        "inferred": inferred,
                        "source": desired_source,
                    },
                    structure,
                )
            )
            changed = True
        self.sectors_of[id(structure)] = final
        return changed

    # One record.

    def plan(self, record: StructureRecord) -> Outcome:
        structure = (
            None if self.partial and record.source_key not in self.state.links else self._match(record)
        )
        outcome = Outcome(record.row, record.source_key, record.name or "", "unchanged")
        if structure is None:
            if self.partial or not record.name:
                self.report.errors.append(
                    RowError(
                        row=record.row,
                        field="SIRET",
                        raw_value=record.siret,
                        message=(
                            f"SIRET {record.siret} absent de l'annuaire : importez d'abord la liste "
                            "principale des SIAE ; ligne rejetée."
                        ),
                        code="unknown_structure",
                    )
                )
                outcome.action = "rejected"
                return outcome
            structure = Structure(provenance={})
            self.new_structures.append(structure)
            outcome.action = "created"
        else:
            self.claimed.add(structure.pk)
            outcome.structure_id = structure.pk
        changed = self._apply(structure, self._given(record), outcome)
        kinds_changed = self._sync_kinds(structure, record)
        changed |= self._apply(structure, self._derived(structure), outcome)
        sectors_changed = self._sync_sectors(structure, record)
        self._link(record, structure, outcome)
        if outcome.action != "created" and (changed or kinds_changed or sectors_changed or outcome.fields):
            outcome.action = "updated"
            self.changed_structures.setdefault(structure.pk, set()).update(changed)
        outcome.fields = (
            sorted(changed | set(outcome.fields))
            + (["kinds"] if kinds_changed else [])
            + (["sectors"] if sectors_changed else [])
        )
        self.report.kept_manual += len(outcome.kept_manual)
        return outcome

    def _link(self, record: StructureRecord, structure: Structure, outcome: Outcome) -> None:
        """Link the record to its structure. The SIAE companion file shares the main list's source and
        key: what it says is kept apart, under "companion", so that neither file undoes the other."""
        link = self.state.links.get(record.source_key)
        if self.partial:
            data = {**link.data, "companion": {**_source_data(record), "fingerprint": _fingerprint(record)}}
            fingerprint = link.fingerprint
        else:
            data, fingerprint = _source_data(record), _fingerprint(record)
            if link is not None and "companion" in link.data:
                data["companion"] = link.data["companion"]
        if link is None:
            row = {
                "source": self.source,
                "key": record.source_key,
                "data": data,
                "fingerprint": fingerprint,
                "first_run_id": self.run_id,
                "last_run_id": self.run_id,
            }
            self.new_links.append((row, structure))
            if structure.pk:
                outcome.fields.append("source")
            return
        if link.data != data:
            outcome.fields.append("source")
        if link.data != data or link.fingerprint != fingerprint:
            # A new fingerprint alone (the record changed only in values another source owns) is
            # bookkeeping: written, but the structure is not reported as updated for it.
            link.data, link.fingerprint, link.last_run_id = data, fingerprint, self.run_id
            self.changed_links.append(link)

    def finish_search_text(self) -> None:
        """Search text and SIREN of every created or changed structure, from its final kinds and sectors."""
        for structure in self.new_structures:
            self._refresh(structure)
        for pk in self.changed_structures:
            structure = self.state.structures[pk]
            before = structure.search_text
            self._refresh(structure)
            if structure.search_text != before:
                self.changed_structures[pk].add("search_text")

    def _refresh(self, structure: Structure) -> None:
        kinds = list(self.kinds_of.get(id(structure), {}))
        sectors = list(self.sectors_of.get(id(structure), {}))
        structure.search_text = search_text(structure, kinds, sectors)
        structure.siren = structure.siret[:9] if structure.siret else ""


def write(planner: Planner, progress: Progress | None) -> None:
    steps = 5

    def step(done: int) -> None:
        if progress is not None:
            progress("écriture", done, steps)

    planner.finish_search_text()
    insert(planner.new_structures)
    step(1)
    changed = [planner.state.structures[pk] for pk in planner.changed_structures]
    fields = sorted({name for names in planner.changed_structures.values() for name in names})
    if changed:
        now = timezone.now()
        for structure in changed:
            structure.updated_at = now  # bulk_update does not run auto_now
        Structure.objects.bulk_update(
            changed, [*fields, "provenance", "search_text", "siren", "updated_at"], batch_size=BATCH
        )
    step(2)
    insert_rows(StructureSource, [{**row, "structure_id": s.pk} for row, s in planner.new_links])
    if planner.changed_links:
        StructureSource.objects.bulk_update(
            [
                StructureSource(
                    pk=link.pk, data=link.data, fingerprint=link.fingerprint, last_run_id=link.last_run_id
                )
                for link in planner.changed_links
            ],
            ["data", "fingerprint", "last_run"],
            batch_size=BATCH,
        )
    step(3)
    for chunk in _chunks(planner.deleted_kinds):
        StructureKind.objects.filter(pk__in=chunk).delete()
    insert_rows(StructureKind, [{**row, "structure_id": s.pk} for row, s in planner.new_kinds])
    step(4)
    for chunk in _chunks(planner.deleted_sectors):
        StructureSector.objects.filter(pk__in=chunk).delete()
    insert_rows(StructureSector, [{**row, "structure_id": s.pk} for row, s in planner.new_sectors])
    step(5)
