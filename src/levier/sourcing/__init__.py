"""Sourcing lists: the candidate structures a buyer gathers for a planned purchase, annotated and exported."""
