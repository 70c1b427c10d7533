"""uvicorn, with the limits it does not set by itself.

uvicorn has no deadline on reading a request: a client that sends half a request head and
then nothing (slowloris) holds its connection, and its file descriptor, for ever, and a
connection that sends nothing at all as well. Here each request head must arrive within
HEAD_SECONDS of the connection (or of the request's first byte on a kept-alive one), and
its body within BODY_SECONDS after that; one address may hold at most `per_address`
connections (HTTP and WebSocket alike), and the whole server at most `max_connections`,
beyond which a new connection is answered 503 as soon as its request head is in, and
closed. The open-files limit is raised to the hard limit at start, and `max_connections`
stays well under it.

This machine's own connections (loopback) and those of the addresses uvicorn trusts as
proxies (`forwarded_allow_ips`) are not capped per address: every client behind a proxy
arrives from it, and the proxy is the place to cap them.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import resource
from typing import Any, ClassVar, Protocol

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

HEAD_SECONDS = 10.0
BODY_SECONDS = 10.0
PER_ADDRESS = 256
"""A ward behind one NAT address holds many desks, each a few connections and a socket."""
MAX_CONNECTIONS = 10_000
WS_MAX_SIZE = 4 * 1024
"""Screens and event feeds send nothing but pongs and a goodbye: a larger frame is refused
(1009) before it is read."""
BACKLOG = 2048
"""Room for a reconnect storm: every screen of a hospital coming back at once after a
restart."""
KEEP_ALIVE_SECONDS = 5
LINGER_SECONDS = 2.0
"""How long a refused connection may take to send its request head."""
log = logging.getLogger("uvicorn.error")


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard one; the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            log.warning("Could not raise the open-files limit above %d.", soft)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


class Uncapped:
    """The addresses not capped per address: loopback, and those named in uvicorn's
    `forwarded_allow_ips` ("*" for any)."""

    def __init__(self, allowed: list[str] | str) -> None:
        items = allowed.split(",") if isinstance(allowed, str) else allowed
        self.everyone = False
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for item in (i.strip() for i in items):
            if item == "*":
                self.everyone = True
            elif item:
                # A name (a Unix socket's, say) has no address to match.
                with contextlib.suppress(ValueError):
                    self.networks.append(ipaddress.ip_network(item, strict=False))
        self._seen: dict[str, bool] = {}

    def __contains__(self, host: str) -> bool:
        if self.everyone:
            return True
        if host not in self._seen:
            if len(self._seen) > 10_000:
                self._seen.clear()
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                self._seen[host] = False
            else:
                trusted = any(address in network for network in self.networks)
                self._seen[host] = address.is_loopback or trusted
        return self._seen[host]


class Connection(Protocol):
    """What the count needs of a connection's transport."""

    def is_closing(self) -> bool: ...


class OpenConnections:
    """The open connections (their transports) of each address, capped per address."""

    def __init__(self, per_address: int, uncapped: Uncapped) -> None:
        self.per_address = per_address
        self.uncapped = uncapped
        self._open: dict[str, set[Connection]] = {}

    def admit(self, host: str | None, transport: Connection) -> bool:
        if host is None or self.per_address <= 0 or host in self.uncapped:
            return True
        held = self._open.setdefault(host, set())
        if len(held) >= self.per_address:
            held.difference_update([t for t in held if t.is_closing()])
            if len(held) >= self.per_address:
                return False
        held.add(transport)
        return True

    def release(self, host: str | None, transport: Connection) -> None:
        held = self._open.get(host or "")
        if held is not None:
            held.discard(transport)
            if not held:
                del self._open[host or ""]

    def count(self, host: str) -> int:
        return len(self._open.get(host, ()))


def plain_response(status: str, message: str) -> bytes:
    body = message.encode()
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


TOO_MANY_FROM_YOU = plain_response(
    "503 Service Unavailable", "Too many connections from your address; close some and retry."
)
TOO_MANY = plain_response("503 Service Unavailable", "The server is full; try again shortly.")
TOO_SLOW = plain_response("408 Request Timeout", "The request took too long to arrive.")


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline on each request and the caps above."""

    connections_open: ClassVar[OpenConnections]
    max_connections: ClassVar[int]
    deadline: asyncio.TimerHandle | None = None
    refusal: bytes | None = None
    unread = b""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        host = self.client[0] if self.client else None
        if len(self.connections) > self.max_connections:
            self.refuse(TOO_MANY)
        elif not self.connections_open.admit(host, transport):
            self.refuse(TOO_MANY_FROM_YOU)
        else:
            self.arm(HEAD_SECONDS)

    def refuse(self, response: bytes) -> None:
        """Answer `response` once the request head is in (within LINGER_SECONDS), without
        handing it to the app, then close. An answer sent before the request, or a close
        with the request unread, can reach the client as a reset it reads no reason in."""
        self.refusal = response
        self.arm(LINGER_SECONDS)

    def data_received(self, data: bytes) -> None:
        if self.refusal is None:
            super().data_received(data)
            return
        seen = self.unread + data
        if b"\r\n\r\n" in seen:
            self.answer_refusal()
        self.unread = seen[-3:]  # the end of a head may come split across reads

    def answer_refusal(self) -> None:
        self.disarm()
        if self.refusal is not None and not self.transport.is_closing():
            self.transport.write(self.refusal)
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        self.connections_open.release(self.client[0] if self.client else None, self.transport)
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.deadline is None:
            self.arm(HEAD_SECONDS)

    def on_headers_complete(self) -> None:
        self.disarm()
        super().on_headers_complete()
        if not (self.parser.should_upgrade() and self._should_upgrade()):
            self.arm(BODY_SECONDS)

    def on_message_complete(self) -> None:
        self.disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self.disarm()
        super().handle_websocket_upgrade()

    def arm(self, seconds: float) -> None:
        self.disarm()
        self.deadline = self.loop.call_later(seconds, self.too_slow)

    def disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def too_slow(self) -> None:
        """The request did not arrive in time: say so if nothing was answered yet, and
        close the connection."""
        self.deadline = None
        if self.refusal is not None:
            self.answer_refusal()
            return
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(TOO_SLOW)
        self.transport.close()


class GuardedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, releasing its address's count when closed
    (the HTTP protocol admitted the connection before the upgrade)."""

    connections_open: ClassVar[OpenConnections]

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections_open.release(self.client[0] if self.client else None, self.transport)
        super().connection_lost(exc)


def build_server(
    app: Any,
    *,
    per_address: int = PER_ADDRESS,
    max_connections: int = MAX_CONNECTIONS,
    **options: Any,
) -> uvicorn.Server:
    """A uvicorn server for `app` with the limits above; `options` go to uvicorn.Config
    (host, port, ws_ping_interval, forwarded_allow_ips, ...)."""
    open_files = raise_open_files_limit()
    limit = max(16, min(max_connections, open_files // 2))
    http: type[GuardedHttpProtocol] = type("HttpProtocol", (GuardedHttpProtocol,), {})
    ws: type[GuardedWebSocketProtocol] = type("WebSocketProtocol", (GuardedWebSocketProtocol,), {})
    config = uvicorn.Config(
        app,
        http=http,
        ws=ws,
        ws_max_size=WS_MAX_SIZE,
        limit_concurrency=limit,
        backlog=BACKLOG,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        **options,
    )
    connections_open = OpenConnections(per_address, Uncapped(config.forwarded_allow_ips))
    http.connections_open = ws.connections_open = connections_open
    http.max_connections = limit
    log.info(
        "Limits: %d connections in all, %s per address, request head within %g s, body "
        "within %g s more.",
        limit,
        per_address if per_address > 0 else "any number",
        HEAD_SECONDS,
        BODY_SECONDS,
    )
    return uvicorn.Server(config)
