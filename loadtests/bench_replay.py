"""Replay benchmark: seconds for a server to rebuild its write model and every projection
from a 1,000,000-event log, the way it does at start (`Runtime.replay`).

    python loadtests/bench_replay.py [--events 1000000] [--keep PATH]

The log is made once, quickly, by deciding real commands with the pure domain (no HTTP, no
fsync per event) for a 50-unit, 1,000-bed hospital whose beds each walk admit -> assign ->
arrive -> discharge -> start cleaning -> clean, and writing the events in large
transactions. `--keep PATH` keeps (and later reuses) that SQLite file. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fanout import layout  # noqa: E402
from traffic import Bed  # noqa: E402

from unitboard.bootstrap import build_runtime  # noqa: E402
from unitboard.config import Settings  # noqa: E402
from unitboard.domain.aggregates import HOUSE  # noqa: E402
from unitboard.domain.beds.state import Beds  # noqa: E402
from unitboard.domain.hospital import Hospital, decide, fold  # noqa: E402
from unitboard.domain.layout.commands import LoadLayout  # noqa: E402
from unitboard.domain.stays.state import Stays  # noqa: E402
from unitboard.store import StoredEvent, make_engine, upgrade  # noqa: E402
from unitboard.store.batches import NEW_EVENT_COLUMNS  # noqa: E402
from unitboard.store.codec import EventCodec  # noqa: E402
from unitboard.store.records import to_json_text  # noqa: E402

INSERT = f"INSERT INTO events ({NEW_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


class Recorder:
    """Decides commands against its own state and keeps the events as rows of the log."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.state = Hospital()
        self.codec = EventCodec(HOUSE)
        self.versions: dict[str, int] = {}
        self.rows: list[tuple[Any, ...]] = []
        self.clock = datetime(2026, 1, 1, tzinfo=UTC)

    def record(self, events: list[Any], command: str) -> None:
        self.clock += timedelta(seconds=7)
        at = self.clock.isoformat()
        meta = {
            "actor": "gen:secretary",
            "role": "secretary",
            "command": command,
            "correlation_id": str(uuid.uuid4()),
            "idempotency_key": None,
        }
        stored = []
        for event in events:
            version = self.versions.get(event.stream_id, 0) + 1
            self.versions[event.stream_id] = version
            position = self.state.position + len(stored) + 1
            stored.append(StoredEvent(position, event.stream_id, version, event, meta, at))
            self.rows.append(
                (position, event.stream_id, version, event.type, event.VERSION,
                 self.codec.encode(event), to_json_text(meta), at)
            )  # fmt: skip
        fold(self.state, stored)
        if len(self.rows) >= 50_000:
            self.flush()

    def flush(self) -> None:
        self.connection.executemany(INSERT, self.rows)
        self.connection.commit()
        self.rows.clear()


def generate(path: Path, count: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    recorder = Recorder(connection)
    recorder.record(decide(recorder.state, LoadLayout(toml=layout(50))), "LoadLayout")
    all_beds = recorder.state[Beds].beds.values()
    beds = deque(Bed(bed.bed_id, bed.unit_id, "F") for bed in list(all_beds))
    while recorder.state.position < count:
        bed = beds.popleft()
        name, data = bed.next_command()
        command = HOUSE.commands[name].model.model_validate(data)
        recorder.record(decide(recorder.state, command), name)
        bed.advance()
        beds.append(bed)
    recorder.flush()
    connection.execute("DELETE FROM events WHERE position > ?", (count,))
    connection.commit()
    connection.close()


def replay(path: Path) -> dict[str, Any]:
    runtime = build_runtime(Settings(database_url=f"sqlite:///{path}"))
    try:
        started = time.perf_counter()
        runtime.replay()
        seconds = time.perf_counter() - started
        return {
            "events": runtime.projection.position,
            "replay_s": round(seconds, 2),
            "events_per_s": round(runtime.projection.position / seconds),
            "stays": len(runtime.projection.hospital[Stays].stays),
            "beds": len(runtime.projection.beds),
        }
    finally:
        runtime.writer.shutdown()
        runtime.reader.shutdown()
        runtime.log.close()
        runtime.engine.dispose()


def run(count: int, keep: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="unitboard-replay-") as tmp:
        path = keep or Path(tmp) / "replay.db"
        generated = None
        if not path.exists():
            started = time.perf_counter()
            generate(path, count)
            generated = round(time.perf_counter() - started, 1)
        result = replay(path)
        result["generated_in_s"] = generated
        return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path)
    options = parser.parse_args()
    print(json.dumps(run(options.events, options.keep), indent=2))
