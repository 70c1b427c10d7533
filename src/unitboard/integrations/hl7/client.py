"""A minimal MLLP client: what an interface engine does to the listener, one message at a
time per connection (send a frame, read its ACK). The demo's ADT feed, the tests and the
benchmark use it; it holds no state of its own, so a caller reconnects as it sees fit."""

from __future__ import annotations

import asyncio
import contextlib

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
ACK_LIMIT = 1 << 20
"""The longest ACK read (1 MiB): an ACK is a few hundred bytes."""


def frame(text: str) -> bytes:
    """A message wrapped as MLLP frames it: 0x0B, the UTF-8 bytes, 0x1C 0x0D."""
    return START_BLOCK + text.encode("utf-8") + END_BLOCK


async def connect(
    host: str, port: int, timeout: float = 5.0
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection to an MLLP listener (OSError or TimeoutError when none answers)."""
    return await asyncio.wait_for(
        asyncio.open_connection(host, port, limit=ACK_LIMIT), timeout=timeout
    )


async def send(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, text: str, timeout: float = 30.0
) -> str:
    """Send one message and return the ACK's text (segments split by carriage returns).
    asyncio.IncompleteReadError when the listener closes the connection first."""
    writer.write(frame(text))
    await writer.drain()
    received = await asyncio.wait_for(reader.readuntil(END_BLOCK), timeout=timeout)
    start = received.find(START_BLOCK)
    return received[start + 1 : -len(END_BLOCK)].decode("utf-8")


def ack_code(ack: str) -> str:
    """MSA-1 of an ACK (AA, AE, AR; CA, CE, CR in enhanced mode); "" when it has no MSA."""
    for segment in ack.replace("\n", "\r").split("\r"):
        if segment.startswith("MSA|"):
            return segment.split("|")[1]
    return ""


def ack_error(ack: str) -> str:
    """The reason an ACK gives (ERR-8, else MSA-3), "" when it gives none."""
    for segment in ack.replace("\n", "\r").split("\r"):
        fields = segment.split("|")
        if fields[0] == "ERR" and len(fields) > 8 and fields[8]:
            return fields[8]
    for segment in ack.replace("\n", "\r").split("\r"):
        fields = segment.split("|")
        if fields[0] == "MSA" and len(fields) > 3:
            return fields[3]
    return ""


async def close(writer: asyncio.StreamWriter) -> None:
    """Close a connection, whatever state it is in."""
    writer.close()
    with contextlib.suppress(OSError, ConnectionError):
        await writer.wait_closed()
