"""Readers of the official lists of inclusive structures (ESAT, SIAE, GEIQ, EA, le marché de l'inclusion)."""
