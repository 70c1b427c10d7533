"""Who may do what: each command declares its roles (domain/registry.py); here are the
read permissions beside them, enforced for every entry point."""

from __future__ import annotations

from unitboard.domain.aggregates import HOUSE
from unitboard.domain.roles import ROLES, role_label

READ_EVENTS = frozenset(set(ROLES) - {"display"})
SEE_CONFIDENTIAL_NAMES = frozenset(
    {"admin", "secretary", "charge_nurse", "nurse", "provider", "integration"}
)


def may(role: str, command: str) -> bool:
    return HOUSE.may(role, command)


def label(role: str) -> str:
    return role_label(role)


__all__ = ["READ_EVENTS", "ROLES", "SEE_CONFIDENTIAL_NAMES", "label", "may"]
