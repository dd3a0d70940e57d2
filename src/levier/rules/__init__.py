"""The trade's rules and dated reference data. Pure Python: never import Django here."""
