"""Reading the log by stream: the events of a few beds and stays, for their history. The
log's (stream_id, version) key is the index these reads use."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select

from unitboard.store.eventlog import EventLog
from unitboard.store.records import StoredEvent, stored_event
from unitboard.store.schema import STORED_EVENT_COLUMNS, events
from unitboard.store.urls import for_reading

_BY_STREAMS = (
    select(*STORED_EVENT_COLUMNS)
    .where(events.c.stream_id.in_(bindparam("streams", expanding=True)))
    .order_by(events.c.position.desc())
    .limit(bindparam("limit"))
)


def read_streams(log: EventLog, stream_ids: Sequence[str], limit: int) -> list[StoredEvent]:
    """The latest `limit` events of these streams, in log order (oldest first)."""
    if not stream_ids:
        return []
    with for_reading(log.engine).connect() as connection:
        rows = connection.execute(_BY_STREAMS, {"streams": list(stream_ids), "limit": limit}).all()
    return [stored_event(log.codec, row) for row in reversed(rows)]
