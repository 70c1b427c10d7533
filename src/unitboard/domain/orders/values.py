"""The value lists of orders and what a person reads for each."""

from __future__ import annotations

import re
from typing import Literal, get_args

OrderCategory = Literal[
    "lab", "imaging", "diet", "activity", "nursing", "consult", "therapy", "medication", "other"
]
OrderPriority = Literal["stat", "routine"]
OrderMode = Literal["written", "verbal", "telephone", "protocol"]
OrderStatus = Literal["active", "discontinued"]
OrderState = Literal["new", "acknowledged", "cosigned", "overdue", "discontinued"]
"""What a screen shows an order as: new (no nurse has acknowledged it), acknowledged,
co-signed, overdue (past the co-sign deadline unsigned) or discontinued."""

CATEGORIES: tuple[OrderCategory, ...] = get_args(OrderCategory)
PRIORITIES: tuple[OrderPriority, ...] = get_args(OrderPriority)
MODES: tuple[OrderMode, ...] = get_args(OrderMode)
READ_BACK_MODES: frozenset[str] = frozenset({"verbal", "telephone"})
"""Orders heard, not read: the one taking them reads them back and the provider confirms."""
LICENSED_ONLY: frozenset[str] = frozenset({"medication"})
"""Categories a licensed person enters (a secretary is refused)."""
DIRECTING_ROLE = "provider"

CATEGORY_LABELS: dict[str, str] = {
    "lab": "Lab",
    "imaging": "Imaging",
    "diet": "Diet",
    "activity": "Activity",
    "nursing": "Nursing",
    "consult": "Consult",
    "therapy": "Therapy",
    "medication": "Medication",
    "other": "Other",
}
PRIORITY_LABELS: dict[str, str] = {"stat": "STAT", "routine": "Routine"}
MODE_LABELS: dict[str, str] = {
    "written": "Written",
    "verbal": "Verbal",
    "telephone": "Telephone",
    "protocol": "Protocol",
}
STATE_LABELS: dict[str, str] = {
    "new": "New",
    "acknowledged": "Acknowledged",
    "cosigned": "Co-signed",
    "overdue": "Co-sign overdue",
    "discontinued": "Discontinued",
}

MAX_DETAIL = 500
ORDER_ID = re.compile(r"OR-(\d+)")
"""The form of the ids unitboard makes (OR-1, OR-2, ...); a caller's own id may not take it."""


def made_id(number: int) -> str:
    return f"OR-{number}"
