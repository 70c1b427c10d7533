"""/ws/events under a reconnect storm, and a subscriber that stops reading, against a real
server started on a log that already holds the backlog (as after a restart).

- Hundreds of subscribers reconnect at once from position 0 of a 1,000-event log: each gets
  every event exactly once, in order, while /healthz and a command keep answering promptly
  and the server's event loop never stalls for seconds.
- A subscriber that completes the handshake and then never reads, during a backlog larger
  than the kernel's socket buffers: the server cuts it off within seconds, and its socket
  is gone from the kernel's table, not left closing for ever.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Server, create_token
from websockets.asyncio.client import connect

from hospital import BED_IDS
from unitboard.bootstrap import open_writing
from unitboard.cli import main
from unitboard.service.auth import Actor

SUBSCRIBERS = int(os.environ.get("UNITBOARD_STORM_SUBSCRIBERS", "300"))
BACKLOG = 1000
EVS = Actor("e2e-evs", "evs", None, "E2E Housekeeping")
CLEANING = ["MarkBedDirty", "StartCleaning", "MarkBedClean"]


def load_layout(database_url: str, layout: Path) -> None:
    assert main(["layout", "load", str(layout), "--database-url", database_url]) == 0


def fill_log(database_url: str, events: int) -> int:
    """Walk the beds through cleaning until the log holds `events` events; the head."""
    writing = open_writing(database_url)
    try:
        head = writing.log.head()
        turn = 0
        while head < events:
            bed = BED_IDS[(turn // 3) % (len(BED_IDS) - 1)]  # the last is the probe's
            command = CLEANING[turn % 3]
            head = writing.service.execute(EVS, command, {"bed_id": bed}).position
            turn += 1
        return head
    finally:
        writing.close()


@pytest.fixture
def stopped_server(e2e_database_url: str, layout_file: Path, tmp_path: Path) -> Iterator[Server]:
    """A server for a log the test fills before starting it."""
    server = Server(e2e_database_url, None, tmp_path / "storm-server.log")
    try:
        yield server
    finally:
        server.stop()
    server.assert_no_server_errors()


# -- the storm --------------------------------------------------------------------------------


class Probe:
    """Someone else using the server during the storm: /healthz every 100 ms and a command
    every 300 ms, each timed, on a thread of its own."""

    def __init__(self, server: Server, token: str) -> None:
        self.server = server
        self.token = token
        self.health: list[float] = []
        self.commands: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.server.base_url, headers=headers, timeout=60) as http:
            turn = 0
            while not self._stop.is_set():
                self.health.append(self._timed(http.get, "/healthz"))
                if turn % 3 == 0:
                    body = {"command": CLEANING[turn // 3 % 3], "data": {"bed_id": BED_IDS[-1]}}
                    self.commands.append(self._timed(http.post, "/api/commands", json=body))
                turn += 1
                self._stop.wait(0.1)

    def _timed(self, ask: Any, *args: Any, **kwargs: Any) -> float:
        started = time.monotonic()
        answer = ask(*args, **kwargs)
        if answer.status_code != 200:
            self.failures.append(f"{answer.request.url.path}: {answer.status_code} {answer.text}")
        return time.monotonic() - started


async def follow(url: str, token: str, head: int) -> list[int]:
    """One subscriber from position 0: the positions of the first `head` events, then of
    any of them sent again within the next second (live events after `head` may come)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with connect(url, additional_headers=headers, max_size=None, open_timeout=60) as ws:
        positions: list[int] = []
        while len(positions) < head:
            positions.append(json.loads(await ws.recv())["position"])
        try:
            async with asyncio.timeout(1.0):
                while True:
                    position = json.loads(await ws.recv())["position"]
                    if position <= head:
                        positions.append(position)  # a repeat
        except TimeoutError:
            pass
    return positions


async def storm(url: str, token: str, head: int) -> list[list[int]]:
    followers = [follow(url, token, head) for _ in range(SUBSCRIBERS)]
    return await asyncio.wait_for(asyncio.gather(*followers), 180)


def test_a_reconnect_storm_gets_every_event_once_and_the_server_stays_responsive(
    stopped_server: Server, layout_file: Path
) -> None:
    database_url = stopped_server.database_url
    load_layout(database_url, layout_file)
    head = fill_log(database_url, BACKLOG)
    admin = create_token(database_url, "admin")
    evs = create_token(database_url, "evs")
    stopped_server.start()

    with Probe(stopped_server, evs) as probe:
        started = time.monotonic()
        received = asyncio.run(storm(stopped_server.ws_url + "/ws/events?after=0", admin, head))
        caught_up = time.monotonic() - started
    lag = stopped_server.http.get("/metrics.json").json()["loop_lag"]

    expected = list(range(1, head + 1))
    wrong = [i for i, positions in enumerate(received) if positions != expected]
    assert not wrong, f"{len(wrong)} of {SUBSCRIBERS} subscribers got a gap, repeat or reorder"
    assert probe.failures == []
    # The old catch-up stalled the loop for seconds (8.5 s with 300 subscribers here).
    assert lag["max_ms"] < 2000, lag
    assert max(probe.health) < 2.0, sorted(probe.health)[-5:]
    assert probe.commands and max(probe.commands) < 3.0, sorted(probe.commands)[-5:]
    print(f"{SUBSCRIBERS} subscribers caught up with {head} events in {caught_up:.1f}s; {lag}")


# -- a subscriber that never reads ------------------------------------------------------------


def big_layout(units: int) -> str:
    """`units` units of 15 rooms and 20 beds: each of its ~36 layout events is a frame."""
    lines = ['[hospital]\nname = "Big General"\n']
    for u in range(units):
        lines.append(f'[[unit]]\nid = "B{u:03d}"\nname = "Ward {u:03d}"\nmixed_sex_rooms = true\n')
        for r in range(15):
            beds = '["A"]' if r < 10 else '["A", "B"]'
            lines.append(f'[[unit.room]]\nid = "{u:03d}{r:02d}"\nbeds = {beds}\n')
    return "\n".join(lines)


def open_and_never_read(port: int, token: str) -> socket.socket:
    """A WebSocket handshake from a socket with a small receive buffer, reading the answer's
    head byte by byte and nothing after it."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(("127.0.0.1", port))
    client.sendall(
        (
            f"GET /ws/events?after=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += client.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return client


def server_side_open(server_port: int, client_port: int) -> bool:
    """Whether the kernel still holds the server's end of the connection (in any state)."""
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for line in table.read_text().splitlines()[1:]:
            local, remote = line.split()[1:3]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return True
    return False


def open_sockets(pid: int) -> int:
    fds = Path(f"/proc/{pid}/fd")
    return sum(1 for fd in fds.iterdir() if os.readlink(fd).startswith("socket:"))


def subscribers(server: Server) -> int:
    return int(server.http.get("/metrics.json").json()["event_feed_subscribers"])


def test_a_subscriber_that_never_reads_is_cut_off_and_its_socket_freed(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path}/stuck.db"
    layout = tmp_path / "big.toml"
    layout.write_text(big_layout(500))  # ~18,000 events, ~6 MB: more than socket buffers hold
    load_layout(database_url, layout)
    admin = create_token(database_url, "admin")
    server = Server(database_url, None, tmp_path / "stuck-server.log")
    server.start(timeout=60)
    try:
        assert server.process is not None
        pid = server.process.pid
        subscribers(server)  # the test's own keep-alive connection is open from here on
        sockets_before = open_sockets(pid)

        client = open_and_never_read(server.port, admin)
        client_port = client.getsockname()[1]
        try:
            assert subscribers(server) == 1
            started = time.monotonic()
            while subscribers(server) and time.monotonic() - started < 20:
                time.sleep(0.25)
            dropped_after = time.monotonic() - started

            assert subscribers(server) == 0, "the stuck subscriber is still being served"
            assert dropped_after < 15
            gone = time.monotonic() + 5
            while server_side_open(server.port, client_port) and time.monotonic() < gone:
                time.sleep(0.1)
            assert not server_side_open(server.port, client_port), "the server's socket lingers"
            assert open_sockets(pid) <= sockets_before
            print(f"the stuck subscriber was cut off after {dropped_after:.1f}s")
        finally:
            client.close()
        assert server.http.get("/healthz").status_code == 200
    finally:
        server.stop()
    server.assert_no_server_errors()
