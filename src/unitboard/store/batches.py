"""A batch of events on its way into the log: encoded before the lock, numbered under it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from unitboard.domain.events import Event
from unitboard.store.codec import EventCodec
from unitboard.store.records import JSON, ConcurrencyError, StoredAnswer, StoredEvent, to_json_text

EventRow = tuple[int, str, int, str, int, str, str, str]
"""(position, stream_id, version, type, event_version, data, metadata, recorded_at) as
stored (the order of NEW_EVENT_COLUMNS)."""
NEW_EVENT_COLUMNS = "position, stream_id, version, type, event_version, data, metadata, recorded_at"
AnswerRow = tuple[str, str, int | None, int, str]
"""(key, request_hash, first_position, last_position, recorded_at) as stored."""


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    key: str
    request_hash: str


@dataclass(frozen=True, slots=True)
class LogView:
    """What a writer sees once it holds the log's write lock."""

    head: int
    answer: StoredAnswer | None = None
    versions: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Numbered:
    """A batch with its positions and versions: the rows to insert and the answer."""

    head: int
    events: list[StoredEvent]
    rows: list[EventRow]
    answer_row: AnswerRow | None


class Draft:
    def __init__(
        self,
        events: Sequence[Event],
        metadata: JSON,
        stream_versions: Mapping[str, int] | None,
        key: IdempotencyKey | None,
        codec: EventCodec,
    ) -> None:
        self.events = events
        self.metadata = dict(metadata)
        self.metadata_text = to_json_text(self.metadata)
        self.data_texts = [codec.encode(event) for event in events]
        self.stream_versions = stream_versions
        self.key = key

    @property
    def streams_to_look_up(self) -> list[str]:
        """The streams whose versions must be read from the log (none when the caller
        gave them)."""
        if self.stream_versions is not None:
            return []
        return list(dict.fromkeys(event.stream_id for event in self.events))

    def number(self, head: int, log_versions: Mapping[str, int] | None = None) -> Numbered:
        """Positions after `head`; versions after each stream's last, as the caller gave
        them or else as `log_versions` says."""
        known = self.stream_versions if self.stream_versions is not None else log_versions or {}
        recorded_at = now_text()
        positions = range(head + 1, head + 1 + len(self.events))
        events = [
            StoredEvent(p, e.stream_id, v, e, self.metadata, recorded_at)
            for p, e, v in zip(positions, self.events, self._versions(known), strict=True)
        ]
        rows = [
            (
                stored.position,
                stored.stream_id,
                stored.version,
                stored.type,
                stored.event.VERSION,
                data,
                self.metadata_text,
                recorded_at,
            )
            for stored, data in zip(events, self.data_texts, strict=True)
        ]
        last = head + len(events)
        return Numbered(last, events, rows, self._answer_row(head, last, recorded_at))

    def _versions(self, known: Mapping[str, int]) -> list[int]:
        counted: dict[str, int] = {}
        versions: list[int] = []
        for event in self.events:
            stream = event.stream_id
            counted[stream] = counted.get(stream, known.get(stream, 0)) + 1
            versions.append(counted[stream])
        return versions

    def _answer_row(self, head: int, last: int, recorded_at: str) -> AnswerRow | None:
        if self.key is None:
            return None
        first = head + 1 if last > head else None
        return (self.key.key, self.key.request_hash, first, last, recorded_at)


def check_head(head: int, expected_position: int | None) -> None:
    if expected_position is not None and head != expected_position:
        raise ConcurrencyError(
            f"the log is at position {head}, not at the expected {expected_position}"
        )


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
