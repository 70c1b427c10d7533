"""tests/unit: the pure domain, no database. Helpers live in `builders.py` (this folder is
on sys.path under pytest's default import mode; the line below keeps it so under others)."""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
