"""Entreprises adaptées (EA, EATT) from whatever CSV or XLSX the ministry or a network sends.

No national file could be found as open data and its columns change from one edition to the next, so
this reader works through a column mapping: target field → the file's header. The mapping can be given
as a dict, a JSON or TOML file, or left out: `suggest_ea_mapping` then guesses it from header synonyms
(and completes a partial mapping the same way). Rows are keyed by SIRET; two rows with one SIRET (an
EA and its EATT activity) are merged into one record with both kinds.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from levier.ingest.errors import RowError
from levier.ingest.structures import cleaning as c
from levier.ingest.structures.base import read_rows
from levier.ingest.structures.records import (
    Kind,
    ProgressCallback,
    ReadResult,
    ResultBuilder,
    Source,
    sort_kinds,
)
from levier.ingest.tabular import Column, PathLike, load_mapping, normalize_header, suggest_mapping

# Order matters for guessing: specific fields before the vaguer ones whose synonyms they contain
# ("nom commercial" before "nom", "code commune" before "commune", "complément d'adresse" before
# "adresse").
COLUMNS = [
    Column(
        "siret",
        "SIRET",
        ("n siret", "numero siret", "siret etablissement", "siret de l etablissement", "no siret"),
        True,
    ),
    Column("brand", "enseigne", ("nom commercial", "enseigne commerciale")),
    Column(
        "name",
        "raison sociale",
        (
            "denomination",
            "denomination sociale",
            "nom de l ea",
            "nom de la structure",
            "nom de l entreprise",
            "nom de l entreprise adaptee",
            "entreprise adaptee",
            "structure",
            "nom",
        ),
        True,
    ),
    Column("kind", "type", ("type de structure", "categorie", "ea eatt", "type d ea")),
    Column("legal_form", "forme juridique", ("statut juridique", "nature juridique")),
    Column("naf", "code NAF", ("naf", "code ape", "ape", "activite principale", "naf ape")),
    Column("address_complement", "complément d'adresse", ("adresse ligne 2", "complement", "adresse 2")),
    Column(
        "address", "adresse", ("adresse postale", "adresse ligne 1", "voie", "numero et voie", "adresse 1")
    ),
    Column("postcode", "code postal", ("cp", "code postal etablissement")),
    Column("insee_code", "code commune", ("code insee", "code commune insee", "cog", "insee")),
    Column("city", "commune", ("ville", "localite", "libelle commune")),
    Column("departement", "département", ("code departement", "dept", "dpt", "departement")),
    Column("region", "région", ("region",)),
    Column("lat", "latitude", ("lat",)),
    Column("lon", "longitude", ("lon", "lng")),
    Column("website", "site web", ("site internet", "url", "site")),
    Column("sectors", "secteurs d'activité", ("secteurs", "secteur", "activites", "domaines d activite")),
]
LABELS = {column.field: column.label for column in COLUMNS}
FIELDS = tuple(LABELS)


def suggest_ea_mapping(headers: Iterable[str]) -> dict[str, str]:
    """Guess field → header for an EA file from the usual French spellings of its columns."""
    return suggest_mapping(headers, COLUMNS)


def _kind(raw: str) -> tuple[str, c.Issue | None]:
    """EA unless the cell says EATT (temporary work); an unreadable cell keeps EA with a warning."""
    text = normalize_header(raw)
    if not text:
        return Kind.EA.value, None
    words = text.split()
    if "eatt" in words or "travail temporaire" in text:
        return Kind.EATT.value, None
    if "ea" in words or "entreprise adaptee" in text or "entreprises adaptees" in text:
        return Kind.EA.value, None
    return Kind.EA.value, c.Issue("kind_unknown", f"type « {raw.strip()} » non reconnu (EA ou EATT) ; lu EA.")


def _split_list(raw: str) -> tuple[str, ...]:
    parts = [c.clean_text(part) for part in raw.replace("|", ";").replace(",", ";").split(";")]
    return tuple(dict.fromkeys(part for part in parts if part))


def read_ea(
    path: PathLike,
    mapping: Mapping[str, str] | PathLike | None = None,
    *,
    sheet: str | int | None = None,
    progress: ProgressCallback | None = None,
) -> ReadResult:
    """Read a list of entreprises adaptées through a column mapping (dict, JSON/TOML file, or guessed)."""
    builder = ResultBuilder(Source.EA, progress)
    if mapping is not None and not isinstance(mapping, Mapping):
        try:
            mapping = load_mapping(mapping)
        except (OSError, ValueError, json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
            builder.add(
                RowError(
                    row=None,
                    field=None,
                    raw_value=str(mapping),
                    message=f"correspondance de colonnes illisible ({Path(mapping).name} : {error}).",
                    code="mapping_unreadable",
                )
            )
            return builder.result()
    index_by_siret: dict[str, int] = {}
    for row in read_rows(path, COLUMNS, builder, mapping=mapping, sheet=sheet):
        check = row.siret(is_key=True)
        name = row.required_name("raison sociale absente")
        if row.rejected or check.value is None:
            continue
        kind = row.read("kind", _kind)
        siret = check.value
        if siret in index_by_siret:
            index = index_by_siret[siret]
            first = builder.records[index]
            same = kind in first.kinds
            row.report(
                "siret",
                siret,
                c.Issue(
                    "duplicate_key",
                    f"SIRET {siret} déjà lu ligne {first.row} ; "
                    + ("ligne en double, ignorée." if same else f"type {kind} ajouté à cette structure."),
                ),
            )
            builder.records[index] = replace(
                first, kinds=sort_kinds((*first.kinds, kind)), rows=(*first.rows, row.number)
            )
            continue
        postcode = row.read("postcode", c.clean_postcode)
        insee_code = row.read("insee_code", c.clean_insee_code)
        departement = row.read("departement", c.clean_departement)
        departement = (
            departement or c.departement_from_insee(insee_code) or c.departement_from_postcode(postcode)
        )
        lat = row.read("lat", lambda raw: c.parse_float(raw, "latitude"))
        lon = row.read("lon", lambda raw: c.parse_float(raw, "longitude"))
        lat, lon, issue = c.check_lat_lon(lat, lon)
        row.report("lat", row["lat"], issue)
        index_by_siret[siret] = len(builder.records)
        builder.records.append(
            row.record(
                Source.EA,
                siret,
                siret=siret,
                siret_status=check.status,
                name=name,
                brand=row.text("brand"),
                legal_form=row.text("legal_form"),
                naf=row.read("naf", c.clean_naf),
                kinds=(kind,),
                address=row.text("address"),
                address_complement=row.text("address_complement"),
                postcode=postcode,
                city=row.text("city"),
                insee_code=insee_code,
                departement=departement,
                region=row.text("region"),
                lat=lat,
                lon=lon,
                website=row.text("website"),
                sectors=_split_list(row["sectors"]),
            )
        )
    return builder.result()
