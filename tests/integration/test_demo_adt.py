"""The demo's ADT feed end to end: `unitboard serve --demo --adt` sends HL7 messages over a
real MLLP connection to its own listener, and within half a minute the log holds what the
feed recorded (under the integration role, with the sending facility and the message's
control id beside it) and the board has moved. The server's log shows one line per message,
with no patient's name in it."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from unitboard.cli import main as cli
from unitboard.demo.adt import NAMES

FEED_SECONDS = 45.0
"""How long the feed gets to record its first messages (one every 2 to 5 seconds)."""
MESSAGES = 3
UNITS = ("4W", "ICU", "5E", "3N")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(*args: str) -> str:
    """`unitboard ARGS` in this process (the CLI's own `main`); its last line of output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli(list(args)) == 0, out.getvalue()
    return out.getvalue().strip().splitlines()[-1]


@dataclass
class Demo:
    base: str
    database_url: str
    log_path: Path


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """A demo server with the ADT simulator on (SQLite); its base URL and its log file."""
    database_url = f"sqlite:///{tmp_path / 'demo.db'}"
    run_cli("db", "upgrade", "--database-url", database_url)
    port, hl7_port = free_port(), free_port()
    log_path = tmp_path / "server.log"
    args = [sys.executable, "-m", "unitboard.cli", "serve", "--demo", "--adt"]
    args += ["--database-url", database_url, "--port", str(port), "--hl7-port", str(hl7_port)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    with log_path.open("ab") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log_path.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        yield Demo(base, database_url, log_path)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def events_after(http: httpx.Client, after: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        page = http.get("/api/events", params={"after": after, "limit": 1000}).json()
        if not page["events"]:
            return out
        out += page["events"]
        after = page["last_position"]


def beds(http: httpx.Client) -> dict[str, tuple[str, str | None]]:
    """Every bed's status and encounter, across the demo's units."""
    out: dict[str, tuple[str, str | None]] = {}
    for unit in UNITS:
        for bed in http.get(f"/api/units/{unit}/board").json()["beds"]:
            out[bed["bed_id"]] = (bed["status"], bed.get("encounter_id"))
    return out


def test_the_demo_adt_feed_moves_the_board_through_the_mllp_listener(
    demo: Demo,
) -> None:
    log_path = demo.log_path
    reader = run_cli("tokens", "create", "adt-reader", "--role", "admin",
                     "--database-url", demo.database_url)  # fmt: skip
    headers = {"Authorization": f"Bearer {reader}"}
    with httpx.Client(base_url=demo.base, headers=headers, timeout=10) as http:
        before = beds(http)
        head = max(e["position"] for e in events_after(http, 0))

        deadline = time.monotonic() + FEED_SECONDS
        recorded: list[dict[str, Any]] = []
        after = before
        while time.monotonic() < deadline:
            recorded = [e for e in events_after(http, head) if e["metadata"].get("hl7_control_id")]
            after = beds(http)
            if len({e["metadata"]["hl7_control_id"] for e in recorded}) >= MESSAGES and (
                after != before
            ):
                break
            time.sleep(1.0)

    messages = {e["metadata"]["hl7_control_id"] for e in recorded}
    assert len(messages) >= MESSAGES, log_path.read_text()[-3000:]
    for event in recorded:
        metadata = event["metadata"]
        assert metadata["role"] == "integration"
        assert metadata["sending_facility"] == "RIVERSIDE"
        assert metadata["hl7_event"].startswith("ADT^A")
    assert after != before, "the feed recorded events but the board did not move"

    log = log_path.read_text()
    lines = [line for line in log.splitlines() if "ADT^A" in line and " → " in line]
    assert sum(" → AA " in line for line in lines) >= MESSAGES, log[-3000:]
    said = "\n".join(line for line in log.splitlines() if "token=" not in line)
    for family, given in NAMES:
        assert family not in said and given not in said, "a patient's name reached the log"
    assert "Traceback" not in log, log[-3000:]
