"""Minimum necessary, walked: every role against every read endpoint and socket, checked
against the one table of what each role sees (service/roles.py READS). An EVS or transport
token reading names, MRNs or birth dates, a confidential name shown to a role not allowed
it, the event log handed to a role that is not a system, or a unit's token reading another
unit: each is a failure here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import Api, SharedServer, admission, run_cli
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from unitboard.domain.roles import ROLES
from unitboard.service.roles import READS

IDENTITY = ("mrn", "birth_date", "family_name", "given_name")


@pytest.fixture(scope="module")
def ward(shared: SharedServer) -> Iterator[SharedServer]:
    api = shared.api("secretary")
    api.ok("RequestAdmission", admission("OPEN1", family_name="Openshaw", given_name="Olive"))
    api.ok("AssignBed", {"encounter_id": "OPEN1", "bed_id": "4W-401-A"})
    api.ok("MarkArrived", {"encounter_id": "OPEN1"})
    secret = admission("CONF1", family_name="Hidden", given_name="Harriet", confidential=True)
    api.ok("RequestAdmission", secret)
    api.ok("AssignBed", {"encounter_id": "CONF1", "bed_id": "4W-402-A"})
    api.ok("MarkArrived", {"encounter_id": "CONF1"})
    api.ok("RequestAdmission", admission("WAIT1", family_name="Waiting", given_name="Will"))
    yield shared


def patients(board: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The three patients as this viewer sees them: O(pen) in 4W-401-A, C(onfidential) in
    4W-402-A, W(aiting) in the queue."""
    beds = {bed["bed_id"]: bed["patient"] for bed in board["beds"]}
    (waiting,) = board["pending_admissions"]
    return {"O": beds["4W-401-A"], "C": beds["4W-402-A"], "W": waiting}


def test_the_table_names_every_role() -> None:
    assert set(READS) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_a_unit_board_shows_each_role_what_its_table_says(ward: SharedServer, role: str) -> None:
    reads = READS[role]
    board = ward.api(role).board("4W")
    text = json.dumps(board)
    seen = patients(board)
    if reads.identity:
        assert seen["O"]["mrn"] == "MRN-OPEN1" and seen["O"]["birth_date"] == "1950-04-02"
        assert "Openshaw" in text and "Waiting" in text
    else:
        for patient in seen.values():
            assert not set(IDENTITY) & set(patient), (role, patient)
        assert seen["O"]["name"] == "O. Op."
        for word in ("Openshaw", "Olive", "Waiting", "MRN-", "1950-04-02", "OPEN1"):
            assert word not in text, (role, word)
    if reads.confidential_names:
        assert "Hidden" in text
    else:
        assert "Hidden" not in text and "Harriet" not in text and "H. Hi." not in text
        assert seen["C"]["name"].startswith("Confidential ")


@pytest.mark.parametrize("role", ROLES)
def test_the_event_log_is_for_systems_only(ward: SharedServer, role: str) -> None:
    api = ward.api(role)
    answer = api.get("/api/events", params={"after": 0, "limit": 10})
    if READS[role].events:
        assert answer.status_code == 200 and answer.json()["events"]
    else:
        assert answer.status_code == 403
        assert "may not read the event log" in answer.json()["error"]["message"]
    url = ward.server.ws_url + "/ws/events?after=0"
    headers = {"Authorization": f"Bearer {api.token}"}
    try:
        with connect(url, additional_headers=headers, open_timeout=5) as ws:
            first = json.loads(ws.recv(timeout=5))
            assert READS[role].events, f"the {role} role read {first['type']}"
    except (ConnectionClosed, InvalidStatus):
        assert not READS[role].events, f"the {role} role was refused the events socket"


def unit_token(ward: SharedServer, role: str, unit: str) -> Api:
    made = run_cli(
        "tokens", "create", f"{role}-{unit}-only", "--role", role, "--unit", unit,
        "--database-url", ward.server.database_url,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return Api(ward.server, made.stdout.strip().splitlines()[-1])


def test_a_token_for_one_unit_reads_that_unit_only(ward: SharedServer) -> None:
    icu = unit_token(ward, "integration", "ICU")
    assert icu.get("/api/units/ICU/board").status_code == 200
    refused = icu.get("/api/units/4W/board")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "This token is for unit ICU only."
    assert [u["unit_id"] for u in icu.get("/api/units").json()["units"]] == ["ICU"]
    assert icu.get("/api/events").status_code == 403  # the log is the whole hospital's
    wall = unit_token(ward, "display", "ICU")
    url = ward.server.ws_url + "/ws/screen/display/4W"
    headers = {"Authorization": f"Bearer {wall.token}"}
    with (
        pytest.raises((ConnectionClosed, InvalidStatus)),
        connect(url, additional_headers=headers, open_timeout=5) as ws,
    ):
        ws.recv(timeout=5)


@pytest.mark.parametrize("role", ROLES)
def test_screens_open_only_for_their_roles(ward: SharedServer, role: str) -> None:
    api = ward.api(role)
    station = ward.server.http.get("/station/4W", headers=api.headers())
    assert (station.status_code == 200) == (role in ("secretary", "charge_nurse", "nurse"))
    evs = ward.server.http.get("/evs", headers=api.headers())
    if evs.status_code == 200:
        assert "Openshaw" not in evs.text and "MRN-" not in evs.text
    wall = ward.server.http.get("/display/4W", headers=api.headers())
    assert wall.status_code == 200
    for word in ("Openshaw", "Hidden", "MRN-", "1950-04-02"):
        assert word not in wall.text, (role, word)


def test_the_wall_shows_a_blocks_kind_not_the_reason_typed(ward: SharedServer) -> None:
    ward.api("charge_nurse").ok(
        "BlockBed", {"bed_id": "4W-403-C", "reason": "Mr Openshaw's wife sleeps here"}
    )
    station = ward.api("secretary").bed("4W", "4W-403-C")
    assert station["blocked"]["reason"] == "Mr Openshaw's wife sleeps here"
    wall = ward.api("display").bed("4W", "4W-403-C")
    assert wall["blocked"] == {"kind": "other", "reason": "Other", "until": None}
    page = ward.server.http.get("/display/4W", headers=ward.api("display").headers())
    assert "Openshaw" not in page.text


def test_a_token_for_one_unit_opens_no_other_units_station_or_the_hospitals_evs(
    ward: SharedServer,
) -> None:
    icu_nurse = unit_token(ward, "nurse", "ICU")
    http = ward.server.http
    assert http.get("/station/ICU", headers=icu_nurse.headers()).status_code == 200
    other = http.get("/station/4W", headers=icu_nurse.headers())
    assert other.status_code == 403 and "Openshaw" not in other.text
    icu_desk = unit_token(ward, "secretary", "ICU")
    assert http.get("/evs", headers=icu_desk.headers()).status_code == 403
    for path in ("/ws/screen/station/4W", "/ws/screen/evs"):
        url = ward.server.ws_url + path
        headers = {"Authorization": f"Bearer {icu_desk.token}"}
        with (
            pytest.raises((ConnectionClosed, InvalidStatus)),
            connect(url, additional_headers=headers, open_timeout=5) as ws,
        ):
            ws.recv(timeout=5)


@pytest.fixture(scope="module")
def answered_light(ward: SharedServer) -> str:
    """A light on Olive Openshaw's bed, answered with a note that names her."""
    raised = ward.api("integration").ok("RaiseCallLight", {"bed_id": "4W-401-A", "kind": "pain"})
    call_id: str = raised["events"][0]["data"]["call_id"]
    note = {"call_id": call_id, "note": "Olive Openshaw asks for pain relief"}
    ward.api("secretary").ok("AnswerCallLight", note)
    return call_id


@pytest.mark.parametrize("role", ROLES)
def test_call_lights_and_pages_show_each_role_what_its_table_says(
    ward: SharedServer, answered_light: str, role: str
) -> None:
    api = ward.api(role)
    lights = api.get("/api/units/4W/calls")
    if not READS[role].calls:
        assert lights.status_code == 403 and "Openshaw" not in lights.text
    else:
        assert lights.status_code == 200
        (light,) = [c for c in lights.json()["calls"] if c["call_id"] == answered_light]
        assert ("Openshaw" in lights.text) == READS[role].identity, (role, light)
    pages = api.get("/api/pages")
    assert (pages.status_code == 403) == (READS[role].pages == "none"), role
