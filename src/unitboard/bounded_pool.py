"""A small thread pool that refuses work beyond a bound instead of queueing it without end.

Password hashing (argon2: about 110 ms of CPU and 64 MiB per check) runs here, away from
the pool that reads boards and events: a flood of logins then slows logins only, and past
`workers + waiting` checks at once the next is refused at once rather than queued for
seconds."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class PoolBusy(Exception):
    """Every worker is busy and the waiting line is full."""


class BoundedPool:
    def __init__(self, workers: int, waiting: int, name: str, nice: int = 0) -> None:
        """`nice`: how much lower its threads' CPU priority is (Linux: per thread), so that
        when the cores are busy the event loop and the readers run first."""
        self.executor = ThreadPoolExecutor(
            workers, thread_name_prefix=name, initializer=lower_priority, initargs=(nice,)
        )
        self.bound = workers + waiting
        self.busy = 0
        """Calls running or waiting; touched on the event loop only."""

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on the pool; PoolBusy at once when the pool is full. A call
        counts until its thread is done with it, even if its caller went away."""
        if self.busy >= self.bound:
            raise PoolBusy()
        loop = asyncio.get_running_loop()
        self.busy += 1
        try:
            future = self.executor.submit(functools.partial(function, *args))
        except BaseException:
            self.busy -= 1
            raise

        def release(_: object) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._release)

        future.add_done_callback(release)
        return await asyncio.wrap_future(future)

    def _release(self) -> None:
        self.busy -= 1

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True)


def lower_priority(nice: int) -> None:
    """Lower this thread's priority by `nice` (where the system allows one thread's alone:
    Linux; threads it starts inherit it)."""
    if nice and sys.platform == "linux":
        with contextlib.suppress(OSError):
            current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), current + nice)
