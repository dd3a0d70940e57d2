"""Readers of outside formats that yield typed records and row errors. Pure Python, no database."""
