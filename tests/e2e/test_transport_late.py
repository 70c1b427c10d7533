"""A transport job past its target with real server processes and a policy in seconds: it
turns late on `GET /api/transports` and the charge nurses of its origin unit are paged, once;
a server killed (-9) between the request and the due time and started again after it flags
the job late once and pages once; with two servers on PostgreSQL and Redis, killing the one
that fires leaves the other to flag the next job, once. Counted in the event log."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Api, Server, admission, create_token, fresh_postgres_database, run_cli

from hospital import LAYOUT

PLACES_AND_POLICY = """
[[place]]
id = "RAD"
name = "Radiology"

[policy]
transport_target_minutes = { stat = 0.05, urgent = 0.05, routine = 0.05 }
page_resend_seconds = { critical = 600, urgent = 600, routine = 600 }
"""
TARGET = dt.timedelta(minutes=0.05)
"""Three seconds from the request to the due time (no transporter: nobody picks it up)."""
BED = "4W-401-A"


def late_layout(folder: Path, policy: str = PLACES_AND_POLICY) -> Path:
    layout = folder / "layout.toml"
    layout.write_text(LAYOUT + policy)
    return layout


def staff(database_url: str) -> dict[str, Api | str]:
    """Casey, charge nurse of 4W, and Ivy, charge nurse of the ICU, each with a personal
    token (their phones)."""
    phones: dict[str, Api | str] = {}
    for username, unit in (("casey", "4W"), ("ivy", "ICU")):
        made = run_cli(
            "users", "add", username, "--role", "charge_nurse", "--unit", unit,
            "--database-url", database_url, stdin="a long password\n",
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        token = run_cli(
            "tokens", "create", f"{username}-phone", "--user", username,
            "--database-url", database_url,
        )  # fmt: skip
        assert token.returncode == 0, token.stderr
        phones[username] = token.stdout.strip().splitlines()[-1]
    return phones


def admit(server: Server) -> Api:
    """E1 in 4W-401-A; the desk's token."""
    desk = Api(server, create_token(server.database_url, "secretary", "desk"))
    desk.ok("RequestAdmission", admission("E1"))
    desk.ok("AssignBed", {"encounter_id": "E1", "bed_id": BED})
    desk.ok("MarkArrived", {"encounter_id": "E1"})
    return desk


def request(desk: Api, destination: str = "RAD", priority: str = "routine") -> str:
    answer = desk.ok(
        "RequestTransport",
        {"encounter_id": "E1", "destination": destination, "priority": priority},
    )
    transport_id: str = answer["events"][0]["data"]["transport_id"]
    return transport_id


def regarding(api: Api, transport_id: str) -> dict[str, list[dict[str, Any]]]:
    """The TransportLate and PageSent events about the job, in the log."""
    found: dict[str, list[dict[str, Any]]] = {"TransportLate": [], "PageSent": []}
    for event in api.all_events():
        data = event["data"]
        if event["type"] == "TransportLate" and data["transport_id"] == transport_id:
            found["TransportLate"].append(event)
        if event["type"] == "PageSent" and data.get("regarding") == transport_id:
            found["PageSent"].append(event)
    return found


def job(api: Api, transport_id: str) -> dict[str, Any]:
    response = api.get("/api/transports", params={"status": "all"})
    assert response.status_code == 200, response.text
    jobs: dict[str, dict[str, Any]] = {j["transport_id"]: j for j in response.json()["transports"]}
    return jobs[transport_id]


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.2)


def assert_late_once(api: Api, transport_id: str, unit_id: str = "4W") -> dict[str, Any]:
    """Flagged late once, and one page to the origin unit's charge nurses, from the system;
    the TransportLate event."""
    found = regarding(api, transport_id)
    (late,) = found["TransportLate"]
    (page,) = found["PageSent"]
    assert late["data"]["page_id"] == page["data"]["page_id"]
    assert late["metadata"]["actor"] == page["metadata"]["actor"] == "scheduler"
    data = page["data"]
    assert (data["to"], data["recipient"], data["unit_id"], data["sent_by"]) == (
        "charge_nurse", "role", unit_id, "system",
    )  # fmt: skip
    assert data["regarding_kind"] == "transport" and transport_id in data["message"]
    return late


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/late.db"
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


def test_a_job_past_its_target_turns_late_and_pages_the_charge_nurses_once(
    database_url: str, tmp_path: Path
) -> None:
    server = Server(database_url, late_layout(tmp_path), tmp_path / "server.log")
    server.start()
    try:
        phones = staff(database_url)
        desk = admit(server)
        transport_id = request(desk)
        listed = job(desk, transport_id)
        assert listed["late"] is False
        due = dt.datetime.fromisoformat(listed["due_at"])
        assert due - dt.datetime.fromisoformat(listed["requested_at"]) == TARGET
        wait_for(lambda: job(desk, transport_id)["late"] is True, 15)
        time.sleep(2)  # a few more turns of the scheduler: nothing more
        late = assert_late_once(desk, transport_id)
        lateness = dt.datetime.fromisoformat(late["recorded_at"]) - due
        assert dt.timedelta(0) <= lateness < dt.timedelta(seconds=3), lateness
        assert dt.datetime.fromisoformat(late["data"]["due_at"]) == due
        casey, ivy = (Api(server, str(phones[who])) for who in ("casey", "ivy"))
        pages = casey.get("/api/pages", params={"regarding": transport_id}).json()["pages"]
        assert [(p["page_id"], p["sent_by"]) for p in pages] == [
            (late["data"]["page_id"], "system")
        ]
        assert ivy.get("/api/pages", params={"regarding": transport_id}).json()["pages"] == []
    finally:
        server.stop()
    server.assert_no_server_errors()


def test_a_server_killed_before_the_due_time_flags_the_job_late_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    server = Server(database_url, late_layout(tmp_path), tmp_path / "server.log")
    server.start()
    try:
        desk = admit(server)
        asked = time.monotonic()
        transport_id = request(desk)
        server.kill()  # kill -9 before the due time
        assert time.monotonic() - asked < TARGET.total_seconds(), "killed too late"
        time.sleep(TARGET.total_seconds() + 1)  # it falls due while no server runs
        server.start()
        api = Api(server, None)
        wait_for(lambda: len(regarding(api, transport_id)["TransportLate"]) >= 1, 15)
        time.sleep(3)  # a few more turns of the scheduler: nothing more
        assert_late_once(api, transport_id)
        assert job(desk, transport_id)["late"] is True
        server.restart_killed()  # and once more: the log has it, nothing fires again
        time.sleep(3)
        assert_late_once(api, transport_id)
        assert job(desk, transport_id)["late"] is True
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


TWO_TARGETS = """
[[place]]
id = "RAD"
name = "Radiology"

[policy]
transport_target_minutes = { stat = 0.05, urgent = 0.05, routine = 0.15 }
page_resend_seconds = { critical = 600, urgent = 600, routine = 600 }
"""
"""A stat job late after three seconds, a routine one after nine."""


def test_two_servers_when_the_firing_one_dies_the_other_flags_the_next_job_once(
    tmp_path: Path, postgres: str
) -> None:
    layout = late_layout(tmp_path, TWO_TARGETS)
    redis = ("--redis-url", "redis://127.0.0.1:6379/0")
    first = Server(postgres, layout, tmp_path / "first.log", serve_args=redis)
    second = Server(postgres, None, tmp_path / "second.log", serve_args=redis)
    first.start()
    second.start()
    try:
        wait_for(lambda: leading(first) or leading(second), 10)
        leader, other = (first, second) if leading(first) else (second, first)
        assert not leading(other)  # one fires
        desk = admit(other)
        soon = request(desk, "RAD", "stat")
        later = request(desk, "ICU", "routine")
        api = Api(other, None)
        wait_for(lambda: len(regarding(api, soon)["TransportLate"]) == 1, 10)  # by the leader
        assert regarding(api, later)["TransportLate"] == []
        leader.kill()
        wait_for(lambda: leading(other), 10)
        wait_for(lambda: len(regarding(api, later)["TransportLate"]) == 1, 15)  # by the other
        time.sleep(3)
        assert_late_once(api, soon)
        assert_late_once(api, later)
        assert job(desk, soon)["late"] is True and job(desk, later)["late"] is True
    finally:
        first.stop()
        second.stop()
    other.assert_no_server_errors()
