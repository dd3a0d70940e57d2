"""Small builders for the screening tests: structures around real places, purchases with sensible defaults."""

from __future__ import annotations

from datetime import date

from levier.screening import PlaceInput, PurchaseInput, StructureEntry

AFTER_OBLIGATION = date(2027, 3, 1)  # L2112-2-1 in force
BEFORE_OBLIGATION = date(2026, 6, 1)

LYON = PlaceInput(label="Lyon", commune="69123", departement="69", lat=45.764, lon=4.836)
VILLEURBANNE = PlaceInput(label="Villeurbanne", commune="69266", departement="69", lat=45.767, lon=4.880)
GRENOBLE = PlaceInput(label="Grenoble", commune="38185", departement="38", lat=45.188, lon=5.724)
VOIRON = PlaceInput(label="Voiron", commune="38563", departement="38", lat=45.364, lon=5.589)
VIENNE = PlaceInput(label="Vienne", commune="38544", departement="38", lat=45.525, lon=4.874)
BOURGOIN = PlaceInput(label="Bourgoin-Jallieu", commune="38053", departement="38", lat=45.586, lon=5.274)
GIVORS = PlaceInput(label="Givors", commune="69091", departement="69", lat=45.590, lon=4.769)
VILLEFRANCHE = PlaceInput(
    label="Villefranche-sur-Saône", commune="69264", departement="69", lat=45.989, lon=4.718
)


def structure(
    sid: int,
    kind: str,
    sector: str,
    near: PlaceInput = LYON,
    *,
    turnover: float | None = 2_000_000,
    radius: float | None = 40,
    siret: str = "",
    **extra,
) -> StructureEntry:
    return StructureEntry(
        id=sid,
        name=f"{kind} {sector} {sid}",
        kinds=(kind,),
        sectors=(sector,),
        siret=siret,
        lat=near.lat,
        lon=near.lon,
        departement=near.departement or "",
        area_kind="radius" if radius else "",
        area_radius_km=radius,
        turnover=turnover,
        **extra,
    )


def purchase(
    cpv: str, annual: float, *, place: PlaceInput = LYON, months: int = 36, **extra
) -> PurchaseInput:
    values = dict(
        key=f"achat-{cpv}",
        object=f"Achat {cpv}",
        cpv=cpv,
        nature="services",
        annual_amount=annual,
        duration_months=months,
        launch_date=AFTER_OBLIGATION,
        place=place,
    )
    values.update(extra)
    return PurchaseInput(**values)
