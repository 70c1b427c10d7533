"""Smoke load: a real demo server, ~200 WebSocket screens on /ws/events and ~10 secretary
commands per second for 30 s, driven by headless locust (loadtests/locustfile.py); then
~100 wall displays across the demo's units for 15 s.

Fails on any error, miss, duplicate or gap; never on timing (latencies are reported only).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from e2e_support import BIN, Server, create_token

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]
USERS = int(os.environ.get("UNITBOARD_SMOKE_USERS", "200"))
RATE = os.environ.get("UNITBOARD_SMOKE_RATE", "10")
RUN_TIME = os.environ.get("UNITBOARD_SMOKE_TIME", "30s")


@pytest.mark.parametrize(
    ("screens", "users", "run_time"),
    [("events", USERS, RUN_TIME), ("wall", USERS // 2, "15s")],
)
def test_smoke_load(tmp_path: Path, screens: str, users: int, run_time: str) -> None:
    database_url = f"sqlite:///{tmp_path}/load.db"
    # `unitboard serve --demo --no-simulator`: the demo hospital, no background traffic.
    demo = ("--demo", "--no-simulator")
    server = Server(database_url, None, tmp_path / "server.log", serve_args=demo)
    started = time.monotonic()
    server.start()
    print(f"server up in {time.monotonic() - started:.1f}s")
    try:
        secretary = create_token(database_url, "secretary", "load-secretary")
        feed = create_token(database_url, "integration", "load-feed")
        wall = create_token(database_url, "display", "load-wall")
        report_path = tmp_path / "load-report.json"
        env = {
            **os.environ,
            "UNITBOARD_SECRETARY_TOKEN": secretary,
            "UNITBOARD_EVENTS_TOKEN": feed,
            "UNITBOARD_DISPLAY_TOKEN": wall,
            "UNITBOARD_LOAD_SCREENS": screens,
            "UNITBOARD_LOAD_RATE": RATE,
            "UNITBOARD_LOAD_REPORT": str(report_path),
            "PYTHONWARNINGS": "ignore",
        }
        result = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "loadtests" / "locustfile.py"),
                "--headless",
                "-u",
                str(users),
                "-r",
                "100",
                "-t",
                run_time,
                "--host",
                server.base_url,
                "--only-summary",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        print(f"locust done at {time.monotonic() - started:.1f}s")
        output = result.stdout[-6000:] + result.stderr[-6000:]
        assert report_path.exists(), output
        report = json.loads(report_path.read_text())
        print(json.dumps(report, indent=2))
        assert result.returncode == 0, output
        assert report["screens"] == users - 1, report
        assert report["errors"] == 0, report
        assert report["pushes"] > 0, report
        assert report["misses"] == 0, report
        assert report["duplicates"] == 0, report
        assert report["gaps"] == 0, report
        assert report["disconnects"] == 0, report
        assert report["commands_acknowledged"] > 50, report
        assert report["expected_deliveries"] > 0 and report["timed_pushes"] > 0, report
    finally:
        server.stop()
    server.assert_no_server_errors()
