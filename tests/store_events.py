"""Two event types of the store's tests' own, in a registry of their own: the event log is
generic over the events an aggregate declares, and its tests say so."""

from __future__ import annotations

from dataclasses import dataclass

from unitboard.domain.events import BedEvent, Event
from unitboard.domain.registry import Aggregate, Registry


class BedStatusChanged(BedEvent, frozen=True, kw_only=True):
    status: str


class PatientAdmitted(Event, frozen=True, kw_only=True):
    encounter: str
    name: str

    @property
    def stream_id(self) -> str:
        return f"stay-{self.encounter}"


class Counted(Event, frozen=True, kw_only=True):
    """One of a writer's batch, in one of its few streams."""

    writer: int
    batch: int
    stream: str

    @property
    def stream_id(self) -> str:
        return self.stream


@dataclass
class Nothing:
    """The part of a registry that folds nothing."""


STORE_TESTS = Registry(
    [Aggregate("store-tests", part=Nothing, events=[BedStatusChanged, PatientAdmitted, Counted])]
)


def bed_event(bed: str, status: str = "clean") -> Event:
    return BedStatusChanged(bed_id=bed, status=status)


def admitted(encounter: str, name: str = "Zoë Ørsted") -> Event:
    return PatientAdmitted(encounter=encounter, name=name)
