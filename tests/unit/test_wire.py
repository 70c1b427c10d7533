"""A WebSocket's wire: it finds the connection behind an ASGI `receive` (through wrapping
middleware), cuts a connection off with a reset (SO_LINGER 0, then abort) and leaves one
already gone alone, and cuts off a connection that hangs while closing."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from starlette.websockets import WebSocket

from unitboard.web.wire import Wire

Receive = Callable[[], Awaitable[dict[str, Any]]]


class Transport(asyncio.Transport):
    """A connection's transport, recording what is done to it; its socket is real."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock
        self.closing = False
        self.aborted = False

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default

    def abort(self) -> None:
        self.aborted = True


class Connection(asyncio.Protocol):
    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.disconnected = False

    async def receive(self) -> dict[str, Any]:
        return {"type": "websocket.disconnect"}


@pytest.fixture
def connection() -> Iterator[Connection]:
    with socket.socket() as sock:
        yield Connection(Transport(sock))


def websocket(receive: Receive) -> WebSocket:
    async def send(message: Any) -> None:
        pass

    scope = {"type": "websocket", "client": ("127.0.0.1", 50000), "headers": []}
    return WebSocket(scope, receive, send)


def middleware(receive: Receive) -> Receive:
    async def wrapped() -> dict[str, Any]:
        return await receive()

    return wrapped


def linger(sock: socket.socket) -> tuple[int, int]:
    on, seconds = struct.unpack("ii", sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8))
    return on, seconds


def test_the_connection_is_found_behind_wrapping_middleware(connection: Connection) -> None:
    wire = Wire.of(websocket(middleware(middleware(connection.receive))))
    assert wire.protocol is connection and wire.transport is connection.transport
    assert not wire.raw  # not uvicorn's websockets-sansio protocol: one message at a time


def test_without_a_connection_behind_receive_there_is_nothing_to_cut_off() -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "websocket.disconnect"}

    wire = Wire.of(websocket(receive))
    assert wire.protocol is None
    wire.abort()  # nothing to do, and no error


def test_cutting_off_resets_the_connection(connection: Connection) -> None:
    Wire.of(websocket(connection.receive)).abort()

    assert isinstance(connection.transport, Transport)
    assert connection.transport.aborted
    assert linger(connection.transport.sock) == (1, 0)  # a reset frees the kernel's side too


def test_a_connection_already_gone_is_left_alone(connection: Connection) -> None:
    connection.disconnected = True
    Wire.of(websocket(connection.receive)).abort()
    assert isinstance(connection.transport, Transport)
    assert not connection.transport.aborted


def test_a_connection_hanging_while_closing_is_cut_off_after_the_close_deadline(
    connection: Connection,
) -> None:
    transport = connection.transport
    assert isinstance(transport, Transport)
    wire = Wire.of(websocket(connection.receive), close_seconds=0.0)

    wire.cut_off_if_hung()
    assert not transport.aborted  # open and well

    transport.closing = True  # uvicorn's keepalive gave up on it; the close waits for ever
    wire.cut_off_if_hung()
    assert not transport.aborted  # first seen closing
    wire.cut_off_if_hung()
    assert transport.aborted
