"""The recommendation engine and the lot optimiser. Pure Python: never import Django here."""
