"""One declaration per command, per event and per aggregate, and the registry built from
them. An aggregate is a package that declares, once: its state (a part of the hospital),
its commands (model, decider, the roles that may send each, the streams each writes), its
event types, the events it folds into its part, where the things it owns are (their
units, for the fan-out), and what a screen may offer on them. Roles, the API, the
station's command list, event decoding and fan-out routing all read the registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from unitboard.domain.commands import Command
from unitboard.domain.context import Context
from unitboard.domain.events import Event
from unitboard.domain.offers import Offer

if TYPE_CHECKING:
    from unitboard.domain.hospital import Hospital

C = TypeVar("C", bound=Command)
Decider = Callable[["Hospital", C, Context], list[Event]]
Evolver = Callable[[Any, Any, str], None]
"""(the aggregate's part, the event, when it was recorded) -> None: changes the part."""
Locator = Callable[["Hospital", str], Iterable[str]]
"""(hospital, an id of a thing) -> the units it is on."""
Offering = Callable[["Hospital", str, Context], list[Offer]]
"""(hospital, an id of a thing, who asks) -> the commands it allows now (the registry keeps
those the asker's role may send)."""

SYSTEM = "system"
"""The role of the scheduler: no person holds it, and only it sends the commands a time-based
rule gives (an escalation, a re-send)."""


@dataclass(frozen=True, slots=True)
class Due:
    """A command that falls due at `at`, derived from recorded events and the policy in
    force. Its decider checks again that it is still due and records nothing when it is not,
    so firing it twice, or from two processes, records it once."""

    at: dt.datetime
    command: Command


Timer = Callable[["Hospital"], Iterable[Due]]
"""(hospital) -> the commands its state says will fall due, each with its time."""
Reaction = Callable[["Hospital", Any, Context], list[Event]]
"""(hospital before the command, an event another aggregate decided, who asks) -> what this
aggregate records with it, in the same append (a discharge cancels the patient's open
transports)."""


@dataclass(frozen=True)
class CommandSpec(Generic[C]):
    """A command, whole: its model, its decider, who may send it, which streams it writes."""

    model: type[C]
    decide: Decider[C]
    roles: frozenset[str]
    writes: frozenset[str]
    """The kinds of stream its events go to ("bed", "stay", ...)."""

    @property
    def name(self) -> str:
        return self.model.__name__


def command(
    model: type[C], decide: Decider[C], roles: Iterable[str], writes: Iterable[str]
) -> CommandSpec[C]:
    return CommandSpec(model, decide, frozenset(roles), frozenset(writes))


@dataclass(frozen=True)
class Aggregate:
    name: str
    part: type[Any]
    """Its state: a class whose instance, made with no arguments, is empty."""
    commands: Sequence[CommandSpec[Any]] = ()
    events: Sequence[type[Event]] = ()
    evolvers: Mapping[type[Event], Evolver] = field(default_factory=dict)
    """The events (its own or others') it folds into its part."""
    locate: Mapping[str, Locator] = field(default_factory=dict)
    offers: Mapping[str, Offering] = field(default_factory=dict)
    timers: Sequence[Timer] = ()
    """What falls due by itself as time passes (sent by the scheduler as SYSTEM)."""
    reactions: Mapping[type[Event], Reaction] = field(default_factory=dict)
    """Events of other aggregates that make this one record something in the same append."""


class Registry:
    """The house: every aggregate, checked for clashes and gaps when it is built."""

    def __init__(self, aggregates: Sequence[Aggregate]) -> None:
        self.aggregates = tuple(aggregates)
        self.commands: dict[str, CommandSpec[Any]] = {}
        self.events: dict[str, type[Event]] = {}
        self.parts: tuple[type[Any], ...] = tuple(a.part for a in self.aggregates)
        self.locators: dict[str, Locator] = {}
        self.offerings: dict[str, list[Offering]] = {}
        self.timers: tuple[Timer, ...] = tuple(t for a in self.aggregates for t in a.timers)
        self._evolvers: dict[type[Event], list[tuple[type[Any], Evolver]]] = {}
        self.reactions: dict[type[Event], list[Reaction]] = {}
        for aggregate in self.aggregates:
            self._add(aggregate)
        self._check()

    def _add(self, aggregate: Aggregate) -> None:
        for spec in aggregate.commands:
            _unique(self.commands, spec.name, spec, "command")
        for event_type in aggregate.events:
            _unique(self.events, event_type.__name__, event_type, "event type")
        for event_type, evolver in aggregate.evolvers.items():
            self._evolvers.setdefault(event_type, []).append((aggregate.part, evolver))
        for kind, locator in aggregate.locate.items():
            _unique(self.locators, kind, locator, "locator of")
        for kind, offering in aggregate.offers.items():
            self.offerings.setdefault(kind, []).append(offering)
        for event_type, reaction in aggregate.reactions.items():
            self.reactions.setdefault(event_type, []).append(reaction)

    def _check(self) -> None:
        if len(set(self.parts)) != len(self.parts):
            raise ValueError("two aggregates share a state class")
        for event_type in [*self._evolvers, *self.reactions]:
            if event_type.__name__ not in self.events:
                raise ValueError(f"{event_type.__name__} is read but no aggregate declares it")
        for name, event_type in self.events.items():
            missing = [v for v in range(1, event_type.VERSION) if v not in event_type.UPCASTERS]
            if missing:
                raise ValueError(
                    f"{name} is version {event_type.VERSION}: no upcaster from {missing}"
                )

    # -- what the rest of the house asks ------------------------------------------------------

    def spec(self, name: str) -> CommandSpec[Any] | None:
        return self.commands.get(name)

    def may(self, role: str, command: str) -> bool:
        spec = self.commands.get(command)
        return spec is not None and role in spec.roles

    def fold_table(
        self, parts: Mapping[type[Any], Any]
    ) -> dict[type[Event], tuple[Callable[[Any, str], None], ...]]:
        """For each event type, the calls that fold it into the given parts."""
        return {
            event_type: tuple(partial(evolver, parts[part]) for part, evolver in evolvers)
            for event_type, evolvers in self._evolvers.items()
        }

    def parts_folding(self, event: Event) -> list[type[Any]]:
        """The parts of the hospital that `event` changes."""
        return [part for part, _ in self._evolvers.get(type(event), ())]

    def with_reactions(self, state: Hospital, events: list[Event], context: Context) -> list[Event]:
        """`events`, each followed by what other aggregates record with it."""
        if not self.reactions:
            return events
        out: list[Event] = []
        for event in events:
            out.append(event)
            for reaction in self.reactions.get(type(event), ()):
                out += reaction(state, event, context)
        return out

    def due(self, state: Hospital) -> list[Due]:
        """Every command the state says falls due, soonest first."""
        return sorted((due for timer in self.timers for due in timer(state)), key=_due_at)

    def offered(self, state: Hospital, kind: str, key: str, context: Context) -> list[Offer]:
        """The commands the thing `key` of `kind` allows now that the asker's role may send."""
        return [
            offer
            for offering in self.offerings.get(kind, ())
            for offer in offering(state, key, context)
            if self.may(context.role, offer.command)
        ]


def _due_at(due: Due) -> dt.datetime:
    return due.at


def _unique(table: dict[str, Any], name: str, value: Any, what: str) -> None:
    if name in table:
        raise ValueError(f"{what} {name} is declared twice")
    table[name] = value
