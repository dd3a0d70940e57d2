"""Readers of the official lists of inclusive structures: pure functions from a file to typed records.

Each reader streams its file once and returns a `ReadResult` (records, French row errors, counts); none
touches the database. See docs/formats/structures.md for the formats and the damage they handle.
"""

from levier.ingest.structures.ea import COLUMNS as EA_COLUMNS
from levier.ingest.structures.ea import read_ea, suggest_ea_mapping
from levier.ingest.structures.esat import read_esat
from levier.ingest.structures.geiq import read_geiq
from levier.ingest.structures.lambert93 import lambert93_to_wgs84, wgs84_to_lambert93
from levier.ingest.structures.lemarche import read_lemarche
from levier.ingest.structures.records import (
    Kind,
    OfferKind,
    ReadCounts,
    ReadResult,
    SiaeMeasure,
    Source,
    StructureRecord,
)
from levier.ingest.structures.siae import enrich_siae, read_siae, read_siae_additional

__all__ = [
    "EA_COLUMNS",
    "Kind",
    "OfferKind",
    "ReadCounts",
    "ReadResult",
    "SiaeMeasure",
    "Source",
    "StructureRecord",
    "enrich_siae",
    "lambert93_to_wgs84",
    "read_ea",
    "read_esat",
    "read_geiq",
    "read_lemarche",
    "read_siae",
    "read_siae_additional",
    "suggest_ea_mapping",
    "wgs84_to_lambert93",
]
