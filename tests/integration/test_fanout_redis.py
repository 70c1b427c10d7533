"""Two server processes on one PostgreSQL log, joined by the real Redis doorbell: a command
posted to one reaches a WebSocket on the other at once (the poll is set to a minute, so only
the doorbell can explain a fast delivery), in order and without a gap."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import websockets
from sqlalchemy import Engine

from hospital import LAYOUT
from unitboard.service.auth import create_token
from unitboard.store import drop_schema, make_engine, upgrade
from unitboard.store.credentials import CredentialStore

REDIS_URL = os.environ.get("UNITBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(url: str, port: int, layout: Path | None) -> subprocess.Popen[bytes]:
    args = [
        sys.executable,
        "-m",
        "unitboard.cli",
        "serve",
        "--database-url",
        url,
        "--port",
        str(port),
        "--redis-url",
        REDIS_URL,
    ]
    if layout is not None:
        args += ["--layout", str(layout)]
    env = os.environ | {"UNITBOARD_POLL_SECONDS": "60"}
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"server did not start: {process.stderr.read().decode()[-2000:]}")


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[tuple[Engine, str]]:
    engine = make_engine(postgres_url)
    upgrade(engine)
    try:
        yield engine, postgres_url
    finally:
        drop_schema(engine)
        engine.dispose()


def test_a_command_on_one_process_reaches_a_screen_on_the_other(
    pg_engine: tuple[Engine, str], tmp_path: Path
) -> None:
    redis.Redis.from_url(REDIS_URL).ping()  # the real Redis must be up: fail, never skip
    engine, url = pg_engine
    layout = tmp_path / "layout.toml"
    layout.write_text(LAYOUT)
    credentials = CredentialStore(engine)
    tokens = (
        create_token(credentials, "fanout-desk", "secretary", None),
        create_token(credentials, "fanout-feed", "integration", None),  # reads the log
    )
    port_a, port_b = free_port(), free_port()
    first = serve(url, port_a, layout)
    second = serve(url, port_b, None)
    try:
        asyncio.run(_post_on_a_watch_on_b(port_a, port_b, *tokens))
    finally:
        for process in (first, second):
            process.terminate()
            process.wait(10)
            assert process.stderr is not None
            process.stderr.close()


async def _post_on_a_watch_on_b(port_a: int, port_b: int, desk: str, feed: str) -> None:
    headers = {"Authorization": f"Bearer {feed}"}
    desk_headers = {"Authorization": f"Bearer {desk}"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port_a}", headers=desk_headers
    ) as api:
        events = await api.get("/api/events", params={"after": 0, "limit": 1000}, headers=headers)
        head = events.json()
        after = head["last_position"]
        url = f"ws://127.0.0.1:{port_b}/ws/events?after={after}"
        async with websockets.connect(url, additional_headers=headers) as screen:
            await asyncio.sleep(0.3)
            started = time.monotonic()
            answers: list[int] = []
            for bed in ("4W-401-A", "4W-401-B", "4W-401-A"):
                answer = await api.post(
                    "/api/commands",
                    json={
                        "command": "MarkBedDirty" if len(answers) < 2 else "StartCleaning",
                        "data": {"bed_id": bed},
                    },
                )
                assert answer.status_code == 200, answer.text
                answers.append(answer.json()["position"])
            received: list[int] = []
            while len(received) < 3:
                message = await asyncio.wait_for(screen.recv(), timeout=5)
                received.append(json.loads(message)["position"])
            elapsed = time.monotonic() - started
    assert received == answers == [after + 1, after + 2, after + 3]
    assert elapsed < 5, "only the doorbell (not the one-minute poll) can deliver this fast"
