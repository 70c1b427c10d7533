"""Bedside bells: the secretary rings a bed's bell, and the board counts the rings. Its
command, event, state, decider, evolver, offer and declaration, in one module."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from unitboard.domain.beds.state import Beds
from unitboard.domain.commands import Command, Id
from unitboard.domain.context import Context
from unitboard.domain.errors import RuleViolation
from unitboard.domain.events import BedEvent, Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.offers import Offer
from unitboard.domain.registry import Aggregate, command


class RingBell(Command):
    bed_id: Id


class BellRung(BedEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {"bed": ("bed_id",)}
    loud: bool = True


@dataclass
class Bells:
    rings: dict[str, int] = field(default_factory=dict)


def ring(state: Hospital, cmd: RingBell, ctx: Context) -> list[Event]:
    bed = state[Beds].bed(cmd.bed_id)
    if bed.encounter_id is None:
        raise RuleViolation(f"Nobody lies in bed {bed.bed_id} to ring for.")
    return [BellRung(bed_id=bed.bed_id)]


def rung(bells: Bells, event: BellRung, at: str) -> None:
    bells.rings[event.bed_id] = bells.rings.get(event.bed_id, 0) + 1


def bell_offers(state: Hospital, bed_id: str, ctx: Context) -> list[Offer]:
    bed = state[Beds].beds.get(bed_id)
    return [Offer("RingBell", {"bed_id": bed_id})] if bed and bed.encounter_id else []


AGGREGATE = Aggregate(
    name="bells",
    part=Bells,
    commands=[command(RingBell, ring, {"secretary"}, {"bed"})],
    events=[BellRung],
    evolvers={BellRung: rung},
    offers={"bed": bell_offers},
)
