"""The national list of ESAT: an export of FINESS (category 246), one row per establishment.

Columns (shared/data/structures/esat_liste_officielle_finess.csv): `EJ-*` describe the legal entity
that runs the ESAT (usually an association), `ET-*` the establishment itself. The key is the
establishment's FINESS number (`ET-N°FINESS`): the SIRET is missing on some rows and shared by several
establishments on others, so it cannot identify an ESAT. The raw FINESS extraction also gives Lambert-93
coordinates (`coordxet`, `coordyet`), converted to WGS84 when present.
"""

from __future__ import annotations

from levier.ingest.structures import cleaning as c
from levier.ingest.structures.base import RowCells, read_rows
from levier.ingest.structures.lambert93 import in_lambert93_bounds, lambert93_to_wgs84
from levier.ingest.structures.records import (
    Kind,
    ProgressCallback,
    ReadResult,
    ResultBuilder,
    Source,
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
# FINESS writes "Principal" for the head establishment of a SIRET and "Secondaire" for the others.
_MAIN = {"principal": True, "secondaire": False}


def read_esat(path: PathLike, *, progress: ProgressCallback | None = None) -> ReadResult:
    """Read the FINESS list of ESAT: one record per establishment, keyed by its FINESS number."""
    builder = ResultBuilder(Source.ESAT, progress)
    seen_finess: dict[str, int] = {}
    seen_siret: dict[str, tuple[int, str]] = {}
    for row in read_rows(path, COLUMNS, builder):
        finess, issue = c.clean_finess(row["finess"])
        if finess is None:
            raw = row.text("finess")
            message = f"n° FINESS « {raw} » invalide" if raw else "n° FINESS absent"
            row.reject("finess", row["finess"], "finess_missing", f"{message} ; ligne rejetée.")
            continue
        row.report("finess", row["finess"], issue)
        if not row.first_time(seen_finess, finess, "finess", "n° FINESS"):
            continue
        name = row.required_name("raison sociale absente")
        if name is None:
            continue

        check = row.siret(is_key=False)
        siret = check.value
        if siret is not None:
            if siret in seen_siret:
                first_row, first_finess = seen_siret[siret]
                row.report(
                    "siret",
                    siret,
                    c.Issue(
                        "siret_shared",
                        f"SIRET {siret} déjà porté par l'établissement FINESS {first_finess} (ligne "
                        f"{first_row}) : plusieurs ESAT partagent ce SIRET, chacun reste identifié par "
                        "son n° FINESS.",
                    ),
                )
            else:
                seen_siret[siret] = (row.number, finess)

        insee_code = row.read("insee_code", c.clean_insee_code)
        postcode = row.read("postcode", c.clean_postcode)
        departement = row.read("departement", c.clean_departement)
        from_insee = c.departement_from_insee(insee_code)
        if departement and from_insee and departement != from_insee:
            row.report(
                "departement",
                row["departement"],
                c.Issue(
                    "departement_mismatch",
                    f"département {departement} différent de celui du code commune {insee_code} "
                    f"({from_insee}) ; celui du code commune est retenu.",
                ),
            )
            departement = from_insee
        departement = departement or from_insee or c.departement_from_postcode(postcode)

        lat, lon = _coordinates(row)
        establishment_type = (row.text("establishment_type") or "").lower()
        builder.records.append(
            row.record(
                Source.ESAT,
                finess,
                siret=siret,
                siret_status=check.status,
                siret_suggestion=check.suggestion,
                finess=finess,
                operator_finess=row.read("operator_finess", c.clean_finess),
                operator_name=row.text("operator_name"),
                name=name,
                legal_form=row.text("legal_form"),
                kinds=(Kind.ESAT.value,),
                is_head_office=_MAIN.get(establishment_type),
                address=row.text("address"),
                postcode=postcode,
                city=row.text("city"),
                insee_code=insee_code,
                departement=departement,
                region=row.text("region"),
                lat=lat,
                lon=lon,
                capacity=row.read("capacity", lambda raw: c.parse_int(raw, "capacité")),
            )
        )
    return builder.result()


def _coordinates(row: RowCells) -> tuple[float | None, float | None]:
    """WGS84 from latitude/longitude columns, else from the raw FINESS Lambert-93 X/Y."""
    lat, issue = c.parse_float(row["lat"], "latitude")
    row.report("lat", row["lat"], issue)
    lon, issue = c.parse_float(row["lon"], "longitude")
    row.report("lon", row["lon"], issue)
    if lat is None or lon is None:
        x, issue = c.parse_float(row["x"], "coordonnée X")
        row.report("x", row["x"], issue)
        y, issue = c.parse_float(row["y"], "coordonnée Y")
        row.report("y", row["y"], issue)
        if x is None or y is None:
            return None, None
        if not in_lambert93_bounds(x, y):
            # Overseas establishments are given in local projections (UTM): not converted here.
            row.report(
                "x",
                f"{x} {y}",
                c.Issue(
                    "coordinates_not_lambert93",
                    f"coordonnées X={x:.0f}, Y={y:.0f} hors de la métropole (pas en Lambert-93) ; ignorées.",
                ),
            )
            return None, None
        lat, lon = lambert93_to_wgs84(x, y)
    lat, lon, issue = c.check_lat_lon(lat, lon)
    row.report("lat", f"{lat} {lon}", issue)
    return lat, lon
