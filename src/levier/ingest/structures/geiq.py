"""The national list of GEIQ (groupements d'employeurs pour l'insertion et la qualification).

One row per GEIQ, `;`-separated, keyed by SIRET. Damage in the November 2019 file: three empty trailing
columns (ignored by the table reader), four SIRETs preceded by a tab (15 characters: kept, reported),
one SIRET with a wrong check digit (rejected: the SIRET is the key), NAF missing on 43 rows.
"""

from __future__ import annotations

from levier.ingest.structures import cleaning as c
from levier.ingest.structures.base import stream_rows
from levier.ingest.structures.records import (
    Kind,
    OfferKind,
    ProgressCallback,
    ReadResult,
    ResultBuilder,
    Source,
    make_record,
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
LABELS = {column.field: column.label for column in COLUMNS}


def read_geiq(path: PathLike, *, progress: ProgressCallback | None = None) -> ReadResult:
    """Read the GEIQ list: one record per SIRET."""
    builder = ResultBuilder(Source.GEIQ, progress)
    seen: dict[str, int] = {}
    for number, row in stream_rows(path, COLUMNS, builder):
        ctx = c.RowContext(number, builder.add)
        check, issue = c.check_siret(row["siret"], is_key=True)
        ctx.report(LABELS["siret"], row["siret"], issue)
        name = c.clean_text(row["name"])
        if name is None:
            ctx.reject(LABELS["name"], row["name"], "name_missing", "nom absent ; ligne rejetée.")
        if ctx.rejected or check.value is None:
            continue
        if check.value in seen:
            ctx.reject(
                LABELS["siret"],
                check.value,
                "duplicate_key",
                f"SIRET {check.value} déjà lu ligne {seen[check.value]} ; ligne rejetée (doublon).",
            )
            continue
        seen[check.value] = number
        postcode, issue = c.clean_postcode(row["postcode"])
        ctx.report(LABELS["postcode"], row["postcode"], issue)
        naf, issue = c.clean_naf(row["naf"])
        ctx.report(LABELS["naf"], row["naf"], issue)
        builder.records.append(
            make_record(
                source=Source.GEIQ.value,
                source_key=check.value,
                siret=check.value,
                siret_status=check.status,
                name=name,
                naf=naf,
                kinds=(Kind.GEIQ.value,),
                # A GEIQ hires and places its employees with member companies: staff provision.
                offer_kinds=(OfferKind.STAFF_PROVISION.value,),
                address=c.clean_text(row["address"]),
                address_complement=c.clean_text(row["address_complement"]),
                postcode=postcode,
                # "BLOIS CEDEX": the city as written; the CEDEX postcode still gives the département.
                city=c.clean_text(row["city"]),
                departement=c.departement_from_postcode(postcode),
                row=number,
                rows=(number,),
            )
        )
    return builder.result()
