"""The raw event WebSocket (`/ws/events`): every event after a position, then live ones,
for the roles that may read events. Catching up is served once for many: the events come
encoded once for every subscriber (the feed's kept events, or blocks read from the log
once however many ask), a bounded number of subscribers catch up at a time, each writes a
chunk of frames and lets the others run, and a peer that stops reading is cut off."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from unitboard.realtime.backlog import Backlog
from unitboard.realtime.feed import Subscriber
from unitboard.runtime import Runtime
from unitboard.web.api import check_reads_events, int_param, require_actor
from unitboard.web.auth import bearer
from unitboard.web.common import end_with_session, one_more_socket, runtime_of, same_origin
from unitboard.web.errors import ApiError
from unitboard.web.wire import Stuck, Wire

log = logging.getLogger(__name__)


async def events_socket(websocket: WebSocket) -> None:
    runtime = runtime_of(websocket)
    if bearer(websocket) is None and not same_origin(websocket):
        await websocket.close(code=4403, reason="cross-origin")  # another site using a cookie
        return
    try:
        actor = await require_actor(websocket)
        after = int_param(websocket, "after", 0, 0, 2**62)
    except ApiError as error:
        await websocket.close(code=4000 + error.status, reason=error.message[:120])
        return
    try:
        check_reads_events(actor)
    except ApiError as error:
        await websocket.close(code=4403, reason=error.message[:120])
        return
    with one_more_socket(websocket, actor) as admitted:
        await websocket.accept()
        if not admitted:
            await websocket.close(code=4429, reason="Too many sockets open in this session.")
            return
        subscriber = runtime.feed.subscribe()
        watcher = asyncio.ensure_future(watch_disconnect(websocket, subscriber))
        guard = asyncio.ensure_future(end_with_session(websocket, actor))
        try:
            await stream_events(websocket, runtime, subscriber, after)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the screen went away mid-send; it resumes by position
        finally:
            watcher.cancel()
            guard.cancel()
            runtime.feed.unsubscribe(subscriber)


async def watch_disconnect(websocket: WebSocket, subscriber: Subscriber) -> None:
    """A screen that leaves is noticed only by reading: read until it says goodbye."""
    try:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    finally:
        subscriber.close()


CHUNK_BYTES = 64 * 1024
"""Frames written at once: about what a transport buffers before it asks its writer to
wait, so one subscriber's turn on the event loop stays short."""
NEAR_HEAD = 100
"""A subscriber this close to the head is following live, not catching up."""
IDLE_CHECK_SECONDS = 5.0
"""How often a quiet feed looks whether its connection hung while closing."""


@dataclass
class Progress:
    sent: int
    """The last position written to the socket."""


async def stream_events(
    websocket: WebSocket, runtime: Runtime, subscriber: Subscriber, after: int
) -> None:
    """Every event after `after`, then live ones as they are published, each once and in
    order. A subscriber far behind first waits for one of the feed's catch-up slots. A peer
    that takes nothing for the send deadline is told to resume later, and cut off."""
    wire = Wire.of(websocket)
    feed = runtime.feed
    progress = Progress(after)
    try:
        if feed.head() - progress.sent > NEAR_HEAD:
            async with feed.catch_ups:
                while not subscriber.closed and feed.head() - progress.sent > NEAR_HEAD:
                    await send_backlog(wire, runtime.backlog, progress, feed.head())
        while not subscriber.closed:
            head = feed.head()
            if head > progress.sent:
                await send_backlog(wire, runtime.backlog, progress, head)
                continue
            try:
                async with asyncio.timeout(IDLE_CHECK_SECONDS):
                    await subscriber.more()
            except TimeoutError:
                wire.cut_off_if_hung()
    except Stuck:
        await wire.close(1013, f"too slow; resume after {progress.sent}")
        raise
    except Unreadable as error:
        log.warning("An event feed stopped: %s", error.__cause__)
        await wire.close(1011, f"the event log cannot be read now; resume after {progress.sent}")


class Unreadable(Exception):
    """The log could not be read for a subscriber's backlog."""


async def send_backlog(wire: Wire, backlog: Backlog, progress: Progress, until: int) -> None:
    """Send the events after `progress.sent` up to `until`, a chunk of frames at a time,
    each once the socket has room, letting the other subscribers run between chunks. The
    events come encoded once for everybody (realtime/backlog.py)."""
    wrote = False
    while progress.sent < until:
        try:
            runs = await backlog.runs_after(progress.sent, until)
        except Exception as error:  # a database that fails or does not answer
            raise Unreadable() from error
        before = progress.sent
        for run in runs:
            for start, end in run.chunks(progress.sent, until, CHUNK_BYTES):
                if wrote:
                    await asyncio.sleep(0)
                await wire.send_events(run, start, end)
                progress.sent = run.positions[end - 1]
                wrote = True
        if progress.sent == before:
            raise Unreadable() from LookupError(f"no event after {before} below {until}")


routes = [WebSocketRoute("/ws/events", events_socket)]
