"""A ward for the call-light and page tests: the shared test hospital with its staff (each
on their units), and a clock that the tests move by hand. Every event is folded at the
ward's time, as the log would record it, so what `due` says follows the recorded times.

    4W   noor, nick (nurses), casey (charge nurse), sam (secretary), pat (provider),
         gil (a nurse whose account is disabled)
    ICU  ivy (nurse), iris (charge nurse)
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable

import pytest
from builders import admitted, stay_event

from hospital import LAYOUT
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.commands import Command
from unitboard.domain.context import Context, KnownPeople, Person
from unitboard.domain.errors import DomainError
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide, evolve
from unitboard.domain.layout.commands import LoadLayout
from unitboard.domain.registry import SYSTEM, Due

STAFF = [
    Person("noor", "Noor Nurse", "nurse", ("4W",)),
    Person("nick", "Nick Nurse", "nurse", ("4W",)),
    Person("casey", "Casey Charge", "charge_nurse", ("4W",)),
    Person("sam", "Sam Secretary", "secretary", ("4W",)),
    Person("pat", "Pat Provider", "provider", ("4W",)),
    Person("gil", "Gil Gone", "nurse", ("4W",), active=False),
    Person("ivy", "Ivy Nurse", "nurse", ("ICU",)),
    Person("iris", "Iris Charge", "charge_nurse", ("ICU",)),
    Person("floater", "Flo Float", "secretary", ()),
]
PEOPLE = KnownPeople(STAFF)
START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
NURSE_CALL = Context("token:nurse-call", "integration", PEOPLE)
"""The nurse-call system's integration token."""
SCHEDULER = Context("scheduler", SYSTEM, PEOPLE)


def as_(username: str) -> Context:
    """Acting as one of the staff, in their role."""
    person = PEOPLE.person(username)
    assert person is not None, username
    return Context(username, person.role, PEOPLE)


def nurse_assigned(encounter_id: str, nurse: str) -> Event:
    person = PEOPLE.person(nurse)
    return stay_event(
        "NurseAssigned", encounter_id, nurse=nurse, nurse_name=person.name if person else None
    )


def with_policy(policy_toml: str) -> str:
    """The test hospital's layout file with a `[policy]` part added at its end."""
    return LAYOUT + "\n" + policy_toml


class Ward:
    """The hospital, its log as recorded (event, time), and a clock moved by hand."""

    def __init__(self, layout: str = LAYOUT) -> None:
        self.state = Hospital()
        self.now = START
        self.log: list[tuple[Event, str]] = []
        self.record(decide(Hospital(), LoadLayout(toml=layout)))

    @property
    def at(self) -> str:
        return self.now.isoformat()

    def record(self, events: Iterable[Event]) -> list[Event]:
        recorded = list(events)
        for event in recorded:
            evolve(self.state, event, self.at)
            self.log.append((event, self.at))
        return recorded

    def admit(self, encounter_id: str, bed_id: str, nurse: str | None = None) -> None:
        self.record(admitted(encounter_id, bed_id))
        if nurse is not None:
            self.record([nurse_assigned(encounter_id, nurse)])

    def decide(self, command: Command, context: Context) -> list[Event]:
        """What `command` records now (nothing is folded; deciding changes nothing)."""
        before = copy.deepcopy(self.state)
        events = decide(self.state, command, context)
        assert self.state == before, "decide changed the state"
        return events

    def do(self, command: Command, context: Context) -> list[Event]:
        """Decide and record at the ward's time."""
        return self.record(self.decide(command, context))

    def refused(
        self, command: Command, context: Context, error: type[DomainError], *fragments: str
    ) -> str:
        """`command` is refused with `error`, its message names each fragment and reads as a
        sentence, and nothing changed."""
        before = copy.deepcopy(self.state)
        with pytest.raises(error) as caught:
            decide(self.state, command, context)
        assert type(caught.value) is error, caught.value
        message = caught.value.message
        for fragment in fragments:
            assert fragment in message, f"{fragment!r} not in {message!r}"
        assert message[:1].isupper() and message.rstrip().endswith("."), message
        assert self.state == before, "a refused command changed the state"
        return message

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)

    def due(self) -> list[Due]:
        return HOUSE.due(self.state)

    def due_now(self) -> list[Due]:
        return [due for due in self.due() if due.at <= self.now]

    def fire_due(self) -> list[Event]:
        """Send what is due, soonest first, as the scheduler would, until nothing is due."""
        fired: list[Event] = []
        for _ in range(100):
            ready = self.due_now()
            if not ready:
                return fired
            fired += self.do(ready[0].command, SCHEDULER)
        raise AssertionError("something falls due again and again")


def of_type(events: Iterable[Event], name: str) -> list[Event]:
    return [event for event in events if event.type == name]


def types(events: Iterable[Event]) -> list[str]:
    return [event.type for event in events]
