"""The append as the brief states it, for a transaction holding the log's write lock:
look, decide, record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from unitboard.store.batches import AnswerRow, Draft, EventRow, LogView, Numbered, check_head
from unitboard.store.records import StoredAnswer

Outcome = Numbered | StoredAnswer
"""What an append did: the numbered batch it recorded, or the stored answer of its key."""


class LockedLog(Protocol):
    """The log inside a write transaction that holds the log's write lock."""

    def look(self, key: str | None, streams: Sequence[str]) -> LogView: ...

    def record(self, rows: Sequence[EventRow], answer: AnswerRow | None) -> None:
        """Insert, and commit."""


def write_locked(log: LockedLog, draft: Draft, expected_position: int | None) -> Outcome:
    view = log.look(draft.key.key if draft.key else None, draft.streams_to_look_up)
    if view.answer is not None:
        return view.answer
    check_head(view.head, expected_position)
    numbered = draft.number(view.head, view.versions)
    log.record(numbered.rows, numbered.answer_row)
    return numbered
