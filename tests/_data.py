"""Where the tests find the shared research data (never copied into the repository).

``INTERACTKIT_SHARED_DATA`` names the folder explicitly; otherwise it is ``../shared/data`` next
to the checkout. Tests that need it are skipped, with the reason, when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED_DATA = Path(
    os.environ.get(
        "INTERACTKIT_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)
