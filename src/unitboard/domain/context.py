"""What a decider may know beyond the log: who is asking, and the people of the hospital
(users live beside the log, not in it). Deciders stay pure: the service hands them this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Person:
    username: str
    name: str
    role: str
    units: tuple[str, ...] = ()
    active: bool = True


class People(Protocol):
    def person(self, username: str) -> Person | None:
        """The person with this username, or None."""

    def everyone(self) -> list[Person]:
        """Every person, the disabled too."""


class NoPeople:
    """Nobody is known (the default: a decider that needs people then refuses)."""

    def person(self, username: str) -> Person | None:
        return None

    def everyone(self) -> list[Person]:
        return []


class KnownPeople:
    """People known in memory: read once (off the event loop) for one screen, or a test's."""

    def __init__(self, people: list[Person]) -> None:
        self.people = {person.username: person for person in people}

    def person(self, username: str) -> Person | None:
        return self.people.get(username)

    def everyone(self) -> list[Person]:
        return list(self.people.values())


@dataclass(frozen=True, slots=True)
class Context:
    actor: str = "system"
    role: str = "admin"
    people: People = NoPeople()
    actor_name: str | None = None
    """How the screens name the one acting (a person's name, a token's name), when known."""
