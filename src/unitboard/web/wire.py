"""A WebSocket's way out, with deadlines: a send waits at most SEND_SECONDS for the peer
to take data, a close at most CLOSE_SECONDS for the peer's goodbye, and then the
connection is aborted, which frees its socket at once.

An ASGI application can only close a socket gently, and a gentle close waits for the
data already queued to go out first: for a peer that stopped reading (its window shut),
that is for ever, with the connection's buffers held all the while. So the wire reaches
the connection itself: on uvicorn (what `unitboard serve` runs) the ASGI `receive` is a
method of the connection's protocol, which holds the transport. Aborting sets SO_LINGER
to 0 first, so the kernel resets the connection and frees its buffers too, instead of
keeping an orphaned socket that retries into a closed window.

On uvicorn's websockets-sansio protocol, ready-made frames (realtime/encoded.py) also go
straight onto the transport, many per write, after the same wait for room that uvicorn's
own send makes. Elsewhere (another ASGI server, a test client) sends go through ASGI one
message at a time, and a stuck peer can only be given up on, not cut off."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from unitboard.realtime.encoded import EncodedRun
from unitboard.realtime.socket_deadlines import CLOSE_SECONDS, SEND_SECONDS

log = logging.getLogger(__name__)


class Stuck(ConnectionAbortedError):
    """The peer took nothing for the send deadline."""


class Wire:
    def __init__(
        self,
        websocket: WebSocket,
        protocol: asyncio.Protocol | None,
        send_seconds: float = SEND_SECONDS,
        close_seconds: float = CLOSE_SECONDS,
    ) -> None:
        self.websocket = websocket
        self.protocol = protocol
        self.transport: asyncio.Transport | None = getattr(protocol, "transport", None)
        self.raw = isinstance(protocol, WebSocketsSansIOProtocol)
        """Frames may go straight onto the transport."""
        self.send_seconds = send_seconds
        self.close_seconds = close_seconds
        self._closing_since: float | None = None

    @classmethod
    def of(cls, websocket: WebSocket, **deadlines: float) -> Wire:
        return cls(websocket, protocol_behind(websocket._receive), **deadlines)

    async def send_events(self, run: EncodedRun, start: int, end: int) -> None:
        """Send events [start, end) of `run`, one message each; Stuck when the peer took
        nothing for the send deadline; ConnectionError when the socket is closed."""
        if self.raw:
            await self._room()
            assert self.transport is not None
            self.transport.write(run.frames_of(start, end))
        else:
            for index in range(start, end):
                await self.send_text(run.text(index))

    async def send_text(self, text: str) -> None:
        try:
            async with asyncio.timeout(self.send_seconds):
                await self.websocket.send_text(text)
        except TimeoutError:
            raise Stuck(f"the peer took nothing for {self.send_seconds:g} s") from None

    async def _room(self) -> None:
        """Wait, as uvicorn's own send does, until the transport's buffer has room."""
        protocol = self.protocol
        assert isinstance(protocol, WebSocketsSansIOProtocol)
        if not protocol.writable.is_set():
            try:
                async with asyncio.timeout(self.send_seconds):
                    await protocol.writable.wait()
            except TimeoutError:
                raise Stuck(f"the peer took nothing for {self.send_seconds:g} s") from None
        if protocol.disconnected or protocol.close_sent or protocol.transport.is_closing():
            raise ConnectionResetError("the socket is closed")

    async def close(self, code: int, reason: str) -> None:
        """Close, waiting at most the close deadline for the peer's goodbye; then abort."""
        try:
            async with asyncio.timeout(self.close_seconds):
                await self.websocket.close(code, reason)
                while self.protocol is not None and not self.lost():
                    await asyncio.sleep(0.05)
        except (TimeoutError, OSError, RuntimeError):
            pass  # RuntimeError: it was closed already
        finally:
            self.abort()

    def cut_off_if_hung(self) -> None:
        """Call now and then on an idle socket. One that is being closed (uvicorn's
        keepalive gave up on a peer that stopped answering pings) but still has not gone
        after the close deadline waits on a peer that stopped reading: cut it off."""
        transport = self.transport
        if transport is None or self.lost() or not transport.is_closing():
            self._closing_since = None
        elif self._closing_since is None:
            self._closing_since = time.monotonic()
        elif time.monotonic() - self._closing_since >= self.close_seconds:
            self.abort()

    def lost(self) -> bool:
        return bool(getattr(self.protocol, "disconnected", False))

    def abort(self) -> None:
        """Cut the connection off now (a reset), whatever it still had to send."""
        transport = self.transport
        if transport is None or self.lost():
            return
        client = self.websocket.client
        who = f"{client.host}:{client.port}" if client else "a peer"
        log.info("Cut off the WebSocket of %s: it stopped taking data.", who)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()


def protocol_behind(receive: Callable[..., Any], depth: int = 0) -> asyncio.Protocol | None:
    """The connection's protocol behind an ASGI `receive`: the method's owner, looked for
    through a few layers of wrapping middleware. None when there is none (not uvicorn)."""
    owner = getattr(receive, "__self__", None)
    if isinstance(owner, asyncio.Protocol) and isinstance(
        getattr(owner, "transport", None), asyncio.Transport
    ):
        return owner
    if depth < 4:
        for cell in getattr(receive, "__closure__", None) or ():
            with contextlib.suppress(ValueError):  # an empty cell
                inner = cell.cell_contents
                if callable(inner):
                    found = protocol_behind(inner, depth + 1)
                    if found is not None:
                        return found
    return None
