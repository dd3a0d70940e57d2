"""A purchase plan read from a file (levier.ingest.plans) as the engine's inputs, without a database.

Places are resolved with the rules core's geography (communes when loaded, else départements); a place
that cannot be resolved stays as text and the engine then cannot rule any structure out on the area.
"""

from __future__ import annotations

from collections.abc import Callable

from levier.ingest.plans.records import LotRecord, PlannedPurchaseRecord
from levier.rules.geography import Geography
from levier.screening.model import LotInput, PlaceInput, PurchaseInput

NATURES = {"travaux": "works", "fournitures": "supplies", "services": "services"}


def place_resolver(geography: Geography) -> Callable[[str | None], PlaceInput | None]:
    cache: dict[str, PlaceInput | None] = {}

    def resolve(text: str | None) -> PlaceInput | None:
        if not text:
            return None
        if text not in cache:
            best = geography.resolve_place(text).best
            if best is None:
                cache[text] = PlaceInput(label=text)
            else:
                cache[text] = PlaceInput(
                    label=text,
                    commune=best.code if best.precision == "commune" else None,
                    departement=best.departement,
                    lat=best.lat,
                    lon=best.lon,
                )
        return cache[text]

    return resolve


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _lot(record: LotRecord, purchase: PlannedPurchaseRecord, resolve) -> LotInput:
    # A lot's amount is read in the same basis as its purchase's.
    share = None
    if record.estimated_amount is not None and purchase.estimated_amount:
        share = record.estimated_amount / purchase.estimated_amount
    yearly = purchase.yearly_amount()
    total = purchase.total_amount()
    return LotInput(
        key=record.number,
        title=record.title or "",
        cpv=record.cpv,
        annual_amount=_float(yearly * share) if share is not None and yearly is not None else None,
        total_amount=_float(total * share) if share is not None and total is not None else None,
        place=resolve(record.place) if record.place else None,
    )


def purchase_from_record(record: PlannedPurchaseRecord, resolve) -> PurchaseInput:
    total = record.total_amount()
    yearly = record.yearly_amount()
    if total is None and yearly is None and record.estimated_amount is not None:
        # Basis unknown and no duration: the figure is taken for the whole contract, the cautious reading
        # for the thresholds.
        total = record.estimated_amount
    return PurchaseInput(
        key=record.stable_key,
        object=record.object,
        cpv=record.cpv,
        nature=NATURES.get(record.nature.value) if record.nature else None,
        annual_amount=_float(yearly),
        total_amount=_float(total),
        duration_months=record.duration_months,
        place=resolve(record.place),
        launch_date=record.launch_date.first_day if record.launch_date else None,
        current_holder_siret=record.current_holder_siret or "",
        lots=tuple(_lot(lot, record, resolve) for lot in record.lots),
    )
