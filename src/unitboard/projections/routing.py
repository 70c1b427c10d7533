"""Which units an event touches, from what its type declares (TOUCHES) and where the
aggregates say each thing is (their locators): a bed is on its unit, a stay on its unit and
those of the beds it holds. The fan-out and the board's "last change" both read it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.registry import Registry

Route = tuple[str, Callable[[Hospital, str], Iterable[str]] | None]
"""(a field of the event, how to find the units of the thing it names; None: a unit id)."""


class Router:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._routes: dict[type[Event], tuple[Route, ...]] = {}

    def units(self, state: Hospital, event: Event) -> list[str]:
        """The units `event` touches, as the state (after the event) places its things."""
        routes = self._routes.get(type(event))
        if routes is None:
            routes = self._routes[type(event)] = self._compile(type(event))
        units: list[str] = []
        for field, locate in routes:
            value = getattr(event, field)
            if value is None:
                continue
            if locate is None:
                units.append(value)
            else:
                units.extend(locate(state, value))
        return units

    def _compile(self, event_type: type[Event]) -> tuple[Route, ...]:
        routes: list[Route] = []
        for kind, fields in event_type.TOUCHES.items():
            if kind == "unit":
                routes += [(field, None) for field in fields]
            elif (locate := self.registry.locators.get(kind)) is not None:
                routes += [(field, locate) for field in fields]
        return tuple(routes)
