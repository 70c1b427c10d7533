"""The baseline for the fan-out benchmark: a bare `websockets.broadcast()` server, the least a
Python server can spend per delivery. Screens connect to `/<unit>`; the benchmark's driver
sends `unit position size` lines on `/control`, and the server broadcasts a message of that
many bytes, carrying that position like a unitboard push does, to the unit's screens.

    python loadtests/bare_broadcast.py --port 8766
"""

from __future__ import annotations

import argparse
import asyncio

from websockets.asyncio.server import ServerConnection, broadcast, serve

SCREENS: dict[str, set[ServerConnection]] = {}


def payload(position: int, size: int) -> str:
    tag = f'<div id="position" data-position="{position}" hx-swap-oob="true" hidden></div>'
    return "x" * max(0, size - len(tag)) + tag


async def handler(connection: ServerConnection) -> None:
    path = connection.request.path if connection.request else "/"
    if path == "/control":
        async for line in connection:
            unit, position, size = str(line).split()
            broadcast(SCREENS.get(unit, ()), payload(int(position), int(size)))
        return
    unit = path.strip("/")
    SCREENS.setdefault(unit, set()).add(connection)
    try:
        await connection.wait_closed()
    finally:
        SCREENS[unit].discard(connection)


async def main(port: int) -> None:
    # Same settings as unitboard's server: no per-message compression, pings every 10 s.
    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=10) as server:
        print("ready", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8766)
    asyncio.run(main(parser.parse_args().port))
