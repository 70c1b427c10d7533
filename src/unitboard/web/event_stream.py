"""The raw event WebSocket (`/ws/events`): every event after a position from the log, then
live ones, for the roles that may read events."""

from __future__ import annotations

import asyncio

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from unitboard.realtime.feed import Subscriber, encode
from unitboard.runtime import Runtime
from unitboard.service import roles
from unitboard.web.api import MAX_EVENTS, int_param, require_actor
from unitboard.web.common import runtime_of
from unitboard.web.errors import ApiError


async def events_socket(websocket: WebSocket) -> None:
    runtime = runtime_of(websocket)
    try:
        actor = await require_actor(websocket)
        after = int_param(websocket, "after", 0, 0, 2**62)
    except ApiError as error:
        await websocket.close(code=4000 + error.status, reason=error.message[:120])
        return
    if actor.role not in roles.READ_EVENTS:
        await websocket.close(code=4403, reason="This role may not read events.")
        return
    await websocket.accept()
    subscriber = runtime.feed.subscribe()
    watcher = asyncio.ensure_future(watch_disconnect(websocket, subscriber))
    try:
        await stream_events(websocket, runtime, subscriber, after)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the screen went away mid-send; it resumes by position
    finally:
        watcher.cancel()
        runtime.feed.unsubscribe(subscriber)


async def watch_disconnect(websocket: WebSocket, subscriber: Subscriber) -> None:
    """A screen that leaves is noticed only by reading: read until it says goodbye."""
    try:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    finally:
        subscriber.close()


async def stream_events(
    websocket: WebSocket, runtime: Runtime, subscriber: Subscriber, after: int
) -> None:
    """Every event after `after` from the log, then live ones; a gap between the two (events
    appended while the backlog was read) is filled from the log, so none is missed."""
    sent = await send_backlog(websocket, runtime, after, None)
    while True:
        batch = await subscriber.next_batch()
        if subscriber.closed:
            return
        if subscriber.dropped:
            await websocket.close(code=1013, reason=f"too slow; resume after {sent}")
            return
        if batch and batch[0][0] > sent + 1:
            sent = await send_backlog(websocket, runtime, sent, batch[0][0] - 1)
        for position, text in batch:
            if position > sent:
                await websocket.send_text(text)
                sent = position


async def send_backlog(
    websocket: WebSocket, runtime: Runtime, after: int, until: int | None
) -> int:
    sent = after
    while until is None or sent < until:
        limit = MAX_EVENTS if until is None else min(MAX_EVENTS, until - sent)
        backlog = await runtime.read(runtime.log.read, sent, limit)
        for event in backlog:
            await websocket.send_text(encode(event))
            sent = event.position
        if len(backlog) < limit:
            break
    return sent


routes = [WebSocketRoute("/ws/events", events_socket)]
