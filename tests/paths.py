"""Where the tests find the real public data: ../shared/data beside the repository (never copied into it)."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("LEVIER_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))

# The national lists of inclusive structures, as published (see ../shared/data/SOURCES.md).
STRUCTURES = SHARED_DATA / "structures"
ESAT_FILE = STRUCTURES / "esat_liste_officielle_finess.csv"
SIAE_FILE = STRUCTURES / "siae_asp_2019_07.csv"
SIAE_ADDITIONAL_FILE = STRUCTURES / "siae_asp_2019_07_additional.csv"
GEIQ_FILE = STRUCTURES / "geiq_2019_11.csv"
