"""What the plan reader yields: plain records of planned purchases and lots, and the report of one read.

Plain dataclasses, no database: the Django side turns them into models, diffs them against the previous
import by `stable_key`, and shows `errors`/`warnings` in the preview.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from decimal import Decimal

from levier.ingest.errors import RowError
from levier.ingest.french_values import ApproxDate, Nature


class AmountBasis(enum.StrEnum):
    """What the estimated amount covers: buyers write either a yearly figure or the whole duration."""

    PER_YEAR = "per_year"
    WHOLE_DURATION = "whole_duration"
    UNKNOWN = "unknown"


@dataclass
class LotRecord:
    """One lot of a planned purchase, read from a sub-row or from a lot column."""

    number: str
    title: str | None
    stable_key: str
    row_number: int
    estimated_amount: Decimal | None = None
    cpv: str | None = None
    place: str | None = None


@dataclass
class PurchaseValues:
    """What one line of a plan says about a purchase: filled in by the row parser, carried to the record."""

    sheet: str
    row_number: int
    reference: str | None = None
    service: str | None = None
    buyer: str | None = None
    nature: Nature | None = None
    cpv: str | None = None
    estimated_amount: Decimal | None = None
    amount_basis: AmountBasis = AmountBasis.UNKNOWN
    # True when the buyer typed a TTC figure: kept as typed, flagged, never converted silently.
    amount_includes_tax: bool = False
    duration_months: int | None = None
    launch_date: ApproxDate | None = None
    notification_date: ApproxDate | None = None
    place: str | None = None
    procedure: str | None = None
    current_holder_name: str | None = None
    current_holder_siret: str | None = None
    current_contract_end: ApproxDate | None = None
    recurring: bool | None = None


PURCHASE_VALUES = tuple(f.name for f in fields(PurchaseValues))


@dataclass(kw_only=True)
class PlannedPurchaseRecord(PurchaseValues):
    """One line of a purchase plan (a planned consultation), with its lots."""

    stable_key: str
    object: str
    plan_year: int | None = None
    lots: list[LotRecord] = field(default_factory=list)

    def yearly_amount(self) -> Decimal | None:
        """The amount for one year, which is what the capacity of a structure is compared with."""
        if self.estimated_amount is None:
            return None
        if self.amount_basis is AmountBasis.PER_YEAR:
            return self.estimated_amount
        if self.amount_basis is AmountBasis.WHOLE_DURATION and self.duration_months:
            if self.duration_months <= 12:
                return self.estimated_amount
            return self.estimated_amount * 12 / self.duration_months
        return None

    def total_amount(self) -> Decimal | None:
        """The amount over the whole duration, which is what the procurement thresholds are judged on."""
        if self.estimated_amount is None:
            return None
        if self.amount_basis is AmountBasis.WHOLE_DURATION:
            return self.estimated_amount
        if self.amount_basis is AmountBasis.PER_YEAR and self.duration_months:
            return self.estimated_amount * max(self.duration_months, 12) / 12
        return None


@dataclass
class SheetReport:
    """How one sheet was read: where its header was and which column feeds which field."""

    name: str
    header_row: int
    column_mapping: dict[str, str]
    unmapped_columns: list[str]
    purchases: int = 0


@dataclass
class SkippedSheet:
    name: str
    reason: str


@dataclass
class PlanReadResult:
    purchases: list[PlannedPurchaseRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    sheets_read: list[SheetReport] = field(default_factory=list)
    sheets_skipped: list[SkippedSheet] = field(default_factory=list)

    @property
    def header_row(self) -> int | None:
        """Header row of the first sheet read (each sheet's own is in `sheets_read`)."""
        return self.sheets_read[0].header_row if self.sheets_read else None

    @property
    def column_mapping(self) -> dict[str, str]:
        """field -> column header, over every sheet read (the first sheet wins on a conflict)."""
        merged: dict[str, str] = {}
        for sheet in self.sheets_read:
            for field_name, header in sheet.column_mapping.items():
                merged.setdefault(field_name, header)
        return merged

    @property
    def unmapped_columns(self) -> list[str]:
        """Headers that fed no field, once each, in order: the rows of the mapping screen."""
        seen: dict[str, None] = {}
        for sheet in self.sheets_read:
            for header in sheet.unmapped_columns:
                seen.setdefault(header, None)
        return list(seen)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.sheets_read)
