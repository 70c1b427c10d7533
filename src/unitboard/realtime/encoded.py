"""Events as `/ws/events` sends them, encoded once for every subscriber.

Each event is its JSON text in a WebSocket text frame of its own (one event, one message).
A server's frames are not masked, so the same bytes go to every socket: a run of
consecutive events is kept as one block of frames, and a subscriber catching up writes a
slice of that block, many frames at a time, instead of encoding and framing each event
again for itself."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from websockets.frames import Frame, Opcode

from unitboard.store import EventLog, StoredEvent
from unitboard.store.records import to_json_text


def encode(event: StoredEvent) -> str:
    """An event's JSON text, exactly as GET /api/events writes it."""
    return to_json_text(event.to_json())


@dataclass(frozen=True, slots=True)
class EncodedRun:
    """Consecutive events, framed: `positions[i]`'s frame is
    `frames[offsets[i]:offsets[i + 1]]`."""

    positions: Sequence[int]
    frames: bytes
    offsets: Sequence[int]

    @property
    def first(self) -> int:
        return self.positions[0]

    @property
    def last(self) -> int:
        return self.positions[-1]

    def __len__(self) -> int:
        return len(self.positions)

    def index_after(self, position: int) -> int:
        """The index of the first event after `position` (len(self) when none is)."""
        return bisect.bisect_right(self.positions, position)

    def chunks(self, after: int, until: int, size: int) -> Iterator[tuple[int, int]]:
        """Index ranges [start, end) of the events in (after, until], each at most `size`
        bytes of frames (or a single event, when one is larger)."""
        start = self.index_after(after)
        stop = bisect.bisect_right(self.positions, until)
        while start < stop:
            end = start + 1
            limit = self.offsets[start] + size
            while end < stop and self.offsets[end + 1] <= limit:
                end += 1
            yield start, end
            start = end

    def frames_of(self, start: int, end: int) -> memoryview:
        """The frames of events [start, end), as one slice of the shared block (no copy)."""
        return memoryview(self.frames)[self.offsets[start] : self.offsets[end]]

    def text(self, index: int) -> str:
        """One event's JSON text, for a socket that can only send one message at a time."""
        start, end = self.offsets[index], self.offsets[index + 1]
        length = self.frames[start + 1] & 0x7F
        head = 2 if length < 126 else 4 if length == 126 else 10
        return self.frames[start + head : end].decode()


def encode_run(events: Sequence[StoredEvent]) -> EncodedRun:
    """Frame `events` (in position order) once, into one block."""
    positions: list[int] = []
    offsets = [0]
    parts: list[bytes] = []
    for event in events:
        frame = Frame(Opcode.TEXT, encode(event).encode()).serialize(mask=False)
        parts.append(frame)
        positions.append(event.position)
        offsets.append(offsets[-1] + len(frame))
    return EncodedRun(positions, b"".join(parts), offsets)


def read_encoded(log: EventLog, after: int, limit: int) -> EncodedRun:
    """Up to `limit` events after `after` from the log, framed (run on a reader thread)."""
    return encode_run(log.read(after, limit))
