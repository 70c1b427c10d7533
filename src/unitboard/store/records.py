"""What the log gives back: recorded events, answers to appends, and its refusals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

JSON = dict[str, Any]


class ConcurrencyError(Exception):
    """The log moved past the expected position, or a (stream, version) is already taken."""


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different request."""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    position: int
    stream_id: str
    version: int
    type: str
    data: JSON
    metadata: JSON
    recorded_at: str

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
    type: str
    data: JSON
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


def stored_event(row: Sequence[Any]) -> StoredEvent:
    """A StoredEvent from a row of (position, stream_id, version, type, data, metadata,
    recorded_at), the order of the events table."""
    position, stream_id, version, type_, data, meta, recorded_at = row
    return StoredEvent(
        position, stream_id, version, type_, orjson.loads(data), orjson.loads(meta), recorded_at
    )
