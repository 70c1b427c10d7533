"""The MLLP listener: the EHR's ADT feed, received in the server's own process.

MLLP wraps each HL7 message in a frame, 0x0B <message> 0x1C 0x0D, and the receiver answers
each frame with one ACK, framed the same way, before the sender sends the next (or, for a
sender that does not wait, in the same order). Here each connection is read by one task
that handles its messages one after another, so its ACKs leave in order; connections are
handled side by side, and every message goes through `receive` (the feed), which applies
it on the writer thread and returns the ACK's text.

The framing is ours, on `asyncio.StreamReader`, rather than python-hl7's `hl7.mllp`
(0.4.5): its reader cannot recover from what a real feed sends now and then. A message over
the stream limit makes it throw away what it has buffered, the message's head included (no
MSH-10 left to answer), and the rest of that message then arrives as a block without a
start character, which it reports as a second error (two answers for one message, and all
that follow answered out of step); and a byte of noise before a start block makes it
reject the whole message behind it. Reading in chunks and scanning for the frame bytes
keeps the head for the AR, discards the rest up to the frame's end, skips noise, and costs
no more memory than `max_bytes` per connection. UTF-8 bytes go to the feed as they came
(python-hl7's reader would decode them as ASCII).

A sender outside the allow-list is cut off at once (a reset, before a byte is read). A
sender that goes quiet, or whose host vanished without closing (half-open), holds only its
own connection and is closed after `idle_seconds`; one that stops reading its ACKs is cut
off after `ack_seconds`. Nothing here blocks the event loop: reads and writes are awaited,
and the feed's database work runs on the writer thread. Logs name the peer's address and
counts, never what a message says (it names patients).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from unitboard.integrations.hl7.ack import acknowledgement

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Receive = Callable[[bytes, str], Awaitable[str]]
"""The feed: a message's bytes and the sender's address in, the ACK's text out."""

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
MAX_BYTES = 1024 * 1024
"""The largest message accepted; an ADT message is a few kilobytes, this leaves room for
the odd one that carries notes or an embedded document."""
HEAD_BYTES = 8 * 1024
"""How much of an oversized message is kept: enough for its MSH segment, for the AR."""
CHUNK_BYTES = 64 * 1024
IDLE_SECONDS = 300.0
"""A connection that sends nothing for this long is closed; an interface engine opens a
new one with its next message."""
ACK_SECONDS = 30.0
"""How long an ACK may wait for a sender that does not read them."""
CLOSE_SECONDS = 10.0
"""At shut-down: how long a message being applied may take to finish and be answered."""
TOO_LARGE_CODE = "207"
"""HL7 table 0357 has no code for a message too large; 207 is its "application error"."""
DEFAULT_ALLOW: tuple[IPNetwork, ...] = (ipaddress.ip_network("127.0.0.1/32"),)

log = logging.getLogger("uvicorn.error")
"""The server's own log (uvicorn shows it at INFO)."""


@dataclass(frozen=True)
class Frame:
    """One MLLP frame's content: the whole message, or, when it was over the limit, its
    first HEAD_BYTES (`oversize`); `size` counts every byte it had."""

    payload: bytes
    size: int
    oversize: bool


class Framer:
    """MLLP framing without I/O: bytes in, complete frames out.

    Bytes before a start block are skipped (counted in `skipped`). A start block inside a
    frame means the sender gave up on that frame and began again: the part before it is
    dropped (counted in `cut_short`), as HL7 text never holds 0x0B. A frame over
    `max_bytes` keeps only its head while the rest is counted and dropped up to its end."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.skipped = 0
        self.cut_short = 0
        self._inside = False
        self._body = bytearray()
        self._size = 0
        self._held = b""
        """A 0x1C at the end of a chunk: the first half of an end block, or data."""

    @property
    def inside(self) -> bool:
        """Whether a frame has begun and not ended."""
        return self._inside

    def feed(self, data: bytes) -> list[Frame]:
        frames: list[Frame] = []
        chunk = self._held + data
        self._held = b""
        at = 0
        while at < len(chunk):
            if not self._inside:
                start = chunk.find(START_BLOCK, at)
                if start < 0:
                    self.skipped += len(chunk) - at
                    break
                self.skipped += start - at
                self._begin()
                at = start + 1
                continue
            end = chunk.find(END_BLOCK, at)
            stop = end if end >= 0 else len(chunk)
            restart = chunk.rfind(START_BLOCK, at, stop)
            if restart >= 0:
                self.cut_short += 1
                self._begin()
                at = restart + 1
            if end < 0:
                if chunk.endswith(END_BLOCK[:1]):
                    stop -= 1
                    self._held = END_BLOCK[:1]
                self._take(chunk[at:stop])
                break
            self._take(chunk[at:end])
            frames.append(self._finish())
            at = end + len(END_BLOCK)
        return frames

    def _begin(self) -> None:
        self._inside = True
        self._body = bytearray()
        self._size = 0

    def _take(self, part: bytes) -> None:
        self._size += len(part)
        if self._size <= self.max_bytes:
            self._body += part
            return
        if len(self._body) > HEAD_BYTES:
            del self._body[HEAD_BYTES:]
        room = HEAD_BYTES - len(self._body)
        if room > 0:
            self._body += part[:room]

    def _finish(self) -> Frame:
        self._inside = False
        frame = Frame(bytes(self._body), self._size, self._size > self.max_bytes)
        self._body = bytearray()
        return frame


def framed(text: str) -> bytes:
    """An ACK (or any HL7 text) as one MLLP frame, UTF-8."""
    return START_BLOCK + text.encode("utf-8") + END_BLOCK


def allow_list(text: str) -> tuple[IPNetwork, ...]:
    """Networks from `10.20.0.0/16,192.168.1.7` (an address alone is a network of one);
    ValueError with a readable message for anything else."""
    networks: list[IPNetwork] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"{item!r} is not an address or a network: write CIDR networks separated by "
                "commas, such as 10.20.0.0/16,192.168.1.7/32."
            ) from None
    if not networks:
        raise ValueError("name at least one address or network, such as 10.20.0.0/16.")
    return tuple(networks)


def allowed(host: str, networks: Iterable[IPNetwork]) -> bool:
    """Whether `host` (an IPv4 address, or IPv6, an IPv4-mapped one included) is in one of
    `networks`."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def size_words(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"


def too_large(frame: Frame, max_bytes: int) -> str:
    """The AR for a message over the limit, answering its MSH as far as it was kept."""
    text = (
        f"The message is larger than {size_words(max_bytes)} ({frame.size} bytes) and was "
        "not read: send it without embedded documents, or ask the unitboard administrator "
        "to raise the limit."
    )
    head = frame.payload.replace(b"\n", b"\r").split(b"\r", 1)[0]
    head = head.decode("utf-8", "ignore").encode("utf-8")  # no character cut in half
    return acknowledgement(head, "AR", text, TOO_LARGE_CODE)


class Connection:
    """One sender's connection: read frames, have each applied, answer each in order."""

    def __init__(
        self,
        listener: MllpListener,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        peer: str,
    ) -> None:
        self.listener = listener
        self.reader = reader
        self.writer = writer
        self.peer = peer
        self.framer = Framer(listener.max_bytes)
        self.busy = False
        """A message is being applied: at shut-down it is let finish and be answered."""
        self.closing = False
        self.messages = 0

    async def run(self) -> None:
        reason = "the server is stopping"
        try:
            reason = await self._exchange()
            await self._close_gently()
        except ConnectionError as error:
            reason = str(error) or "the connection broke"
        finally:
            self.writer.transport.abort()  # nothing left to send, or no one to send it to
            log.info(
                "MLLP connection from %s closed after %d message(s): %s.",
                self.peer,
                self.messages,
                reason,
            )
            if self.framer.skipped or self.framer.cut_short:
                log.warning(
                    "MLLP connection from %s sent %d byte(s) outside any frame and %d "
                    "frame(s) cut short by a new start block; check the sender's framing "
                    "(0x0B before each message, 0x1C 0x0D after).",
                    self.peer,
                    self.framer.skipped,
                    self.framer.cut_short,
                )

    async def _close_gently(self) -> None:
        """Close after the last ACK has left; a peer that does not take it within
        CLOSE_SECONDS is cut off (a gentle close alone waits on it for ever)."""
        self.writer.close()
        with contextlib.suppress(TimeoutError, ConnectionError):
            async with asyncio.timeout(CLOSE_SECONDS):
                await self.writer.wait_closed()

    async def _exchange(self) -> str:
        while not self.closing:
            try:
                async with asyncio.timeout(self.listener.idle_seconds):
                    data = await self.reader.read(CHUNK_BYTES)
            except TimeoutError:
                return f"nothing came for {self.listener.idle_seconds:g} s"
            if not data:
                return "the sender closed it" + (
                    " in the middle of a message" if self.framer.inside else ""
                )
            for frame in self.framer.feed(data):
                if self.closing:
                    return "the server is stopping"
                if not await self._answer(frame):
                    return "a message could not be handled; the sender will resend it"
        return "the server is stopping"

    async def _answer(self, frame: Frame) -> bool:
        """Apply one message and send its ACK; False when it could not be handled (no ACK:
        the sender resends it, and MSH-10 keeps that from recording it twice)."""
        self.busy = True
        try:
            if frame.oversize:
                log.warning(
                    "MLLP message from %s refused: %d bytes, over the %d-byte limit.",
                    self.peer,
                    frame.size,
                    self.listener.max_bytes,
                )
                ack = too_large(frame, self.listener.max_bytes)
            else:
                try:
                    ack = await self.listener.receive(frame.payload, self.peer)
                except Exception as error:  # the feed answers bad input; this is ours
                    log.error(
                        "MLLP message from %s could not be handled (%s); closing the "
                        "connection without an ACK so that it is sent again.",
                        self.peer,
                        type(error).__name__,
                    )
                    return False
            self.messages += 1
            self.writer.write(framed(ack))
            try:
                async with asyncio.timeout(self.listener.ack_seconds):
                    await self.writer.drain()
            except TimeoutError:
                raise ConnectionError("the sender does not read its ACKs") from None
            return True
        finally:
            self.busy = False


class MllpListener:
    """The MLLP server: `start` listens, `stop` stops listening and closes every
    connection (a message being applied is let finish and be answered first)."""

    def __init__(
        self,
        receive: Receive,
        *,
        host: str,
        port: int,
        allow: Sequence[IPNetwork] = DEFAULT_ALLOW,
        max_bytes: int = MAX_BYTES,
        idle_seconds: float = IDLE_SECONDS,
        ack_seconds: float = ACK_SECONDS,
    ) -> None:
        self.receive = receive
        self.host = host
        self.port = port
        self.allow = tuple(allow)
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds
        self.ack_seconds = ack_seconds
        self.refused = 0
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], Connection] = {}

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Where it listens (the port chosen, when asked for port 0)."""
        if self._server is None:
            return []
        return [s.getsockname()[:2] for s in self._server.sockets]

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(
                self._accept, self.host, self.port, limit=CHUNK_BYTES, reuse_address=True
            )
        except OSError as error:
            raise OSError(
                error.errno,
                f"The HL7 feed cannot listen on {self.host}:{self.port} ({error.strerror}): "
                "choose another --hl7-port, or stop what holds this one.",
            ) from None
        for host, port in self.addresses:
            shown = f"[{host}]" if ":" in host else host
            log.info(
                "HL7 ADT feed (MLLP) listening on %s:%d, from %s",
                shown,
                port,
                ", ".join(str(n) for n in self.allow),
            )

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        host, port = (str(peername[0]), int(peername[1])) if peername else ("unknown", 0)
        peer = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if not allowed(host, self.allow):
            self.refused += 1
            writer.transport.abort()
            log.warning("MLLP connection from %s refused: the address is not in --hl7-allow.", peer)
            return
        with contextlib.suppress(OSError):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        task = asyncio.current_task()
        assert task is not None
        connection = Connection(self, reader, writer, peer)
        self._connections[task] = connection
        try:
            await connection.run()
        except asyncio.CancelledError:
            pass  # the server is stopping; run() said so in the log
        finally:
            self._connections.pop(task, None)

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    async def stop(self) -> None:
        """Stop listening; close idle connections at once and the others once their
        message is answered (within CLOSE_SECONDS)."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        for task, connection in list(self._connections.items()):
            connection.closing = True
            if not connection.busy:
                task.cancel()
        waiting = list(self._connections)
        if waiting:
            _, late = await asyncio.wait(waiting, timeout=CLOSE_SECONDS)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        await server.wait_closed()
