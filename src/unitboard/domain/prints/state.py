"""The prints part of the hospital: each stay's latest print of each document."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Printed:
    document: str
    by: str
    at: str
    copies: int


@dataclass(slots=True)
class Prints:
    latest: dict[str, dict[str, Printed]] = field(default_factory=dict)
    """encounter id -> document -> its latest print."""
    count: int = 0

    def of_stay(self, encounter_id: str) -> dict[str, Printed]:
        return self.latest.get(encounter_id, {})
