"""The value lists of call lights and what a person reads for each."""

from __future__ import annotations

import re
from typing import Literal, get_args

from unitboard.domain.pages.values import PagePriority

CallKind = Literal["code_blue", "staff_assist", "bed_exit", "bathroom", "pain", "routine"]
CallPriority = Literal["critical", "high", "medium", "low"]
CallStatus = Literal["raised", "answered", "cleared"]

CALL_KINDS: tuple[CallKind, ...] = get_args(CallKind)
CALL_PRIORITIES: tuple[CallPriority, ...] = get_args(CallPriority)
"""Most urgent first."""
PRIORITY_RANK: dict[CallPriority, int] = {p: rank for rank, p in enumerate(CALL_PRIORITIES)}

PRIORITY_OF_KIND: dict[CallKind, CallPriority] = {
    "code_blue": "critical",
    "staff_assist": "high",
    "bed_exit": "high",
    "bathroom": "medium",
    "pain": "medium",
    "routine": "low",
}
KIND_LABELS: dict[CallKind, str] = {
    "code_blue": "Code blue",
    "staff_assist": "Staff assist",
    "bed_exit": "Bed exit",
    "bathroom": "Bathroom",
    "pain": "Pain",
    "routine": "Routine",
}
PAGE_PRIORITY_OF_CALL: dict[CallPriority, PagePriority] = {
    "critical": "critical",
    "high": "urgent",
    "medium": "urgent",
    "low": "routine",
}
"""How urgent the page is that a light's escalation sends."""

CALL_ID = re.compile(r"CL-(\d+)")
"""The form of the call ids unitboard makes (CL-1, CL-2, ...); a caller's own id may not
take it."""


def made_id(number: int) -> str:
    return f"CL-{number}"
