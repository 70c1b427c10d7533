"""Durable single-writer appends per second and p99, unitboard's EventLog against a raw
loop on the same engine in the same run: sqlite3 (WAL, synchronous=FULL) and psycopg
(insert + commit). Rounds alternate so both see the same machine. Prints JSON."""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg

from unitboard.domain.beds.events import BedMarkedDirty
from unitboard.store import EventLog, drop_schema, make_engine, upgrade

DATA = {"bed_id": "4W-401-A", "reason": "evs", "priority": None}
META = {"actor": "bench", "role": "evs", "command": "MarkBedDirty", "correlation_id": "x" * 36}


def unitboard_appender(url: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    engine = make_engine(url)
    drop_schema(engine)
    upgrade(engine)
    log = EventLog(engine)

    def append(i: int) -> None:
        log.append([BedMarkedDirty(bed_id=f"4W-{i}", reason="evs")], metadata=META)

    def close() -> None:
        log.close()
        drop_schema(engine)
        engine.dispose()

    return append, close


RAW_TABLE = (
    "CREATE TABLE raw_events (position BIGINT PRIMARY KEY, stream_id TEXT, version INT, "
    "type TEXT, data TEXT, metadata TEXT, recorded_at TEXT, UNIQUE (stream_id, version))"
)


def raw_sqlite_appender(path: Path) -> tuple[Callable[[int], None], Callable[[], None]]:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute(RAW_TABLE)
    row = (json.dumps(DATA), json.dumps(META))

    def append(i: int) -> None:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO raw_events VALUES (?, ?, 1, 'BedMarkedDirty', ?, ?, ?)",
            (i, f"bed-{i}", *row, time.time()),
        )
        connection.execute("COMMIT")

    return append, connection.close


def raw_postgres_appender(url: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    connection = psycopg.connect(url)
    connection.execute("SET synchronous_commit = on")
    connection.execute("DROP TABLE IF EXISTS raw_events")
    connection.execute(RAW_TABLE)
    connection.commit()
    row = (json.dumps(DATA), json.dumps(META))

    def append(i: int) -> None:
        connection.execute(
            "INSERT INTO raw_events VALUES (%s, %s, 1, 'BedMarkedDirty', %s, %s, %s)",
            (i, f"bed-{i}", *row, str(time.time())),
        )
        connection.commit()

    def close() -> None:
        connection.execute("DROP TABLE raw_events")
        connection.commit()
        connection.close()

    return append, close


def timed(append: Callable[[int], None], start: int, count: int) -> list[float]:
    latencies = []
    for i in range(start, start + count):
        began = time.perf_counter()
        append(i)
        latencies.append(time.perf_counter() - began)
    return latencies


def compare(
    ours: Callable[[int], None], raw: Callable[[int], None], total: int
) -> dict[str, float]:
    mine: list[float] = []
    theirs: list[float] = []
    rounds = 10
    for r in range(rounds):
        mine += timed(ours, r * total, total // rounds)
        theirs += timed(raw, r * total, total // rounds)
    per_s = len(mine) / sum(mine)
    raw_per_s = len(theirs) / sum(theirs)
    return {
        "per_s": round(per_s, 1),
        "p99_ms": round(statistics.quantiles(mine, n=100)[98] * 1000, 2),
        "raw_per_s": round(raw_per_s, 1),
        "raw_p99_ms": round(statistics.quantiles(theirs, n=100)[98] * 1000, 2),
        "ratio_vs_raw": round(per_s / raw_per_s, 3),
    }


def run(appends: int, postgres_url: str) -> dict[str, dict[str, float]]:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        ours, close_ours = unitboard_appender(f"sqlite:///{folder}/unitboard.db")
        raw, close_raw = raw_sqlite_appender(Path(folder) / "raw.db")
        results["sqlite"] = compare(ours, raw, appends)
        close_ours()
        close_raw()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {schema}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{schema}"
    try:
        ours, close_ours = unitboard_appender(url)
        raw, close_raw = raw_postgres_appender(url)
        results["postgresql"] = compare(ours, raw, appends)
        close_ours()
        close_raw()
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {schema} WITH (FORCE)")
    return results


POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    options = parser.parse_args()
    print(json.dumps(run(options.appends, options.postgres_url), indent=2))
