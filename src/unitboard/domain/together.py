"""Deciding a few commands as one change (an admission with its bed and arrival, as the
EHR's A01 says): each command is decided on the hospital as the ones before it left it, and
either all of them are recorded or none is.

The hospital itself is never touched while deciding: the events of the earlier commands are
folded into a *trial*, a hospital that shares every part with the real one except those the
events change. A changed part is not copied whole (the stays part keeps every stay ever); its
dictionaries become overlays that copy an entry the first time an evolver looks it up by key,
which is how every evolver reaches what it changes. Reading the trial costs nothing more."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from typing import Any, TypeVar

from unitboard.domain.commands import Command
from unitboard.domain.context import Context
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide

K = TypeVar("K")
V = TypeVar("V")


def decide_together(
    state: Hospital, commands: Sequence[Command], context: Context, at: str
) -> list[Event]:
    """The events of `commands`, decided in order as if each earlier one had been recorded at
    `at` (ISO 8601); raises the first refusal, and then nothing at all is to be recorded."""
    events: list[Event] = []
    trial: Trial | None = None
    last = len(commands) - 1
    for index, command in enumerate(commands):
        decided = decide(trial.hospital if trial else state, command, context)
        events += decided
        if index < last and decided:
            trial = trial or Trial(state)
            trial.fold(decided, at)
    return events


class Trial:
    """A hospital to fold events into without changing `state`, the real one."""

    def __init__(self, state: Hospital) -> None:
        self.real = state
        self.hospital = Hospital(state.registry, dict(state.parts))
        self.hospital.position = state.position
        self._memo: dict[int, Any] = {}
        self._own: set[type[Any]] = set()

    def fold(self, events: Sequence[Event], at: str) -> None:
        changed = {part for event in events for part in self.real.registry.parts_folding(event)}
        if not changed <= self._own:
            for part in changed - self._own:
                self.hospital.parts[part] = self._writable(self.real.parts[part])
            self._own |= changed
            self.hospital = Hospital(self.real.registry, self.hospital.parts)
            self.hospital.position = self.real.position
        for event in events:
            self.hospital.evolve(event, at)

    def _writable(self, part: Any) -> Any:
        """A part of plain dictionaries gets overlays; any other is copied whole."""
        fields = dataclasses.fields(part) if dataclasses.is_dataclass(part) else ()
        values = {f.name: getattr(part, f.name) for f in fields}
        if not fields or not all(type(v) is dict for v in values.values()):
            return copy.deepcopy(part, self._memo)
        writable = copy.copy(part)
        for name, value in values.items():
            setattr(writable, name, Overlay(value, self._memo))
        return writable


class Overlay(MutableMapping[K, V]):
    """A dictionary read through to `base`, whose entries are copied (once per trial, so two
    overlays holding the same object share its copy) when looked up by key, and whose
    changes stay here. Iteration hands out the base's own entries: only deciders iterate,
    and they never change what they read."""

    def __init__(self, base: Mapping[K, V], memo: dict[int, Any]) -> None:
        self._base = base
        self._memo = memo
        self._here: dict[K, V] = {}
        self._gone: set[K] = set()

    def __getitem__(self, key: K) -> V:
        if key in self._here:
            return self._here[key]
        if key in self._gone:
            raise KeyError(key)
        value: V = copy.deepcopy(self._base[key], self._memo)
        self._here[key] = value
        return value

    def __setitem__(self, key: K, value: V) -> None:
        self._here[key] = value
        self._gone.discard(key)

    def __delitem__(self, key: K) -> None:
        if key not in self:
            raise KeyError(key)
        self._here.pop(key, None)
        self._gone.add(key)

    def __contains__(self, key: object) -> bool:
        if key in self._here:
            return True
        return key not in self._gone and key in self._base

    def __iter__(self) -> Iterator[K]:
        for key in self._base:
            if key not in self._gone:
                yield key
        for key in self._here:
            if key not in self._base:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def values(self) -> Any:
        return [self._peek(key) for key in self]

    def items(self) -> Any:
        return [(key, self._peek(key)) for key in self]

    def _peek(self, key: K) -> V:
        return self._here[key] if key in self._here else self._base[key]
