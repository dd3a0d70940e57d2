"""Accounting exports (mandats, factures) read into typed spend records.

See reader.py and docs/formats/spend.md.
"""

from levier.ingest.spend.reader import COLUMNS, SpendRead, SpendRecord, read_spend

__all__ = ["COLUMNS", "SpendRead", "SpendRecord", "read_spend"]
