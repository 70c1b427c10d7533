"""Call lights and pages through a real server, on SQLite and PostgreSQL: the nurse-call
system raises and clears lights, the desk answers and pages, a nurse acknowledges on a
personal token (`tokens create NAME --user USERNAME`); `GET /api/units/{unit_id}/calls`
and `GET /api/pages` answer as the contract says, each role reading what its row of the
READS table allows; every refusal has its status and readable message and records
nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_support import Api, Server, admission, create_token, fresh_postgres_database, run_cli

from hospital import LAYOUT

CALL_KEYS = {
    "call_id", "bed_id", "unit_id", "kind", "priority", "status", "raised_at", "answered_at",
    "note", "escalations",
}  # fmt: skip
PAGE_KEYS = {
    "page_id", "to", "message", "callback", "priority", "regarding", "status", "sent_at",
    "sent_by", "resent", "acknowledged_by", "acknowledged_at",
}  # fmt: skip
STAFF = [
    ("noor", "nurse", "4W"),
    ("nick", "nurse", "4W"),
    ("casey", "charge_nurse", "4W"),
    ("sam", "secretary", "4W"),
    ("ivy", "nurse", "ICU"),
]


def cli(*args: str, stdin: str = "") -> str:
    """`unitboard ...` run in this process (test_cli.py runs the real binary)."""
    from unitboard.cli import main

    out = io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out):
            code = main(list(args))
    finally:
        sys.stdin = old_stdin
    assert code == 0, out.getvalue()
    return out.getvalue()


class Ward:
    """A server with E1 in 4W-401-A and E2 in 4W-402-A, the staff above (each with a
    personal token) and a token per system role."""

    def __init__(self, server: Server) -> None:
        self.server = server
        url = server.database_url
        self.people: dict[str, Api] = {}
        for username, role, unit in STAFF:
            cli("users", "add", username, "--role", role, "--unit", unit,
                "--name", f"{username.title()} {role.split('_')[-1].title()}",
                "--database-url", url, stdin="a long password\n")  # fmt: skip
            made = cli("tokens", "create", f"{username}-phone", "--user", username,
                       "--database-url", url)  # fmt: skip
            self.people[username] = Api(server, made.strip().splitlines()[-1])
        self.nurse_call = Api(server, create_token(url, "integration", "nurse-call"))
        self.desk = Api(server, create_token(url, "secretary", "desk"))
        self.admin = Api(server, create_token(url, "admin", "admin"))
        for encounter, bed in (("E1", "4W-401-A"), ("E2", "4W-402-A")):
            self.desk.ok("RequestAdmission", admission(encounter))
            self.desk.ok("AssignBed", {"encounter_id": encounter, "bed_id": bed})
            self.desk.ok("MarkArrived", {"encounter_id": encounter})

    def __getitem__(self, username: str) -> Api:
        return self.people[username]

    def raise_light(self, bed_id: str, kind: str) -> str:
        answer = self.nurse_call.ok("RaiseCallLight", {"bed_id": bed_id, "kind": kind})
        call_id: str = answer["events"][0]["data"]["call_id"]
        return call_id

    def calls(self, api: Api, unit: str = "4W", **params: str) -> dict[str, Any]:
        response = api.get(f"/api/units/{unit}/calls", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def pages(self, api: Api, **params: str) -> list[dict[str, Any]]:
        response = api.get("/api/pages", params=params)
        assert response.status_code == 200, response.text
        pages: list[dict[str, Any]] = response.json()["pages"]
        return pages


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ward(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ward]:
    tmp = tmp_path_factory.mktemp("calls")
    layout = tmp / "layout.toml"
    layout.write_text(LAYOUT)
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp}/calls.db"
    else:
        url, drop = fresh_postgres_database()
    server = Server(url, layout, tmp / f"server-{uuid.uuid4().hex[:6]}.log")
    server.start()
    try:
        yield Ward(server)
    finally:
        server.stop()
        if drop is not None:
            drop()
    server.assert_no_server_errors()


def refused(response: httpx.Response, status: int, code: str, *words: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    for word in words:
        assert word in error["message"], error
    message: str = error["message"]
    return message


# -- call lights ----------------------------------------------------------------------------


def test_a_raised_light_is_listed_as_the_contract_shapes_it(ward: Ward) -> None:
    answer = ward.nurse_call.ok("RaiseCallLight", {"bed_id": "4W-401-A", "kind": "bathroom"})
    (raised,) = answer["events"]
    assert raised["type"] == "CallLightRaised" and raised["stream_id"].startswith("call-")
    call_id = raised["data"]["call_id"]
    assert raised["data"]["priority"] == "medium"
    board = ward.calls(ward["sam"])
    assert board["unit_id"] == "4W" and board["position"] >= answer["position"]
    (light,) = [c for c in board["calls"] if c["call_id"] == call_id]
    assert set(light) >= CALL_KEYS
    assert (light["bed_id"], light["kind"], light["status"], light["escalations"]) == (
        "4W-401-A", "bathroom", "raised", [],
    )  # fmt: skip
    assert light["raised_at"] == raised["recorded_at"]
    again = ward.nurse_call.ok("RaiseCallLight", {"bed_id": "4W-401-A", "kind": "bathroom"})
    assert again["events"] == []  # a second press records nothing
    ward["noor"].ok("ClearCallLight", {"call_id": call_id})


def test_lights_are_listed_highest_priority_first_then_oldest(ward: Ward) -> None:
    made = [
        ward.raise_light("4W-401-A", "routine"),
        ward.raise_light("4W-402-A", "pain"),
        ward.raise_light("4W-401-A", "pain"),
        ward.raise_light("4W-402-A", "staff_assist"),
    ]
    listed = [c["call_id"] for c in ward.calls(ward["casey"])["calls"]]
    assert listed == [made[3], made[1], made[2], made[0]]
    for call_id in made:
        ward.nurse_call.ok("ClearCallLight", {"call_id": call_id})
    assert ward.calls(ward["casey"])["calls"] == []


def test_a_light_on_an_unknown_or_empty_bed_is_refused_and_records_nothing(ward: Ward) -> None:
    head = ward.desk.last_position()
    unknown = ward.nurse_call.post("RaiseCallLight", {"bed_id": "4W-499-Z", "kind": "pain"})
    refused(unknown, 404, "not_found", "bed", "4W-499-Z")
    empty = ward.nurse_call.post("RaiseCallLight", {"bed_id": "4W-403-A", "kind": "pain"})
    refused(empty, 409, "rule_violation", "Bed 4W-403-A is empty")
    bad_kind = ward.nurse_call.post("RaiseCallLight", {"bed_id": "4W-401-A", "kind": "fire"})
    refused(bad_kind, 422, "invalid_input", "kind")
    assert ward.desk.last_position() == head


def test_answered_then_cleared_and_the_shifts_times_kept(ward: Ward) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    call_id = ward.raise_light("4W-402-A", "pain")
    ward["sam"].ok("AnswerCallLight", {"call_id": call_id, "note": "pain 7/10"})
    (light,) = [c for c in ward.calls(ward["noor"])["calls"] if c["call_id"] == call_id]
    assert (light["status"], light["note"]) == ("answered", "pain 7/10")
    wall = Api(ward.server, create_token(ward.server.database_url, "display", "wall-4W"))
    (shown,) = [c for c in ward.calls(wall)["calls"] if c["call_id"] == call_id]
    assert shown["note"] is None  # privacy mode: no typed text on a wall
    ward["noor"].ok("ClearCallLight", {"call_id": call_id})
    assert call_id not in [c["call_id"] for c in ward.calls(ward["noor"])["calls"]]
    closed = ward.calls(ward["casey"], status="closed", since=since.isoformat())
    (ended,) = [c for c in closed["calls"] if c["call_id"] == call_id]
    assert ended["status"] == "cleared"
    assert 0 <= ended["to_answer_seconds"] <= ended["to_clear_seconds"] < 60
    assert closed["summary"]["lights"] >= 1
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    assert ward.calls(ward["casey"], status="closed", since=later)["calls"] == []
    answered_again = ward["sam"].post("AnswerCallLight", {"call_id": call_id, "note": "x"})
    refused(answered_again, 409, "rule_violation", "cleared already")


def test_a_code_blue_pages_everyone_at_once_from_the_system(ward: Ward) -> None:
    answer = ward.nurse_call.ok("RaiseCallLight", {"bed_id": "4W-401-A", "kind": "code_blue"})
    assert [e["type"] for e in answer["events"]] == [
        "CallLightRaised", "CallLightEscalated", "PageSent",
    ]  # fmt: skip
    call_id = answer["events"][0]["data"]["call_id"]
    (light,) = [c for c in ward.calls(ward["sam"])["calls"] if c["call_id"] == call_id]
    assert light["priority"] == "critical"
    (step,) = light["escalations"]
    assert (step["step"], step["to"]) == (0, "everyone")
    for who in ("noor", "casey", "sam"):
        (page,) = ward.pages(ward[who], regarding=call_id)
        assert set(page) >= PAGE_KEYS
        assert (page["page_id"], page["sent_by"], page["to"]) == (
            step["page_id"],
            "system",
            "everyone",
        )
    assert ward.pages(ward["ivy"], regarding=call_id) == []  # another unit's nurse
    ward["nick"].ok("AcknowledgePage", {"page_id": step["page_id"]})
    ward["noor"].ok("ClearCallLight", {"call_id": call_id})


def test_the_schedulers_commands_are_not_for_anyone_to_send(ward: Ward) -> None:
    response = ward.admin.post("EscalateCallLight", {"call_id": "CL-1", "step": 0})
    refused(response, 403, "forbidden", "EscalateCallLight")


def test_who_reads_call_lights(ward: Ward) -> None:
    evs = Api(ward.server, create_token(ward.server.database_url, "evs", "evs-tablet"))
    refused(evs.get("/api/units/4W/calls"), 403, "forbidden", "call lights")
    refused(ward["sam"].get("/api/units/NOPE/calls"), 404, "not_found", "NOPE")
    bad = ward["sam"].get("/api/units/4W/calls", params={"status": "closed", "since": "today"})
    refused(bad, 422, "invalid_input", "since", "offset")


# -- pages ----------------------------------------------------------------------------------


def test_a_page_to_a_role_is_seen_by_its_members_and_the_desk_and_acknowledged_once(
    ward: Ward,
) -> None:
    sent = ward["sam"].ok(
        "SendPage",
        {"to": "nurse", "message": "E1 family at the desk", "callback": "x4410",
         "priority": "urgent", "regarding": "E1"},
    )  # fmt: skip
    page_id = sent["events"][0]["data"]["page_id"]
    for who, sees in [
        ("noor", True),
        ("nick", True),
        ("casey", True),
        ("sam", True),
        ("ivy", False),
    ]:
        seen = [p["page_id"] for p in ward.pages(ward[who])]
        assert (page_id in seen) is sees, who
    (page,) = ward.pages(ward["noor"], regarding="E1")
    assert (page["to"], page["status"], page["sent_by"], page["callback"]) == (
        "nurse", "sent", "sam", "x4410",
    )  # fmt: skip
    not_theirs = ward["ivy"].post("AcknowledgePage", {"page_id": page_id})
    refused(not_theirs, 403, "forbidden", "nurses of 4W")
    ward["nick"].ok("AcknowledgePage", {"page_id": page_id})
    second = ward["noor"].post("AcknowledgePage", {"page_id": page_id})
    refused(second, 409, "rule_violation", "acknowledged already", "Nick Nurse")
    assert page_id not in [p["page_id"] for p in ward.pages(ward["noor"])]
    (closed,) = [p for p in ward.pages(ward["noor"], status="all") if p["page_id"] == page_id]
    assert (closed["status"], closed["acknowledged_by"]) == ("acknowledged", "nick")


def test_a_page_to_a_person_is_theirs_alone_and_a_long_message_is_refused(ward: Ward) -> None:
    sent = ward["casey"].ok("SendPage", {"to": "noor", "message": "Room 401 needs you"})
    page_id = sent["events"][0]["data"]["page_id"]
    assert page_id in [p["page_id"] for p in ward.pages(ward["noor"])]
    assert page_id not in [p["page_id"] for p in ward.pages(ward["nick"])]
    refused(ward["nick"].post("AcknowledgePage", {"page_id": page_id}), 403, "forbidden", "noor")
    ward["noor"].ok("AcknowledgePage", {"page_id": page_id})
    head = ward.desk.last_position()
    long = ward["sam"].post("SendPage", {"to": "noor", "message": "z" * 187})
    refused(long, 422, "invalid", "187 characters", "160")
    nobody = ward["sam"].post("SendPage", {"to": "ghost", "message": "hello"})
    refused(nobody, 404, "not_found", "ghost")
    assert ward.desk.last_position() == head


def test_who_reads_pages(ward: Ward) -> None:
    wall = Api(ward.server, create_token(ward.server.database_url, "display", "wall-pages"))
    refused(wall.get("/api/pages"), 403, "forbidden", "pages")
    refused(ward["sam"].get("/api/pages", params={"status": "closed"}), 422, "invalid_input")


# -- personal tokens ------------------------------------------------------------------------


def test_a_personal_token_acts_as_its_person_until_they_are_disabled(ward: Ward) -> None:
    url = ward.server.database_url
    cli("users", "add", "tess", "--role", "nurse", "--unit", "4W", "--database-url", url,
        stdin="a long password\n")  # fmt: skip
    made = run_cli("tokens", "create", "tess-phone", "--user", "tess", "--database-url", url)
    assert made.returncode == 0, made.stderr
    assert "acts as tess" in made.stdout
    tess = Api(ward.server, made.stdout.strip().splitlines()[-1])
    answer = tess.ok("SendPage", {"to": "casey", "message": "Back from break"})
    metadata = answer["events"][0]["metadata"]
    assert (metadata["actor"], metadata["role"]) == ("tess", "nurse")
    assert answer["events"][0]["data"]["unit_id"] == "4W"  # her unit
    cli("users", "disable", "tess", "--database-url", url)
    deadline = time.monotonic() + 10
    while tess.get("/api/pages").status_code != 401:
        assert time.monotonic() < deadline, "the token still works for a disabled person"
        time.sleep(0.2)
