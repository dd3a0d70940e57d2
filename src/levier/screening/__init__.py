"""The recommendation engine and the lot optimiser. Pure Python: never import Django here."""

from levier.screening.engine import amounts, screen, screen_many
from levier.screening.index import DirectoryIndex, structure_capacity
from levier.screening.model import (
    Candidate,
    Factor,
    LotInput,
    LotScreening,
    LotSplit,
    Option,
    PlaceInput,
    Policy,
    PurchaseInput,
    Screening,
    SplitLot,
    StructureEntry,
)

__all__ = [
    "Candidate",
    "DirectoryIndex",
    "Factor",
    "LotInput",
    "LotScreening",
    "LotSplit",
    "Option",
    "PlaceInput",
    "Policy",
    "PurchaseInput",
    "Screening",
    "SplitLot",
    "StructureEntry",
    "amounts",
    "screen",
    "screen_many",
    "structure_capacity",
]
