"""Where the tests find the real public data: ../shared/data beside the repository (never copied into it)."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("LEVIER_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
