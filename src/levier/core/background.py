"""Which web imports run while the page waits and which the task worker takes, by the size of the file.

A small file (a few thousand lines at most) is read, and a plan also committed, in the request: the buyer
sees the preview at once and no worker is needed. A larger one is handed to the task worker, and the
page polls its status and progress. One threshold serves every import page (plans, spend).
"""

from __future__ import annotations

# Files above this size are read (and plans committed) by the task worker while the page shows the progress.
BACKGROUND_BYTES = 256 * 1024


def in_background(content: bytes | None) -> bool:
    """Whether the file is large enough to go to the task worker."""
    return content is not None and len(content) > BACKGROUND_BYTES
