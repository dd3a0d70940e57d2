"""The national list of GEIQ (groupements d'employeurs pour l'insertion et la qualification).

One row per GEIQ, `;`-separated, keyed by SIRET. Damage in the November 2019 file: three empty trailing
columns (ignored by the table reader), four SIRETs preceded by a tab (15 characters: kept, reported),
one SIRET with a wrong check digit (rejected: the SIRET is the key), NAF missing on 43 rows.
"""

from __future__ import annotations

from levier.ingest.structures import cleaning as c
from levier.ingest.structures.base import read_rows
from levier.ingest.structures.records import (
    Kind,
    OfferKind,
    ProgressCallback,
    ReadResult,
    ResultBuilder,
    Source,
)
from levier.ingest.tabular import Column, PathLike

COLUMNS = [
    Column("siret", "SIRET", ("SIRET",), True),
    Column("name", "nom", ("GEIQ", "nom du GEIQ", "raison sociale", "denomination"), True),
    Column("address", "adresse", ("ADRESSE",)),
    Column("address_complement", "complément d'adresse", ("COMPLEMENT ADRESSE", "complement d adresse")),
    Column("postcode", "code postal", ("CODE POSTAL", "CP")),
    Column("city", "ville", ("VILLE", "commune")),
    Column("naf", "code NAF", ("NAF", "code APE")),
]


def read_geiq(path: PathLike, *, progress: ProgressCallback | None = None) -> ReadResult:
    """Read the GEIQ list: one record per SIRET."""
    builder = ResultBuilder(Source.GEIQ, progress)
    seen: dict[str, int] = {}
    for row in read_rows(path, COLUMNS, builder):
        check = row.siret(is_key=True)
        name = row.required_name("nom absent")
        if row.rejected or check.value is None:
            continue
        if not row.first_time(seen, check.value, "siret", "SIRET"):
            continue
        postcode = row.read("postcode", c.clean_postcode)
        naf = row.read("naf", c.clean_naf)
        builder.records.append(
            row.record(
                Source.GEIQ,
                check.value,
                siret=check.value,
                siret_status=check.status,
                name=name,
                naf=naf,
                kinds=(Kind.GEIQ.value,),
                # A GEIQ hires and places its employees with member companies: staff provision.
                offer_kinds=(OfferKind.STAFF_PROVISION.value,),
                address=row.text("address"),
                address_complement=row.text("address_complement"),
                postcode=postcode,
                # "BLOIS CEDEX": the city as written; the CEDEX postcode still gives the département.
                city=row.text("city"),
                departement=c.departement_from_postcode(postcode),
            )
        )
    return builder.result()
