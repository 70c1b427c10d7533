"""What the log gives back: recorded events, answers to appends, and its refusals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from unitboard.domain.events import Event
from unitboard.store.codec import EventCodec, event_data

JSON = dict[str, Any]


class ConcurrencyError(Exception):
    """The log moved past the expected position, or a (stream, version) is already taken."""


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different request."""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the log keeps it: where it stands (position, stream and the stream's
    version), the typed event, who caused it (metadata) and when it was recorded."""

    position: int
    stream_id: str
    version: int
    event: Event
    metadata: JSON
    recorded_at: str

    @property
    def type(self) -> str:
        return type(self.event).__name__

    @property
    def data(self) -> JSON:
        return event_data(self.event)

    def to_json(self) -> JSON:
        return {
            "position": self.position,
            "stream_id": self.stream_id,
            "version": self.version,
            "type": self.type,
            "data": self.data,
            "metadata": self.metadata,
            "recorded_at": self.recorded_at,
        }


class Fact(NamedTuple):
    """An event as folding needs it, without its metadata: what a replay reads (a tuple:
    a million of them are made at start-up, and a frozen dataclass costs twice as much)."""

    position: int
    stream_id: str
    event: Event
    recorded_at: str


@dataclass(frozen=True, slots=True)
class Appended:
    """The answer to an append: the log head after it, and the events it recorded."""

    position: int
    events: list[StoredEvent]
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """An idempotency key's row: which request it answered and which positions it wrote."""

    request_hash: str
    first_position: int | None
    last_position: int

    def check(self, key: str, request_hash: str) -> None:
        if request_hash != self.request_hash:
            raise IdempotencyConflict(
                f"the idempotency key {key!r} was already used for a different request"
            )


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def to_json_text(value: Any) -> str:
    """Compact JSON, as json.dumps(value, separators=(",", ":"), ensure_ascii=False)."""
    return _ENCODER.encode(value)


def stored_event(codec: EventCodec, row: Sequence[Any]) -> StoredEvent:
    """A StoredEvent from a row of STORED_EVENT_COLUMNS: (position, stream_id, version,
    type, event_version, data, metadata, recorded_at)."""
    position, stream_id, version, type_, event_version, data, meta, recorded_at = row
    event = codec.decode(type_, event_version, data)
    return StoredEvent(position, stream_id, version, event, orjson.loads(meta), recorded_at)
