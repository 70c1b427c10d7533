"""Database work handed to a thread, awaited for a bounded time: a database that stops
answering costs a request its deadline, never a hang.

A thread stuck in the driver cannot be stopped, so the deadline tells the truth about what
it could not stop: work still waiting its turn when time ran out is cancelled and never
runs (nothing was recorded); work already running may still finish (for a write, the
outcome is unknown until a retry with the same idempotency key tells)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

from unitboard.store.faults import LogUnreachable, OutcomeUnknown

T = TypeVar("T")

WRITE_SECONDS = 6.0
"""A command's deadline: longer than PostgreSQL's statement timeout (store/urls.py), so a
database that answers at all refuses first, and the outcome is known."""
READ_SECONDS = 6.0


async def run_within(
    executor: Executor,
    seconds: float | None,
    function: Callable[..., T],
    *args: Any,
    writing: bool = False,
) -> T:
    """`function(*args)` on `executor`, raising LogUnreachable (or, for a write that had
    started, OutcomeUnknown) when it takes longer than `seconds` (None: no limit)."""
    future = executor.submit(function, *args)
    waiting = asyncio.wrap_future(future)
    if seconds is None:
        return await waiting
    try:
        # Not asyncio.wait_for: on 3.11 it loses a cancel that comes as the work finishes,
        # and a loop that awaits this (the scheduler) would then never stop.
        async with asyncio.timeout(seconds):
            return await waiting
    except TimeoutError:
        if future.cancel():
            raise LogUnreachable(_late(seconds, "it was not started")) from None
        if future.done():  # it finished just as time ran out
            return future.result()
        if writing:
            raise OutcomeUnknown(_late(seconds, "it was still being recorded")) from None
        raise LogUnreachable(_late(seconds, "it was still running")) from None


def _late(seconds: float, state: str) -> str:
    return f"the database did not answer within {seconds:g}s; {state}"
