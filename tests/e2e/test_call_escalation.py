"""The escalation ladder with real server processes and a policy in seconds: a light's steps
are paged once each even when the server is killed (-9) between the raise and the due time
and started again; with two servers on PostgreSQL and Redis, killing the one that fires
leaves the other to fire the next step, once."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Api, Server, admission, create_token, fresh_postgres_database, run_cli

from hospital import LAYOUT

POLICY = """
[policy]
page_resend_seconds = { critical = 600, urgent = 600, routine = 600 }

[policy.call_escalation]
high = [{ after_seconds = 3, to = "assigned_nurse" }, { after_seconds = 8, to = "charge_nurse" }]
"""
BED = "4W-401-A"


def ladder_layout(folder: Path) -> Path:
    layout = folder / "layout.toml"
    layout.write_text(LAYOUT + POLICY)
    return layout


def staff(database_url: str) -> None:
    for username, role in (("noor", "nurse"), ("casey", "charge_nurse")):
        made = run_cli(
            "users", "add", username, "--role", role, "--unit", "4W",
            "--database-url", database_url, stdin="a long password\n",
        )  # fmt: skip
        assert made.returncode == 0, made.stderr


def admit_and_raise(server: Server) -> str:
    """E1 in 4W-401-A with Noor as nurse, and a staff-assist light (high) on the bed."""
    desk = Api(server, create_token(server.database_url, "secretary", "desk"))
    charge = Api(server, create_token(server.database_url, "charge_nurse", "charge-pc"))
    desk.ok("RequestAdmission", admission("E1"))
    desk.ok("AssignBed", {"encounter_id": "E1", "bed_id": BED})
    desk.ok("MarkArrived", {"encounter_id": "E1"})
    charge.ok("AssignNurse", {"encounter_id": "E1", "nurse": "noor"})
    nurse_call = Api(server, create_token(server.database_url, "integration", "nurse-call"))
    answer = nurse_call.ok("RaiseCallLight", {"bed_id": BED, "kind": "staff_assist"})
    call_id: str = answer["events"][0]["data"]["call_id"]
    return call_id


def escalations(api: Api, call_id: str) -> list[dict[str, Any]]:
    return [
        e
        for e in api.all_events()
        if e["type"] == "CallLightEscalated" and e["data"]["call_id"] == call_id
    ]


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.2)


def test_a_server_killed_before_the_due_time_pages_each_step_once_after_restart(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/ladder.db"
    server = Server(url, ladder_layout(tmp_path), tmp_path / "server.log")
    server.start()
    try:
        staff(url)
        call_id = admit_and_raise(server)
        server.kill()  # kill -9 before the first step falls due
        time.sleep(9)  # both steps fall due while no server runs
        server.start()
        api = Api(server, None)
        wait_for(lambda: len(escalations(api, call_id)) >= 2, 15)
        time.sleep(3)  # a few more turns of the scheduler: nothing more
        steps = Counter(e["data"]["step"] for e in escalations(api, call_id))
        assert steps == {0: 1, 1: 1}  # the ladder's steps, counted from 0
        pages = [e for e in api.all_events() if e["type"] == "PageSent"]
        assert [(p["data"]["to"], p["data"]["sent_by"]) for p in pages] == [
            ("noor", "system"),
            ("charge_nurse", "system"),
        ]
        server.restart_killed()  # and once more: the log has them, nothing fires again
        time.sleep(3)
        assert len(escalations(api, call_id)) == 2
    finally:
        server.stop()
    server.assert_no_server_errors()


@pytest.fixture
def postgres() -> Iterator[str]:
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


def leading(server: Server) -> bool:
    metrics = httpx.get(f"{server.base_url}/metrics.json", timeout=5).json()
    return bool(metrics["scheduler"]["leading"])


def test_two_servers_when_the_firing_one_dies_the_other_fires_the_next_step_once(
    tmp_path: Path, postgres: str
) -> None:
    layout = ladder_layout(tmp_path)
    redis = ("--redis-url", "redis://127.0.0.1:6379/0")
    first = Server(postgres, layout, tmp_path / "first.log", serve_args=redis)
    second = Server(postgres, None, tmp_path / "second.log", serve_args=redis)
    first.start()
    second.start()
    try:
        staff(postgres)
        wait_for(lambda: leading(first) or leading(second), 10)
        leader, other = (first, second) if leading(first) else (second, first)
        assert not leading(other)  # one fires
        call_id = admit_and_raise(other)
        api = Api(other, None)
        wait_for(lambda: len(escalations(api, call_id)) == 1, 10)  # step 1, by the leader
        leader.kill()
        wait_for(lambda: leading(other), 10)
        wait_for(lambda: len(escalations(api, call_id)) == 2, 15)  # step 2, by the other
        time.sleep(3)
        steps = Counter(e["data"]["step"] for e in escalations(api, call_id))
        assert steps == {0: 1, 1: 1}  # the ladder's steps, counted from 0
        firers = [e["metadata"]["actor"] for e in escalations(api, call_id)]
        assert firers == ["scheduler", "scheduler"]
    finally:
        first.stop()
        second.stop()
    other.assert_no_server_errors()
