"""Durability: every acknowledged event survives a SIGKILL of the server, on SQLite and on
PostgreSQL, and so do idempotent answers."""

from __future__ import annotations

import threading
from typing import Any

from e2e_support import Api, Server, admission, create_token


def test_acknowledged_events_survive_sigkill(server: Server) -> None:
    api = Api(server, create_token(server.database_url, "secretary", "durable"))
    acknowledged: list[dict[str, Any]] = []
    acknowledged += api.ok("RequestAdmission", admission("D1"))["events"]
    acknowledged += api.ok("AssignBed", {"encounter_id": "D1", "bed_id": "4W-401-A"})["events"]
    acknowledged += api.ok("MarkArrived", {"encounter_id": "D1"})["events"]
    acknowledged += api.ok("RequestAdmission", admission("D2", unit_id="ICU"), key="d2")["events"]

    # A burst of writes from two threads, killed right after the last acknowledgement.
    def cleaner(bed: str) -> None:
        for _ in range(4):
            for command in ("MarkBedDirty", "StartCleaning", "MarkBedClean"):
                acknowledged.extend(api.ok(command, {"bed_id": bed})["events"])

    threads = [threading.Thread(target=cleaner, args=(b,)) for b in ("4W-402-A", "ICU-1-A")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    boards = {unit: api.board(unit) for unit in ("4W", "ICU")}
    server.kill()

    server.start()
    logged = api.all_events()
    by_position = {e["position"]: e for e in logged}
    for event in acknowledged:
        assert by_position[event["position"]] == event
    assert [e["position"] for e in logged] == list(range(1, len(logged) + 1))
    assert logged[-1]["position"] == max(e["position"] for e in acknowledged)
    for unit, before in boards.items():
        after = api.board(unit)
        assert after["beds"] == before["beds"]
        assert after["census"] == before["census"]
        assert after["position"] == logged[-1]["position"]

    # The idempotent answer survived too, and the server keeps working after the restart.
    head = logged[-1]["position"]
    again = api.post("RequestAdmission", admission("D2", unit_id="ICU"), key="d2")
    assert again.status_code == 200
    assert again.json()["events"] == [e for e in acknowledged if e["stream_id"] == "stay-D2"]
    assert api.last_position() == head
    moved = api.ok("MovePatient", {"encounter_id": "D1", "bed_id": "4W-401-B"})
    assert moved["position"] > head
