"""A patient's whole stay through POST /api/commands, checked on the board after each step,
on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from e2e_support import Api, Server, admission, create_token


def assert_bed(
    api: Api,
    unit: str,
    bed_id: str,
    occupancy: str,
    cleanliness: str,
    status: str,
    encounter_id: str | None,
) -> dict[str, Any]:
    bed = api.bed(unit, bed_id)
    assert (bed["occupancy"], bed["cleanliness"], bed["status"], bed["encounter_id"]) == (
        occupancy,
        cleanliness,
        status,
        encounter_id,
    ), bed
    return bed


def test_full_lifecycle(server: Server) -> None:
    api = Api(server, create_token(server.database_url, "secretary", "lifecycle"))
    evs = Api(server, create_token(server.database_url, "evs", "lifecycle-evs"))
    start = api.last_position()
    answers: list[dict[str, Any]] = []

    def do(client: Api, command: str, data: dict[str, Any], corr: str) -> dict[str, Any]:
        body = client.ok(command, data, headers={"X-Correlation-ID": corr})
        assert body["events"], command
        assert body["position"] == body["events"][-1]["position"]
        answers.append(body)
        return body

    do(api, "RequestAdmission", admission("E1"), "c-admit")
    board = api.board("4W")
    assert [p["encounter_id"] for p in board["pending_admissions"]] == ["E1"]
    assert_bed(api, "4W", "4W-401-A", "vacant", "clean", "clean", None)

    do(api, "AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"}, "c-assign")
    assert_bed(api, "4W", "4W-401-A", "reserved", "clean", "reserved", "E1")
    assert api.board("4W")["pending_admissions"] == []

    do(api, "MarkArrived", {"encounter_id": "E1"}, "c-arrive")
    bed = assert_bed(api, "4W", "4W-401-A", "occupied", "clean", "occupied", "E1")
    assert bed["status_code"] == "O"

    do(api, "MovePatient", {"encounter_id": "E1", "bed_id": "4W-402-A"}, "c-move")
    assert_bed(api, "4W", "4W-402-A", "occupied", "clean", "occupied", "E1")
    left = assert_bed(api, "4W", "4W-401-A", "vacant", "dirty", "dirty", None)
    assert left["status_code"] == "H"

    do(
        api,
        "RequestTransfer",
        {"encounter_id": "E1", "to_unit_id": "ICU", "reason": "worse"},
        "c-tr",
    )
    do(api, "AssignBed", {"encounter_id": "E1", "bed_id": "ICU-1-A"}, "c-tr-assign")
    assert_bed(api, "ICU", "ICU-1-A", "reserved", "clean", "reserved", "E1")
    assert_bed(api, "4W", "4W-402-A", "occupied", "clean", "occupied", "E1")

    do(api, "MarkArrived", {"encounter_id": "E1"}, "c-tr-arrive")
    assert_bed(api, "ICU", "ICU-1-A", "occupied", "clean", "occupied", "E1")
    assert_bed(api, "4W", "4W-402-A", "vacant", "dirty", "dirty", None)
    assert api.board("4W")["census"]["occupied"] == 0
    assert api.board("ICU")["census"]["occupied"] == 1

    do(
        api,
        "OrderDischarge",
        {"encounter_id": "E1", "expected_at": "2026-05-01T14:30:00+02:00"},
        "c-od",
    )
    bed = assert_bed(api, "ICU", "ICU-1-A", "occupied", "clean", "occupied", "E1")
    assert bed["patient"]["discharge_ordered"] is True

    do(api, "DischargePatient", {"encounter_id": "E1"}, "c-dc")
    assert_bed(api, "ICU", "ICU-1-A", "vacant", "dirty", "dirty", None)

    do(evs, "StartCleaning", {"bed_id": "ICU-1-A"}, "c-clean-start")
    assert_bed(api, "ICU", "ICU-1-A", "vacant", "cleaning", "cleaning", None)

    do(evs, "MarkBedClean", {"bed_id": "ICU-1-A"}, "c-clean-done")
    bed = assert_bed(api, "ICU", "ICU-1-A", "vacant", "clean", "clean", None)
    assert bed["status_code"] == "U"

    # Every event answered is in the log, in order, exactly once, with its metadata.
    answered = [e for a in answers for e in a["events"]]
    logged = api.events(after=start)["events"]
    assert logged == answered
    assert [e["position"] for e in logged] == list(range(start + 1, start + 1 + len(logged)))
    expected_corr = {
        "RequestAdmission": "c-admit",
        "MovePatient": "c-move",
        "DischargePatient": "c-dc",
        "MarkBedClean": "c-clean-done",
    }
    for event in logged:
        meta = event["metadata"]
        assert set(event) >= {
            "position",
            "stream_id",
            "version",
            "type",
            "data",
            "metadata",
            "recorded_at",
        }
        assert meta["actor"] and meta["role"] in {"secretary", "evs"}
        assert meta["time"].endswith("+00:00")
        assert meta["correlation_id"].startswith("c-")
        if meta["command"] in expected_corr:
            assert meta["correlation_id"] == expected_corr[meta["command"]]
    assert {
        e["metadata"]["role"] for e in logged if e["metadata"]["command"] == "StartCleaning"
    } == {"evs"}
    # The board's position has caught up with the log.
    assert api.board("ICU")["position"] == logged[-1]["position"]
