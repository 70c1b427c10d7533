"""The value lists of transport and what a person reads for each."""

from __future__ import annotations

import re
from typing import Literal, get_args

TransportPriority = Literal["stat", "urgent", "routine"]
TransportMode = Literal["ambulatory", "wheelchair", "stretcher", "bed"]
TransportNeed = Literal["oxygen", "iv_pump", "monitor", "isolation", "bariatric"]
TransportStatus = Literal["scheduled", "requested", "offered", "assigned", "picked_up"]
"""An open job's state: scheduled (not in the queue yet), requested (in the queue, waiting
for a transporter), offered (to one transporter, by auto dispatch), assigned (a
transporter holds it), picked up (the patient is on the way)."""
TransportEnd = Literal["completed", "cancelled"]
TransporterStatus = Literal["available", "on_break", "off"]
OfferEnd = Literal["declined", "expired", "withdrawn"]

PRIORITIES: tuple[TransportPriority, ...] = get_args(TransportPriority)
"""Most urgent first."""
PRIORITY_RANK: dict[str, int] = {p: rank for rank, p in enumerate(PRIORITIES)}
MODES: tuple[TransportMode, ...] = get_args(TransportMode)
NEEDS: tuple[TransportNeed, ...] = get_args(TransportNeed)
TRANSPORTER_STATUSES: tuple[TransporterStatus, ...] = get_args(TransporterStatus)

PRIORITY_LABELS: dict[str, str] = {"stat": "STAT", "urgent": "Urgent", "routine": "Routine"}
MODE_LABELS: dict[str, str] = {
    "ambulatory": "Walking",
    "wheelchair": "Wheelchair",
    "stretcher": "Stretcher",
    "bed": "In bed",
}
NEED_LABELS: dict[str, str] = {
    "oxygen": "Oxygen",
    "iv_pump": "IV pump",
    "monitor": "Monitor",
    "isolation": "Isolation",
    "bariatric": "Bariatric",
}
STATUS_LABELS: dict[str, str] = {
    "scheduled": "Scheduled",
    "requested": "Waiting",
    "offered": "Offered",
    "assigned": "On the way",
    "picked_up": "Picked up",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
"""How a screen names a job's state: "on the way" is the transporter, to the patient."""
TRANSPORTER_LABELS: dict[str, str] = {
    "available": "Available",
    "on_break": "On break",
    "off": "Off",
}

TRANSPORT_ID = re.compile(r"TR-(\d+)")
"""The form of the ids unitboard makes (TR-1, TR-2, ...); a caller's own id may not take
it."""


def made_id(number: int) -> str:
    return f"TR-{number}"
