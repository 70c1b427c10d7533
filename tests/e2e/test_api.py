"""The JSON API against a real server: every refusal path (status, error body, nothing
recorded, never a 500), event paging, idempotent retries, and the wall display's privacy."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from e2e_support import Api, Server, SharedServer, admission
from websockets.sync.client import connect


@pytest.fixture(scope="module")
def setup(shared: SharedServer) -> SharedServer:
    """4W-401-A holds E1 (F); E2 (M) waits for a bed; 4W-402-A is dirty; E3 is pending."""
    api = shared.api("secretary")
    api.ok(
        "RequestAdmission",
        admission(
            "E1", sex="F", family_name="Smithson", mrn="MRN-SECRET-1", birth_date="1941-07-09"
        ),
    )
    api.ok("AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"})
    api.ok("MarkArrived", {"encounter_id": "E1"})
    api.ok("RequestAdmission", admission("E2", sex="M"))
    api.ok("MarkBedDirty", {"bed_id": "4W-402-A"})
    api.ok("RequestAdmission", admission("E3"), key="used-key")
    return shared


def raw_post(server: Server, token: str | None, body: bytes) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return server.http.post("/api/commands", content=body, headers=headers)


def envelope(command: str, data: Any, **top: Any) -> bytes:
    return json.dumps({"command": command, "data": data, **top}).encode()


# (id, role, request maker, status, code or None, words the message must contain)
Case = tuple[str, str | None, Callable[[Api], httpx.Response], int, str | None, list[str]]


def _post(command: str, data: Any, **kw: Any) -> Callable[[Api], httpx.Response]:
    return lambda api: api.post(command, data, **kw)


def _raw(body: bytes) -> Callable[[Api], httpx.Response]:
    return lambda api: raw_post(api.server, api.token, body)


CASES: list[Case] = [
    (
        "no header",
        None,
        _post("MarkArrived", {"encounter_id": "E2"}),
        401,
        "unauthorized",
        ["bearer token"],
    ),
    (
        "bad token",
        "bogus",
        _post("MarkArrived", {"encounter_id": "E2"}),
        401,
        "unauthorized",
        ["bearer token"],
    ),
    (
        "evs discharges",
        "evs",
        _post("DischargePatient", {"encounter_id": "E1"}),
        403,
        "forbidden",
        ["evs", "DischargePatient"],
    ),
    (
        "display writes",
        "display",
        _post("MarkBedClean", {"bed_id": "4W-402-A"}),
        403,
        "forbidden",
        ["display", "MarkBedClean"],
    ),
    (
        "unknown bed",
        "secretary",
        _post("AssignBed", {"encounter_id": "E2", "bed_id": "4W-9-Z"}),
        404,
        "not_found",
        ["bed", "4W-9-Z"],
    ),
    (
        "unknown unit",
        "secretary",
        _post("RequestAdmission", admission("E9", unit_id="NOPE")),
        404,
        "not_found",
        ["unit", "NOPE"],
    ),
    (
        "unknown encounter",
        "secretary",
        _post("MarkArrived", {"encounter_id": "NOPE"}),
        404,
        "not_found",
        ["encounter", "NOPE"],
    ),
    (
        "dirty bed",
        "secretary",
        _post("AssignBed", {"encounter_id": "E2", "bed_id": "4W-402-A"}),
        409,
        None,
        ["4W-402-A", "dirty"],
    ),
    (
        "occupied bed",
        "secretary",
        _post("AssignBed", {"encounter_id": "E2", "bed_id": "4W-401-A"}),
        409,
        None,
        ["4W-401-A", "occupied"],
    ),
    (
        "mixed sex",
        "secretary",
        _post("AssignBed", {"encounter_id": "E2", "bed_id": "4W-401-B"}),
        409,
        None,
        ["4W-401", "sex"],
    ),
    (
        "key reused",
        "secretary",
        _post("RequestAdmission", admission("E4"), key="used-key"),
        409,
        "conflict",
        ["idempotency key", "already used"],
    ),
    ("malformed json", "secretary", _raw(b'{"command": '), 422, "invalid_json", ["not valid JSON"]),
    ("not utf-8", "secretary", _raw(b"\xff\xfe{}"), 422, "invalid_json", ["not valid JSON"]),
    ("not an object", "secretary", _raw(b"[1, 2]"), 422, "invalid_input", ["JSON object"]),
    (
        "wrong types",
        "secretary",
        _post("AssignBed", {"encounter_id": 5, "bed_id": ["x"]}),
        422,
        "invalid_input",
        ["encounter_id", "bed_id", "string"],
    ),
    (
        "wrong bool",
        "secretary",
        _post("RequestAdmission", admission("E5", fall_risk="perhaps")),
        422,
        "invalid_input",
        ["fall_risk", "boolean"],
    ),
    (
        "data not object",
        "secretary",
        _raw(envelope("MarkArrived", [1])),
        422,
        "invalid_input",
        ["data", "JSON object"],
    ),
    (
        "missing field",
        "secretary",
        _post("AssignBed", {"encounter_id": "E2"}),
        422,
        "invalid_input",
        ["bed_id", "required"],
    ),
    (
        "unknown command",
        "secretary",
        _post("FlyToTheMoon", {}),
        422,
        "invalid_input",
        ["no command", "FlyToTheMoon"],
    ),
    (
        "no command",
        "secretary",
        _raw(json.dumps({"data": {}}).encode()),
        422,
        "invalid_input",
        ["command"],
    ),
    (
        "unknown field in data",
        "secretary",
        _post("MarkArrived", {"encounter_id": "E2", "colour": "red"}),
        422,
        "invalid_input",
        ["colour", "not a field"],
    ),
    (
        "unknown top-level field",
        "secretary",
        _raw(envelope("MarkArrived", {"encounter_id": "E2"}, extra=1)),
        422,
        "invalid_input",
        ["Unknown field", "extra"],
    ),
    (
        "bad idempotency key",
        "secretary",
        _raw(envelope("MarkArrived", {"encounter_id": "E2"}, idempotency_key=5)),
        422,
        "invalid_input",
        ["idempotency_key"],
    ),
    (
        "impossible date",
        "secretary",
        _post("RequestAdmission", admission("E6", birth_date="2025-02-30")),
        422,
        "invalid_input",
        ["birth_date", "real date", "YYYY-MM-DD"],
    ),
    (
        "naive datetime",
        "secretary",
        _post("OrderDischarge", {"encounter_id": "E1", "expected_at": "2026-05-01T14:30:00"}),
        422,
        "invalid_input",
        ["expected_at", "offset"],
    ),
    (
        "body too large",
        "secretary",
        _raw(envelope("MarkArrived", {"encounter_id": "E2", "pad": "x" * (5 * 1024 * 1024)})),
        413,
        "too_large",
        ["5120 KiB"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refusal(setup: SharedServer, case: Case) -> None:
    _, role, request, status, code, words = case
    reader = setup.api("secretary")
    if role is None:
        api = Api(setup.server, None)
    elif role == "bogus":
        api = Api(setup.server, "not-a-real-token")
    else:
        api = setup.api(role)
    before = reader.last_position()
    board_before = reader.board("4W")["beds"]

    response = request(api)

    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    if code is not None:
        assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert message[0].isupper() or message[0].isalpha() or message[0] == "T", message
    assert "Traceback" not in message and "pydantic" not in message.lower()
    for word in words:
        assert word.lower() in message.lower(), (word, message)
    if status == 401:
        assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert reader.last_position() == before, "a refused command recorded something"
    assert reader.board("4W")["beds"] == board_before


def test_display_may_not_read_events(setup: SharedServer) -> None:
    response = setup.api("display").get("/api/events")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert "display" in response.json()["error"]["message"]


def test_unknown_unit_board_is_404(setup: SharedServer) -> None:
    response = setup.api("secretary").get("/api/units/NOPE/board")
    assert response.status_code == 404
    assert "NOPE" in response.json()["error"]["message"]


def test_reads_need_credentials(setup: SharedServer) -> None:
    for path in ("/api/events", "/api/units/4W/board", "/api/units"):
        response = setup.server.http.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "unauthorized"


def test_never_a_500(setup: SharedServer) -> None:
    setup.server.assert_no_server_errors()


# -- idempotency ---------------------------------------------------------------------------


def test_idempotent_retry_returns_first_answer(setup: SharedServer) -> None:
    api = setup.api("secretary")
    data = admission("IDEM1")
    first = api.post("RequestAdmission", data, key="idem-1")
    assert first.status_code == 200
    head = api.last_position()
    for _ in range(2):
        again = api.post("RequestAdmission", data, key="idem-1")
        assert again.status_code == 200
        assert again.json() == first.json()
    assert api.last_position() == head
    # Without the key the same command is a new request, refused by the rules (one stay).
    assert api.post("RequestAdmission", data).status_code in (409, 422)
    assert api.last_position() == head
    # Other content under the same key: refused, nothing recorded.
    other = api.post("RequestAdmission", admission("IDEM2"), key="idem-1")
    assert other.status_code == 409
    assert api.last_position() == head


# -- events paging -------------------------------------------------------------------------


def test_events_paging(setup: SharedServer) -> None:
    api = setup.api("integration")
    everything = api.events(after=0, limit=1000)["events"]
    assert len(everything) > 10
    positions = [e["position"] for e in everything]
    assert positions == sorted(positions) == list(range(1, len(positions) + 1))

    paged: list[dict[str, Any]] = []
    after = 0
    while True:
        page = api.events(after=after, limit=3)
        assert len(page["events"]) <= 3
        if not page["events"]:
            assert page["last_position"] == after
            break
        assert page["events"][0]["position"] == after + 1
        assert page["last_position"] == page["events"][-1]["position"]
        paged += page["events"]
        after = page["last_position"]
    assert paged == everything

    middle = api.events(after=5, limit=2)
    assert [e["position"] for e in middle["events"]] == [6, 7]
    assert middle["last_position"] == 7
    beyond = api.events(after=10**9, limit=5)
    assert beyond == {"events": [], "last_position": 10**9}
    default = api.get("/api/events").json()
    assert default["events"] == everything[:100]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("after=-1", ["after", "between"]),
        ("after=abc", ["after", "whole number"]),
        ("after=1.5", ["after", "whole number"]),
        ("limit=0", ["limit", "between 1 and 1000"]),
        ("limit=1001", ["limit", "between 1 and 1000"]),
        ("limit=ten", ["limit", "whole number"]),
    ],
)
def test_events_bad_params(setup: SharedServer, query: str, words: list[str]) -> None:
    response = setup.api("integration").get(f"/api/events?{query}")
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    for word in words:
        assert word in error["message"]


# -- privacy -------------------------------------------------------------------------------


def test_wall_display_board_is_private(setup: SharedServer) -> None:
    staff = setup.api("secretary").board("4W")
    staff_text = json.dumps(staff)
    # The staff board does show them: the check below is not vacuous.
    assert "Smithson" in staff_text and "MRN-SECRET-1" in staff_text
    display = setup.api("display")
    for unit in ("4W", "ICU"):
        board = display.board(unit)
        text = json.dumps(board)
        for secret in (
            "Smithson",
            "MRN-SECRET-1",
            "1941-07-09",
            "1941",
            "FamilyE2",
            "MRN-E2",
            "1950-03-17",
        ):
            assert secret not in text, (unit, secret)
        for key in ("family_name", "mrn", "birth_date"):
            assert f'"{key}"' not in text, (unit, key)
    occupied = {b["bed_id"]: b for b in display.board("4W")["beds"]}["4W-401-A"]
    assert occupied["occupancy"] == "occupied"
    assert occupied["patient"] is not None


# -- the server's own measurements ----------------------------------------------------------


def test_metrics_show_loop_lag_and_count_the_screens_connected(setup: SharedServer) -> None:
    token = setup.api("display").token
    url = f"{setup.server.ws_url}/ws/screen/display/ICU"
    secretary = setup.api("secretary")
    cleanliness = secretary.bed("ICU", "ICU-1-A")["cleanliness"]
    next_step = {"clean": "MarkBedDirty", "dirty": "StartCleaning", "cleaning": "MarkBedClean"}
    before = setup.server.http.get("/metrics.json").json()
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as screen:
        screen.recv(timeout=5)  # the snapshot: the screen is subscribed
        during = setup.server.http.get("/metrics.json").json()
        secretary.ok(next_step[cleanliness], {"bed_id": "ICU-1-A"})
        push = str(screen.recv(timeout=5))
        assert 'id="room-ICU-1"' in push and 'id="display-grid"' not in push  # the room alone
        time.sleep(0.2)  # let the loop-lag probe take a few samples
        after = setup.server.http.get("/metrics.json").json()
    assert during["screens"] == before["screens"] + 1
    assert after["deliveries"] >= before["deliveries"] + 1
    assert after["renders"] >= before["renders"] + 1
    lag = after["loop_lag"]
    assert lag["samples"] > 0 and 0 <= lag["p50_ms"] <= lag["p99_ms"] <= lag["max_ms"]
    assert "full_collections" in lag
    assert "patient" not in json.dumps(after)  # counts only
