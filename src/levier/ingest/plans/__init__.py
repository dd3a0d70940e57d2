"""Reader of buyers' purchase plans (plan d'action des achats): xlsx, ods and csv, as buyers keep them.

    from levier.ingest.plans import read_plan
    result = read_plan("programmation_2027.xlsx", mapping={"reference": "N° interne"})
    for purchase in result.purchases: ...
    for problem in result.errors + result.warnings: print(problem.message_fr)

Pure Python: the Django side stores the mapping per organisation, diffs `stable_key`s against the
previous import and commits atomically.
"""

from levier.ingest.plans.headers import FIELD_LABELS_FR, FIELDS, match_header, normalise_header
from levier.ingest.plans.reader import read_plan
from levier.ingest.plans.records import (
    AmountBasis,
    LotRecord,
    PlannedPurchaseRecord,
    PlanReadResult,
    SheetReport,
    SkippedSheet,
)

__all__ = [
    "FIELDS",
    "FIELD_LABELS_FR",
    "AmountBasis",
    "LotRecord",
    "PlanReadResult",
    "PlannedPurchaseRecord",
    "SheetReport",
    "SkippedSheet",
    "match_header",
    "normalise_header",
    "read_plan",
]
