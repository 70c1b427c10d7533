"""Who may read what. Who may send which command is declared with each command (the
aggregates' `aggregate.py`, read through domain/registry.py)."""

from __future__ import annotations

from unitboard.domain.roles import ROLES

READ_EVENTS = frozenset(set(ROLES) - {"display"})
SEE_CONFIDENTIAL_NAMES = frozenset(
    {"admin", "secretary", "charge_nurse", "nurse", "provider", "integration"}
)
