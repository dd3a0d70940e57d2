"""The national list of ESAT: an export of FINESS (category 246), one row per establishment.

Columns (shared/data/structures/esat_liste_officielle_finess.csv): `EJ-*` describe the legal entity
that runs the ESAT (usually an association), `ET-*` the establishment itself. The key is the
establishment's FINESS number (`ET-N°FINESS`): the SIRET is missing on some rows and shared by several
establishments on others, so it cannot identify an ESAT. The raw FINESS extraction also gives Lambert-93
coordinates (`coordxet`, `coordyet`), converted to WGS84 when present.
"""

from __future__ import annotations

from collections.abc import Callable

from levier.ingest.structures import cleaning as c
from levier.ingest.structures.base import RowView, stream_rows
from levier.ingest.structures.lambert93 import in_lambert93_bounds, lambert93_to_wgs84
from levier.ingest.structures.records import (
    Kind,
    ProgressCallback,
    ReadResult,
    ResultBuilder,
    Source,
    make_record,
)
from levier.ingest.tabular import Column, PathLike

COLUMNS = [
    Column("finess", "n° FINESS", ("ET-N°FINESS", "nofinesset", "FINESS ET", "FINESS établissement"), True),
    Column("operator_finess", "n° FINESS EJ", ("EJ-N°FINESS", "nofinessej", "FINESS EJ")),
    Column("name", "raison sociale", ("ET-Raison sociale", "rs", "rslongue"), True),
    Column("operator_name", "raison sociale EJ", ("EJ-Raison sociale", "rsej")),
    Column("legal_form", "statut juridique", ("EJ-Statut juridique Libellé", "libstatutjuridique")),
    Column("siret", "SIRET", ("ET-SIRET", "siret")),
    Column("address", "adresse", ("ET-Adresse",)),
    Column("postcode", "code postal", ("ET-Code Postal",)),
    Column("establishment_type", "type d'établissement", ("ET-Type",)),
    Column("region", "région", ("ET-Région Libellé",)),
    Column("departement", "département", ("ET-Département Code", "departement")),
    Column("insee_code", "code commune", ("ET-Commune Code", "commune")),
    Column("city", "commune", ("ET-Commune Libellé", "libcommune")),
    Column("capacity", "capacité autorisée", ("Capacité autorisée agrégée", "capacite autorisee")),
    Column("x", "coordonnée X", ("coordxet", "coord x", "coordonnee x", "X")),
    Column("y", "coordonnée Y", ("coordyet", "coord y", "coordonnee y", "Y")),
    Column("lat", "latitude", ("lat",)),
    Column("lon", "longitude", ("lon", "lng")),
]
LABELS = {column.field: column.label for column in COLUMNS}

Cleaner = Callable[[str], tuple[object, c.Issue | None]]

# FINESS writes "Principal" for the head establishment of a SIRET and "Secondaire" for the others.
_MAIN = {"principal": True, "secondaire": False}


def read_esat(path: PathLike, *, progress: ProgressCallback | None = None) -> ReadResult:
    """Read the FINESS list of ESAT: one record per establishment, keyed by its FINESS number."""
    builder = ResultBuilder(Source.ESAT, progress)
    seen_finess: dict[str, int] = {}
    seen_siret: dict[str, tuple[int, str]] = {}
    for number, row in stream_rows(path, COLUMNS, builder):
        ctx = c.RowContext(number, builder.add)

        def read(field: str, cleaner: Cleaner, ctx: c.RowContext = ctx, row: RowView = row) -> object:
            value, issue = cleaner(row[field])
            ctx.report(LABELS[field], row[field], issue)
            return value

        finess, issue = c.clean_finess(row["finess"])
        if finess is None:
            raw = c.clean_text(row["finess"])
            message = f"n° FINESS « {raw} » invalide" if raw else "n° FINESS absent"
            ctx.reject(LABELS["finess"], row["finess"], "finess_missing", f"{message} ; ligne rejetée.")
            continue
        ctx.report(LABELS["finess"], row["finess"], issue)
        if finess in seen_finess:
            ctx.reject(
                LABELS["finess"],
                finess,
                "duplicate_key",
                f"n° FINESS {finess} déjà lu ligne {seen_finess[finess]} ; ligne rejetée (doublon).",
            )
            continue
        seen_finess[finess] = number
        name = c.clean_text(row["name"])
        if name is None:
            ctx.reject(LABELS["name"], row["name"], "name_missing", "raison sociale absente ; ligne rejetée.")
            continue

        check, issue = c.check_siret(row["siret"], is_key=False)
        ctx.report(LABELS["siret"], row["siret"], issue)
        siret = check.value
        if siret is not None:
            if siret in seen_siret:
                first_row, first_finess = seen_siret[siret]
                ctx.report(
                    LABELS["siret"],
                    siret,
                    c.Issue(
                        "siret_shared",
                        f"SIRET {siret} déjà porté par l'établissement FINESS {first_finess} (ligne "
                        f"{first_row}) : plusieurs ESAT partagent ce SIRET, chacun reste identifié par "
                        "son n° FINESS.",
                    ),
                )
            else:
                seen_siret[siret] = (number, finess)

        insee_code = read("insee_code", c.clean_insee_code)
        postcode = read("postcode", c.clean_postcode)
        departement = read("departement", c.clean_departement)
        from_insee = c.departement_from_insee(insee_code)
        if departement and from_insee and departement != from_insee:
            ctx.report(
                LABELS["departement"],
                row["departement"],
                c.Issue(
                    "departement_mismatch",
                    f"département {departement} différent de celui du code commune {insee_code} "
                    f"({from_insee}) ; celui du code commune est retenu.",
                ),
            )
            departement = from_insee
        departement = departement or from_insee or c.departement_from_postcode(postcode)

        lat, lon = _coordinates(row, ctx)
        establishment_type = (c.clean_text(row["establishment_type"]) or "").lower()
        builder.records.append(
            make_record(
                source=Source.ESAT.value,
                source_key=finess,
                siret=siret,
                siret_status=check.status,
                siret_suggestion=check.suggestion,
                finess=finess,
                operator_finess=read("operator_finess", c.clean_finess),
                operator_name=c.clean_text(row["operator_name"]),
                name=name,
                legal_form=c.clean_text(row["legal_form"]),
                kinds=(Kind.ESAT.value,),
                is_head_office=_MAIN.get(establishment_type),
                address=c.clean_text(row["address"]),
                postcode=postcode,
                city=c.clean_text(row["city"]),
                insee_code=insee_code,
                departement=departement,
                region=c.clean_text(row["region"]),
                lat=lat,
                lon=lon,
                capacity=read("capacity", lambda raw: c.parse_int(raw, "capacité")),
                row=number,
                rows=(number,),
            )
        )
    return builder.result()


def _coordinates(row, ctx: c.RowContext) -> tuple[float | None, float | None]:
    """WGS84 from latitude/longitude columns, else from the raw FINESS Lambert-93 X/Y."""
    lat, issue = c.parse_float(row["lat"], "latitude")
    ctx.report(LABELS["lat"], row["lat"], issue)
    lon, issue = c.parse_float(row["lon"], "longitude")
    ctx.report(LABELS["lon"], row["lon"], issue)
    if lat is None or lon is None:
        x, issue = c.parse_float(row["x"], "coordonnée X")
        ctx.report(LABELS["x"], row["x"], issue)
        y, issue = c.parse_float(row["y"], "coordonnée Y")
        ctx.report(LABELS["y"], row["y"], issue)
        if x is None or y is None:
            return None, None
        if not in_lambert93_bounds(x, y):
            # Overseas establishments are given in local projections (UTM): not converted here.
            ctx.report(
                LABELS["x"],
                f"{x} {y}",
                c.Issue(
                    "coordinates_not_lambert93",
                    f"coordonnées X={x:.0f}, Y={y:.0f} hors de la métropole (pas en Lambert-93) ; ignorées.",
                ),
            )
            return None, None
        lat, lon = lambert93_to_wgs84(x, y)
    lat, lon, issue = c.check_lat_lon(lat, lon)
    ctx.report(LABELS["lat"], f"{lat} {lon}", issue)
    return lat, lon
