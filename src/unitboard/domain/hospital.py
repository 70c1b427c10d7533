"""The hospital as the events tell it: a composition of the aggregates' parts (layout, beds,
stays, ...), each a plain value that only its aggregate's evolvers change. `decide` reads
it and returns events or raises; `evolve` folds one event into it."""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from unitboard.domain.commands import Command
from unitboard.domain.context import Context
from unitboard.domain.errors import InvalidInput
from unitboard.domain.events import Event

if TYPE_CHECKING:
    from unitboard.domain.registry import Registry

P = TypeVar("P")


def house() -> Registry:
    """The registry of every aggregate unitboard has (imported late: the aggregates'
    packages import this module)."""
    from unitboard.domain.aggregates import HOUSE

    return HOUSE


class Hospital:
    """Every part, and the log position the state reflects. `state[Beds]` is the beds part."""

    __slots__ = ("registry", "parts", "position", "_fold")

    def __init__(
        self, registry: Registry | None = None, parts: dict[type[Any], Any] | None = None
    ) -> None:
        self.registry = registry or house()
        self.parts: dict[type[Any], Any] = parts or {part: part() for part in self.registry.parts}
        self.position = 0
        self._fold = self.registry.fold_table(self.parts)

    def __getitem__(self, part: type[P]) -> P:
        found: P = self.parts[part]
        return found

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hospital):
            return NotImplemented
        return (self.parts, self.position) == (other.parts, other.position)

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict[int, Any]) -> Hospital:
        """A copy of the parts (the registry is shared: it never changes)."""
        copied = Hospital(self.registry, deepcopy(self.parts, memo))
        copied.position = self.position
        return copied

    def evolve(self, event: Event, at: str = "") -> None:
        """Fold `event` (recorded at `at`, ISO 8601) into every part that reads it."""
        for fold in self._fold.get(type(event), ()):
            fold(event, at)


class Recorded(Protocol):
    """An event as the log keeps it: the store's StoredEvent and replay Fact have this."""

    @property
    def position(self) -> int: ...
    @property
    def stream_id(self) -> str: ...
    @property
    def event(self) -> Event: ...
    @property
    def recorded_at(self) -> str: ...


def decide(state: Hospital, command: Command, context: Context | None = None) -> list[Event]:
    """The events `command` makes happen in `state`; raises a DomainError to refuse it."""
    spec = state.registry.spec(type(command).__name__)
    if spec is None:
        raise InvalidInput(f"There is no command {type(command).__name__}.")
    context = context or Context()
    return state.registry.with_reactions(state, spec.decide(state, command, context), context)


def evolve(state: Hospital, event: Event, at: str = "") -> Hospital:
    state.evolve(event, at)
    return state


def fold(state: Hospital, recorded: Iterable[Recorded]) -> Hospital:
    """Apply recorded events in log order and advance the state's position."""
    apply = state.evolve
    for item in recorded:
        apply(item.event, item.recorded_at)
        state.position = item.position
    return state
