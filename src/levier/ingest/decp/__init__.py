"""Streaming readers of the DECP (données essentielles de la commande publique): the 2019 format and the
format in force since 2024, in JSON and XML, and the consolidated tabular file (CSV or Parquet).

`read_contracts(path, report)` yields one normalised `Contract` per awarded contract, modifications
applied, and counts in `report` every rejected record and every repaired or dropped value by reason.
docs/formats/decp.md describes what is read and why.
"""

from .reader import ReadReport, read_contracts
from .records import Contract, Holder
from .sources import FORMAT_LABELS_FR, DecpFormatError

__all__ = ["FORMAT_LABELS_FR", "Contract", "DecpFormatError", "Holder", "ReadReport", "read_contracts"]
