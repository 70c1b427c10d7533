"""Who may do what: the role table of the contract, enforced here for every entry point."""

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

_PLACEMENT = {"secretary", "charge_nurse", "integration"}
_CLEANING = {"evs", "secretary", "charge_nurse"}
_BLOCKING = {"secretary", "charge_nurse"}

ALLOWED: dict[str, frozenset[str]] = {
    name: frozenset(roles)
    for name, roles in {
        "RequestAdmission": _PLACEMENT,
        "AssignBed": _PLACEMENT,
        "MarkArrived": _PLACEMENT | {"nurse"},
        "MovePatient": _PLACEMENT,
        "SwapBeds": _PLACEMENT,
        "RequestTransfer": _PLACEMENT,
        "OrderDischarge": _PLACEMENT | {"nurse"},
        "DischargePatient": _PLACEMENT,
        "CancelAdmission": _PLACEMENT,
        "CancelTransfer": _PLACEMENT,
        "CancelDischarge": _PLACEMENT,
        "UpdatePatient": _PLACEMENT,
        "AssignNurse": {"charge_nurse"},
        "MarkBedDirty": _CLEANING,
        "StartCleaning": _CLEANING,
        "MarkBedClean": _CLEANING,
        "BlockBed": _BLOCKING,
        "UnblockBed": _BLOCKING,
    }.items()
}

READ_EVENTS = frozenset(set(ROLES) - {"display"})
SEE_CONFIDENTIAL_NAMES = frozenset(
    {"admin", "secretary", "charge_nurse", "nurse", "provider", "integration"}
)


def may(role: str, command: str) -> bool:
    return role in ALLOWED.get(command, frozenset())


def label(role: str) -> str:
    return role.replace("_", " ")
