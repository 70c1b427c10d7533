"""The roles people and systems act in. Which role may send which command is declared
with each command (see the aggregates' packages)."""

from __future__ import annotations

ROLES = (
    "admin",
    "secretary",
    "charge_nurse",
    "nurse",
    "transport",
    "evs",
    "provider",
    "display",
    "integration",
)


def role_label(role: str) -> str:
    return role.replace("_", " ")
