"""Events to and from the log's text: typed structs encoded as JSON with their type's
version; read back into the struct of the current version, older versions brought up to
date by the type's upcasters first (so a hospital's oldest log always replays)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import orjson

from unitboard.domain.events import Event
from unitboard.domain.registry import Registry

Decode = Callable[[str | bytes], Event]


class UnknownEvent(ValueError):
    """The log holds an event type this unitboard does not know (written by a newer one)."""


class EventCodec:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._encoder = msgspec.json.Encoder()
        self._decoders: dict[str, tuple[int, Decode]] = {
            name: (cls.VERSION, msgspec.json.Decoder(cls).decode)
            for name, cls in registry.events.items()
        }

    def encode(self, event: Event) -> str:
        return self._encoder.encode(event).decode()

    def decode(self, type_: str, version: int, text: str | bytes) -> Event:
        try:
            current, decode = self._decoders[type_]
        except KeyError:
            raise UnknownEvent(
                f"the log holds an event of type {type_!r}, unknown to this unitboard; "
                "it was written by a newer one"
            ) from None
        if version == current:
            return decode(text)
        return self._upcast(type_, version, orjson.loads(text))

    def _upcast(self, type_: str, version: int, data: dict[str, Any]) -> Event:
        cls = self.registry.events[type_]
        if version > cls.VERSION:
            raise UnknownEvent(
                f"the log holds {type_} version {version}; this unitboard knows up to "
                f"{cls.VERSION}: it was written by a newer one"
            )
        for step in range(version, cls.VERSION):
            data = cls.UPCASTERS[step](data)
        return msgspec.convert(data, cls)


def event_data(event: Event) -> dict[str, Any]:
    """The event's fields as JSON values (times as ISO 8601 text)."""
    data: dict[str, Any] = msgspec.to_builtins(event)
    return data
