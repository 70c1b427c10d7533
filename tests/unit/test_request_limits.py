"""What a request may send, checked before it is read: JSON nesting counted over its
brackets (not those inside strings), a bounded pool that refuses rather than queues, and
the per-address connection count."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from typing import Any

import pytest

from unitboard.bounded_pool import BoundedPool, PoolBusy
from unitboard.web.limits import MAX_JSON_DEPTH, nests_deeper
from unitboard.web.server import OpenConnections, Uncapped


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_sixty_thousand_brackets_nest_too_deep() -> None:
    assert nests_deeper("[" * 60_000)


def test_the_limit_itself_is_allowed() -> None:
    assert not nests_deeper(nested(MAX_JSON_DEPTH))
    assert nests_deeper(nested(MAX_JSON_DEPTH + 1))


def test_objects_count_like_lists() -> None:
    text = '{"a":' * 40 + "1" + "}" * 40
    assert nests_deeper(text)


def test_brackets_inside_strings_do_not_count() -> None:
    assert not nests_deeper(json.dumps({"reason": "[" * 100 + '\\"{' * 100}))


def test_many_brackets_side_by_side_are_not_deep() -> None:
    assert not nests_deeper(json.dumps([[1, {"x": [2]}]] * 3000))


class Task:
    """A call that runs on a pool thread until the test lets it go."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> str:
        self.started.set()
        self.release.wait(10)
        return "done"


def test_a_full_pool_refuses_at_once_and_takes_work_again_when_free() -> None:
    async def scenario() -> list[Any]:
        pool = BoundedPool(workers=1, waiting=1, name="test-hash")
        first, second = Task(), Task()
        running = [asyncio.ensure_future(pool.run(first)), asyncio.ensure_future(pool.run(second))]
        await asyncio.sleep(0)
        with pytest.raises(PoolBusy):
            await pool.run(Task())
        first.release.set()
        second.release.set()
        results = await asyncio.gather(*running)
        results.append(await pool.run(lambda: "again"))
        pool.shutdown()
        return results

    assert asyncio.run(scenario()) == ["done", "done", "again"]


def test_a_call_counts_until_its_thread_is_done_even_if_its_caller_left() -> None:
    async def scenario() -> int:
        pool = BoundedPool(workers=1, waiting=0, name="test-hash")
        task = Task()
        caller = asyncio.ensure_future(pool.run(task))
        await asyncio.to_thread(task.started.wait, 10)
        caller.cancel()
        await asyncio.gather(caller, return_exceptions=True)
        with pytest.raises(PoolBusy):
            await pool.run(Task())
        task.release.set()
        while pool.busy:
            await asyncio.sleep(0.01)
        pool.shutdown()
        return pool.busy

    assert asyncio.run(scenario()) == 0


class Transport:
    def __init__(self) -> None:
        self.closing = False

    def is_closing(self) -> bool:
        return self.closing


def test_one_address_holds_at_most_its_share_of_connections() -> None:
    connections = OpenConnections(3, Uncapped("127.0.0.1"))
    held = [Transport() for _ in range(3)]
    assert all(connections.admit("192.0.2.7", t) for t in held)
    assert not connections.admit("192.0.2.7", Transport())
    assert connections.admit("192.0.2.8", Transport())
    connections.release("192.0.2.7", held[0])
    assert connections.admit("192.0.2.7", Transport())


def test_a_connection_closed_unnoticed_frees_its_place() -> None:
    connections = OpenConnections(1, Uncapped(""))
    gone = Transport()
    assert connections.admit("192.0.2.7", gone)
    gone.closing = True
    assert connections.admit("192.0.2.7", Transport())


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "10.1.2.3"])
def test_this_machine_and_trusted_proxies_are_not_capped(host: str) -> None:
    connections = OpenConnections(1, Uncapped(["10.0.0.0/8"]))
    assert all(connections.admit(host, Transport()) for _ in range(5))


def test_a_cap_of_zero_caps_nobody() -> None:
    connections = OpenConnections(0, Uncapped(""))
    assert all(connections.admit("192.0.2.7", Transport()) for _ in range(5))


def test_any_address_trusted_caps_nobody() -> None:
    connections = OpenConnections(1, Uncapped("*"))
    assert all(connections.admit("192.0.2.7", Transport()) for _ in range(5))


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own priority is Linux's")
def test_the_pool_runs_at_a_lower_priority_than_the_loop() -> None:
    def priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    async def scenario() -> int:
        pool = BoundedPool(workers=1, waiting=0, name="test-hash", nice=10)
        try:
            return await pool.run(priority)
        finally:
            pool.shutdown()

    assert asyncio.run(scenario()) == min(19, priority() + 10)
