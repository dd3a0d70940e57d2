"""What a structure-list reader produces: one `StructureRecord` per structure (or ESAT establishment),
the row errors, and counts, gathered in a `ReadResult`.

Records are frozen and hold tuples, so two reads of the same file compare equal: the import service
relies on that to show "nothing changed" and to stay idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import StrEnum

from levier.ingest.errors import RowError, Severity, count_by_code


class Source(StrEnum):
    ESAT = "esat"
    SIAE = "siae"
    GEIQ = "geiq"
    EA = "ea"
    LEMARCHE = "lemarche"


class Kind(StrEnum):
    """Kinds of inclusive structures (DESIGN.md §3), in the order they are listed to users."""

    ACI = "ACI"
    AI = "AI"
    EI = "EI"
    ETTI = "ETTI"
    EITI = "EITI"
    GEIQ = "GEIQ"
    EA = "EA"
    EATT = "EATT"
    ESAT = "ESAT"
    SEP = "SEP"


KIND_ORDER = {kind.value: index for index, kind in enumerate(Kind)}


class OfferKind(StrEnum):
    """What a structure offers (DESIGN.md §3): services, staff provision, goods made."""

    SERVICES = "services"
    STAFF_PROVISION = "staff_provision"
    GOODS = "goods"


def sort_kinds(kinds: set[str] | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(kinds), key=lambda kind: KIND_ORDER.get(kind, len(KIND_ORDER))))


@dataclass(frozen=True, slots=True)
class SiaeMeasure:
    """One row of the ASP list: a structure holds a measure (kind) under a convention in a département.

    The 2019 ASP file has no convention number: (SIRET, kind, convention département) identifies the
    measure. Newer exports carry an ASP identifier, kept in `asp_id` when present.
    """

    kind: str
    convention_departement: str | None
    row: int
    asp_id: str | None = None


@dataclass(frozen=True, slots=True)
class StructureRecord:
    """One structure as a source describes it; None (or empty) means the source did not say."""

    source: str
    # The idempotency key within the source: FINESS number of the establishment for ESAT, SIRET for
    # the ASP, GEIQ and EA lists, le marché's id for its API (its antennas share their head office SIRET).
    source_key: str
    siret: str | None = None
    siret_status: str = "empty"
    # A 13-digit SIRET whose 0-prefixed form is valid: offered to a human, never used silently.
    siret_suggestion: str | None = None
    finess: str | None = None
    # The legal entity managing an ESAT establishment (FINESS "EJ"): one association runs several ESAT.
    operator_finess: str | None = None
    operator_name: str | None = None
    name: str | None = None
    brand: str | None = None
    legal_form: str | None = None
    naf: str | None = None
    kinds: tuple[str, ...] = ()
    measures: tuple[SiaeMeasure, ...] = ()
    offer_kinds: tuple[str, ...] = ()
    is_head_office: bool | None = None
    is_active: bool | None = None
    address: str | None = None
    address_complement: str | None = None
    postcode: str | None = None
    city: str | None = None
    insee_code: str | None = None
    departement: str | None = None
    region: str | None = None
    lat: float | None = None
    lon: float | None = None
    # ESAT: authorised places ("capacité autorisée agrégée" in FINESS).
    capacity: int | None = None
    website: str | None = None
    sectors: tuple[str, ...] = ()
    rome_codes: tuple[str, ...] = ()
    job_titles: tuple[str, ...] = ()
    # Where the record comes from in the file: first row, and every row merged into it.
    row: int = 0
    rows: tuple[int, ...] = ()
    # Names of the fields above that the source actually filled, for per-field provenance.
    fields_present: frozenset[str] = frozenset()


# Bookkeeping fields never count as "present" data from the source.
_NOT_DATA = {"source", "source_key", "siret_status", "row", "rows", "fields_present"}
DATA_FIELDS = tuple(f.name for f in fields(StructureRecord) if f.name not in _NOT_DATA)


def make_record(**values: object) -> StructureRecord:
    """Build a record and compute `fields_present` from the values actually given."""
    present = frozenset(
        name for name in DATA_FIELDS if values.get(name) not in (None, "", (), [], frozenset())
    )
    return StructureRecord(**values, fields_present=present)  # type: ignore[arg-type]


def row_record(source: Source, key: str, row: int, **values: object) -> StructureRecord:
    """The record one row (or JSON item) makes by itself, keyed by `key` in its source."""
    return make_record(source=source.value, source_key=key, row=row, rows=(row,), **values)


@dataclass
class ReadCounts:
    rows_read: int = 0
    records: int = 0
    rows_rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    warnings_by_reason: dict[str, int] = field(default_factory=dict)


@dataclass
class ReadResult:
    """Everything a reader found. `errors` holds both rejections (ERROR) and repairs (WARNING)."""

    source: str
    records: list[StructureRecord]
    errors: list[RowError]
    counts: ReadCounts
    # Encoding, delimiter, header row, ignored columns...: shown in the preview.
    file_info: dict[str, object] = field(default_factory=dict)

    @property
    def file_errors(self) -> list[RowError]:
        """Problems with the whole file (row None): when any is an ERROR, no record was read."""
        return [error for error in self.errors if error.row is None]

    @property
    def ok(self) -> bool:
        return not any(error.is_error and error.row is None for error in self.errors)

    def by_key(self) -> dict[str, StructureRecord]:
        return {record.source_key: record for record in self.records}


ProgressCallback = Callable[[int, int | None], None]


class ResultBuilder:
    """Collects records, errors and counts while a reader streams a file."""

    # Call the progress hook every this many rows: often enough for a bar, cheap enough to ignore.
    PROGRESS_EVERY = 200

    def __init__(self, source: Source, progress: ProgressCallback | None = None) -> None:
        self.source = source
        self.records: list[StructureRecord] = []
        self.errors: list[RowError] = []
        self.rows_read = 0
        self.rejected_rows: set[int] = set()
        self.total: int | None = None
        self._progress = progress
        self.file_info: dict[str, object] = {}

    def row_done(self) -> None:
        self.rows_read += 1
        if self._progress is not None and self.rows_read % self.PROGRESS_EVERY == 0:
            self._progress(self.rows_read, self.total)

    def add(self, error: RowError) -> None:
        self.errors.append(error)
        if error.severity == Severity.ERROR and error.row is not None:
            self.rejected_rows.add(error.row)

    def result(self) -> ReadResult:
        if self._progress is not None:
            self._progress(self.rows_read, self.total if self.total is not None else self.rows_read)
        errors = sorted(self.errors, key=lambda e: (e.row is not None, e.row or 0))
        counts = ReadCounts(
            rows_read=self.rows_read,
            records=len(self.records),
            rows_rejected=len(self.rejected_rows),
            rejected_by_reason=count_by_code(errors, Severity.ERROR),
            warnings_by_reason=count_by_code(errors, Severity.WARNING),
        )
        return ReadResult(
            source=self.source.value,
            records=self.records,
            errors=errors,
            counts=counts,
            file_info=self.file_info,
        )
