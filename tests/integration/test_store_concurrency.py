"""Writers at the same time, each on its own engine (as separate processes would be), and a
follower reading `position > last_seen` while they write: it must never skip an event that
commits late. Runs on SQLite and on PostgreSQL (see tests/conftest.py)."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine

from store_events import STORE_TESTS, Counted
from unitboard.domain.events import Event
from unitboard.store import Appended, ConcurrencyError, EventLog, StoredEvent, make_engine

T = TypeVar("T")
WRITERS = 8
BATCHES_PER_WRITER = 50


@contextmanager
def own_log(database_url: str) -> Iterator[EventLog]:
    engine = make_engine(database_url)
    try:
        yield EventLog(engine, STORE_TESTS)
    finally:
        engine.dispose()


def run_together(jobs: list[Callable[[], T]]) -> list[T]:
    """Run each job on its own thread, started together; re-raise the first failure."""
    start = threading.Barrier(len(jobs))

    def started(job: Callable[[], T]) -> T:
        start.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(started, job) for job in jobs]
        return [future.result(timeout=300) for future in futures]


def counted(writer: int, batch: int, size: int, streams: int = 3) -> list[Event]:
    rng = random.Random(writer * 1000 + batch)
    return [
        Counted(writer=writer, batch=batch, stream=f"w{writer}-s{rng.randrange(streams)}")
        for _ in range(size)
    ]


class Follower:
    """Reads the log from position 0, a few events at a time, until told to stop and
    nothing is left."""

    def __init__(self, log: EventLog, limit: int = 7) -> None:
        self.log = log
        self.limit = limit
        self.writers_done = threading.Event()
        self.seen: list[StoredEvent] = []
        self.reads_while_writing = 0

    def follow(self) -> list[StoredEvent]:
        while True:
            finished = self.writers_done.is_set()
            after = self.seen[-1].position if self.seen else 0
            batch = self.log.read(after=after, limit=self.limit)
            self.seen.extend(batch)
            if batch and not finished:
                self.reads_while_writing += 1
            if finished and not batch:
                return self.seen


def test_a_follower_sees_every_event_of_concurrent_writers_once_in_order(
    database_url: str, engine: Engine
) -> None:
    follower = Follower(EventLog(engine, STORE_TESTS))

    def writer(number: int) -> Callable[[], list[Appended]]:
        def write() -> list[Appended]:
            rng = random.Random(number)
            with own_log(database_url) as log:
                return [
                    log.append(counted(number, batch, rng.randint(1, 3)), metadata={"w": number})
                    for batch in range(BATCHES_PER_WRITER)
                ]

        return write

    with ThreadPoolExecutor(1) as pool:
        following = pool.submit(follower.follow)
        try:
            answers = run_together([writer(n) for n in range(WRITERS)])
        finally:
            follower.writers_done.set()
        seen = following.result(timeout=300)

    acknowledged = sorted((e for a in answers for b in a for e in b.events), key=position)
    assert [e.position for e in seen] == list(range(1, len(acknowledged) + 1))
    assert seen == acknowledged
    assert list(EventLog(engine, STORE_TESTS).iter_from(batch=100)) == acknowledged
    assert follower.reads_while_writing >= 2
    for batches in answers:
        assert_batches_contiguous(batches)
    assert_versions_count_up_per_stream(acknowledged)


def test_two_writers_never_interleave(database_url: str, engine: Engine) -> None:
    def writer(number: int) -> Callable[[], list[Appended]]:
        def write() -> list[Appended]:
            with own_log(database_url) as log:
                return [log.append(counted(number, b, 10), metadata={}) for b in range(30)]

        return write

    answers = run_together([writer(0), writer(1)])

    for batches in answers:
        assert_batches_contiguous(batches)
    recorded = EventLog(engine, STORE_TESTS).read(limit=1000)
    assert len(recorded) == 600
    for start in range(0, 600, 10):
        chunk = recorded[start : start + 10]
        assert len({(e.data["writer"], e.data["batch"]) for e in chunk}) == 1


def test_writers_expecting_a_position_retry_until_all_are_recorded(
    database_url: str, engine: Engine
) -> None:
    def writer(number: int) -> Callable[[], int]:
        def write() -> int:
            with own_log(database_url) as log:
                for batch in range(15):
                    append_expecting_head(log, counted(number, batch, 2))
            return number

        return write

    run_together([writer(n) for n in range(4)])

    recorded = EventLog(engine, STORE_TESTS).read(limit=1000)
    assert [e.position for e in recorded] == list(range(1, 121))
    assert_versions_count_up_per_stream(recorded)


def test_concurrent_retries_with_one_key_record_once(database_url: str, engine: Engine) -> None:
    def retry() -> Appended:
        with own_log(database_url) as log:
            return log.append(counted(0, 0, 3), metadata={}, idempotency_key="k", request_hash="h")

    answers = run_together([retry] * 6)

    assert sorted(a.replayed for a in answers) == [False] + [True] * 5
    assert all(a.events == answers[0].events for a in answers)
    assert EventLog(engine, STORE_TESTS).head() == 3


def append_expecting_head(log: EventLog, events: list[Event]) -> None:
    while True:
        try:
            log.append(events, metadata={}, expected_position=log.head())
            return
        except ConcurrencyError:
            continue


def assert_batches_contiguous(batches: list[Appended]) -> None:
    for appended in batches:
        positions = [e.position for e in appended.events]
        assert positions == list(range(positions[0], positions[0] + len(positions)))
        assert appended.position == positions[-1]


def assert_versions_count_up_per_stream(recorded: list[StoredEvent]) -> None:
    versions: dict[str, list[int]] = defaultdict(list)
    for event in recorded:
        versions[event.stream_id].append(event.version)
    for stream_versions in versions.values():
        assert stream_versions == list(range(1, len(stream_versions) + 1))


def position(event: StoredEvent) -> int:
    return event.position
