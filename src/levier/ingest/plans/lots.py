"""Group rows into planned purchases and their lots.

Buyers lay lots out in two ways:
- as sub-rows: a purchase line, then lines "Lot 1 – Nettoyage", "Lot 2 – Vitrerie" (or lines whose
  lot-number column is filled and whose reference is empty, or the same as the parent's when the
  reference cell is merged down);
- as a column: one line per lot, the purchase's reference (or object) repeated or merged down, the lot
  number in a "Lot" column. A lot column may also list the lots in one cell ("Lot 1 : X ; Lot 2 : Y").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from levier.ingest.french_values import format_amount_fr
from levier.ingest.plans.records import LotRecord, PlannedPurchaseRecord
from levier.ingest.plans.rows import RowValues
from levier.rules.text import fold

# (row number, message, code) for a remark on a whole line.
LineReport = Callable[[int, str, str], None]


@dataclass
class _Group:
    record: PlannedPurchaseRecord
    # True when the first line was itself a lot (lots as a column): the purchase's amount is their sum.
    lots_from_rows: bool


def _looks_like_sub_row(row: RowValues, parent: PlannedPurchaseRecord) -> bool:
    """A lot-column line under a purchase line is its lot unless it reads as a purchase of its own.

    A sub-row carries the lot's title (in the object or the lot-title column) and little else; the first
    line of another purchase laid out as one line per lot has its own object and its own dates.
    """
    if row.object and row.lot_title and fold(row.object) != fold(parent.object):
        return False
    own_values = (
        (row.launch_date, parent.launch_date),
        (row.notification_date, parent.notification_date),
        (row.procedure, parent.procedure),
        (row.nature, parent.nature),
        (row.duration_months, parent.duration_months),
    )
    return all(value is None or value == parent_value for value, parent_value in own_values)


def _lot_order(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (10**6, number)


class PurchaseAssembler:
    """Fed the rows of one sheet in order; `finish()` returns the purchases with their lots."""

    def __init__(self, make_record: Callable[[RowValues], PlannedPurchaseRecord], report: LineReport) -> None:
        self._make_record = make_record
        self._report = report
        self._groups: list[_Group] = []

    @property
    def _current(self) -> _Group | None:
        return self._groups[-1] if self._groups else None

    def add(self, row: RowValues) -> bool:
        """Take a row; False when it cannot be a purchase nor a lot (no object), for the caller to reject."""
        current = self._current
        if row.lot_number and current and self._belongs(row, current):
            self._add_lot(current, row)
            return True
        if not row.object:
            return False
        if row.lot_number and row.lot_source == "column":
            record = self._make_record(row)
            group = _Group(record, lots_from_rows=True)
            self._groups.append(group)
            self._add_lot(group, row)
            return True
        if row.lot_number and row.lot_source == "object":
            self._report(
                row.row_number,
                f"Ligne « {row.object} » : lot sans marché au-dessus, importé comme un marché à part.",
                "orphan_lot",
            )
        record = self._make_record(row)
        for number, title in row.lot_list:
            record.lots.append(
                LotRecord(number=number, title=title, stable_key="", row_number=row.row_number)
            )
        self._groups.append(_Group(record, lots_from_rows=False))
        return True

    def _belongs(self, row: RowValues, group: _Group) -> bool:
        record = group.record
        if row.reference:
            return bool(record.reference) and fold(row.reference) == fold(record.reference)
        if (
            record.lots
            and row.lot_number
            and _lot_order(row.lot_number) <= _lot_order(record.lots[-1].number)
        ):
            return False  # numbering starts again: the lots of another purchase
        if row.lot_source == "object":
            return True
        if not group.lots_from_rows:
            return _looks_like_sub_row(row, record)
        # Lots as a column without references: the object, repeated or merged down, ties the lines.
        return not row.object or fold(row.object) == fold(record.object)

    def _add_lot(self, group: _Group, row: RowValues) -> None:
        record = group.record
        title = row.lot_title
        if title is None and row.object and fold(row.object) != fold(record.object):
            title = row.object
        record.lots.append(
            LotRecord(
                number=row.lot_number or str(len(record.lots) + 1),
                title=title,
                stable_key="",
                row_number=row.row_number,
                estimated_amount=row.estimated_amount,
                cpv=row.cpv,
                place=row.place,
            )
        )

    def finish(self) -> list[PlannedPurchaseRecord]:
        for group in self._groups:
            self._settle_amount(group)
        return [group.record for group in self._groups]

    def _settle_amount(self, group: _Group) -> None:
        record = group.record
        if not record.lots or all(lot.estimated_amount is None for lot in record.lots):
            return
        amounts = [lot.estimated_amount for lot in record.lots]
        known = [amount for amount in amounts if amount is not None]
        total = sum(known, Decimal(0))
        if group.lots_from_rows:
            record.estimated_amount = total if len(known) == len(amounts) else None
            if record.estimated_amount is None:
                self._report(
                    record.row_number,
                    "Montant manquant pour certains lots : le montant du marché reste à compléter.",
                    "missing_lot_amount",
                )
        elif record.estimated_amount is None and len(known) == len(amounts):
            record.estimated_amount = total
        elif len(known) == len(amounts) and abs(record.estimated_amount - total) > 1:
            self._report(
                record.row_number,
                f"Le total des lots ({format_amount_fr(total)}) diffère du montant du marché "
                f"({format_amount_fr(record.estimated_amount)}) : à vérifier.",
                "lot_total_mismatch",
            )
