"""An order past its co-sign deadline with real server processes and a policy in seconds:
unsigned, it turns overdue on `GET /api/stays/{id}/orders` and the directing provider is
paged, once; a server killed (-9) between the entry and the deadline and started again
after it flags the order overdue once and pages once; a co-signed order never turns
overdue. Counted in the event log."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Api, Server, admission, fresh_postgres_database, run_cli
from test_transport_late import admit, wait_for

from hospital import LAYOUT

POLICY = """
[policy]
cosign_deadline_hours = 0.001
page_resend_seconds = { critical = 600, urgent = 600, routine = 600 }
"""
DEADLINE = dt.timedelta(hours=0.001)
"""3.6 seconds from the entry to the deadline."""


def layout(folder: Path) -> Path:
    path = folder / "layout.toml"
    path.write_text(LAYOUT + POLICY)
    return path


def provider_phone(database_url: str, username: str = "pat") -> str:
    """A provider of 4W, with a personal token (their phone)."""
    made = run_cli(
        "users", "add", username, "--role", "provider", "--name", "Pat Provider",
        "--unit", "4W", "--database-url", database_url, stdin="a long password\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    token = run_cli(
        "tokens", "create", f"{username}-phone", "--user", username,
        "--database-url", database_url,
    )  # fmt: skip
    assert token.returncode == 0, token.stderr
    return token.stdout.strip().splitlines()[-1]


def enter(desk: Api, **data: Any) -> str:
    answer = desk.ok(
        "EnterOrder",
        {
            "encounter_id": "E1",
            "mrn": admission("E1")["mrn"],
            "birth_date": admission("E1")["birth_date"],
            "category": "imaging",
            "detail": "Chest X-ray, portable",
            "mode": "telephone",
            "read_back": True,
            "directing_provider": "pat",
            **data,
        },
    )
    order_id: str = answer["events"][0]["data"]["order_id"]
    return order_id


def the_order(api: Api, order_id: str) -> dict[str, Any]:
    response = api.get("/api/stays/E1/orders")
    assert response.status_code == 200, response.text
    orders: dict[str, dict[str, Any]] = {o["order_id"]: o for o in response.json()["orders"]}
    return orders[order_id]


def regarding(api: Api, order_id: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {"OrderOverdue": [], "PageSent": []}
    for event in api.all_events():
        data = event["data"]
        if event["type"] == "OrderOverdue" and data["order_id"] == order_id:
            found["OrderOverdue"].append(event)
        if event["type"] == "PageSent" and data.get("regarding") == order_id:
            found["PageSent"].append(event)
    return found


def assert_overdue_once(api: Api, order_id: str) -> dict[str, Any]:
    """Flagged overdue once, with one page to the directing provider from the system."""
    found = regarding(api, order_id)
    (overdue,) = found["OrderOverdue"]
    (page,) = found["PageSent"]
    assert overdue["data"]["page_id"] == page["data"]["page_id"]
    assert overdue["metadata"]["actor"] == page["metadata"]["actor"] == "scheduler"
    data = page["data"]
    assert (data["to"], data["recipient"], data["sent_by"], data["regarding_kind"]) == (
        "pat", "person", "system", "order",
    )  # fmt: skip
    assert order_id in data["message"]
    return overdue


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/overdue.db"
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


def test_an_unsigned_order_turns_overdue_and_pages_the_provider_once(
    database_url: str, tmp_path: Path
) -> None:
    server = Server(database_url, layout(tmp_path), tmp_path / "server.log")
    server.start()
    try:
        phone = provider_phone(database_url)
        desk = admit(server)
        late, signed = enter(desk), enter(desk, detail="CBC")
        provider = Api(server, phone)
        provider.ok("CosignOrder", {"order_id": signed})
        listed = the_order(desk, late)
        assert listed["overdue"] is False
        due = dt.datetime.fromisoformat(listed["cosign_due_at"])
        assert due - dt.datetime.fromisoformat(listed["entered_at"]) == DEADLINE
        wait_for(lambda: the_order(desk, late)["overdue"] is True, 15)
        time.sleep(2)  # a few more turns of the scheduler: nothing more
        overdue = assert_overdue_once(desk, late)
        lateness = dt.datetime.fromisoformat(overdue["recorded_at"]) - due
        assert dt.timedelta(0) <= lateness < dt.timedelta(seconds=3), lateness
        pages = provider.get("/api/pages", params={"regarding": late}).json()["pages"]
        assert [p["page_id"] for p in pages] == [overdue["data"]["page_id"]]
        assert regarding(desk, signed) == {"OrderOverdue": [], "PageSent": []}
        assert the_order(desk, signed)["overdue"] is False
        counts = httpx.get(f"{server.base_url}/metrics.json", timeout=5).json()["orders"]
        assert (counts["awaiting_cosign"], counts["cosign_overdue"]) == (1, 1)
        provider.ok("CosignOrder", {"order_id": late})
        assert the_order(desk, late)["overdue"] is False
        counts = httpx.get(f"{server.base_url}/metrics.json", timeout=5).json()["orders"]
        assert (counts["awaiting_cosign"], counts["cosign_overdue"]) == (0, 0)
    finally:
        server.stop()
    server.assert_no_server_errors()


def test_a_server_killed_before_the_deadline_flags_the_order_overdue_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    server = Server(database_url, layout(tmp_path), tmp_path / "server.log")
    server.start()
    try:
        provider_phone(database_url)
        desk = admit(server)
        entered = time.monotonic()
        order_id = enter(desk)
        server.kill()  # kill -9 before the deadline
        assert time.monotonic() - entered < DEADLINE.total_seconds(), "killed too late"
        time.sleep(DEADLINE.total_seconds() + 1)  # it falls due while no server runs
        server.start()
        api = Api(server, None)
        wait_for(lambda: len(regarding(api, order_id)["OrderOverdue"]) >= 1, 15)
        time.sleep(3)  # a few more turns of the scheduler: nothing more
        assert_overdue_once(api, order_id)
        assert the_order(desk, order_id)["overdue"] is True
        server.restart_killed()  # and once more: the log has it, nothing fires again
        time.sleep(3)
        assert_overdue_once(api, order_id)
    finally:
        server.stop()
    server.assert_no_server_errors()
