"""Events as the domain makes them: a type, the stream they belong to, and their data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened. `data` holds only JSON values."""

    type: str
    stream_id: str
    data: dict[str, Any] = field(default_factory=dict)


def bed_stream(bed_id: str) -> str:
    return f"bed-{bed_id}"


def stay_stream(encounter_id: str) -> str:
    return f"stay-{encounter_id}"


def unit_stream(unit_id: str) -> str:
    return f"unit-{unit_id}"


def room_stream(room_id: str) -> str:
    return f"room-{room_id}"


HOSPITAL_STREAM = "hospital"
