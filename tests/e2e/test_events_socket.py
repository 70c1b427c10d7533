"""WebSocket /ws/events against a real server: the backlog after N in order, then live events,
with no gap and no duplicate; unauthenticated or read-forbidden sockets are refused."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from e2e_support import SharedServer, admission
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect


def open_socket(
    shared: SharedServer,
    after: int | None,
    role: str | None = "integration",
    token: str | None = None,
) -> ClientConnection:
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    elif role is not None:
        headers["Authorization"] = f"Bearer {shared.api(role).token}"
    query = "" if after is None else f"?after={after}"
    return connect(
        shared.server.ws_url + "/ws/events" + query,
        additional_headers=headers,
        open_timeout=5,
        close_timeout=2,
    )


def receive(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(count):
        out.append(json.loads(ws.recv(timeout=5)))
    return out


def assert_quiet(ws: ClientConnection) -> None:
    with pytest.raises(TimeoutError):
        ws.recv(timeout=0.3)


def test_backlog_then_live_without_gap_or_duplicate(shared: SharedServer) -> None:
    api = shared.api("integration")
    api.ok("RequestAdmission", admission("W1"))
    api.ok("AssignBed", {"encounter_id": "W1", "bed_id": "4W-401-A"})
    logged = api.all_events()
    head = logged[-1]["position"]
    after = 3
    with open_socket(shared, after) as ws:
        backlog = receive(ws, head - after)
        assert backlog == logged[after:]
        assert_quiet(ws)

        # Live: events posted now arrive, in order, each once.
        answers = [
            api.ok("MarkArrived", {"encounter_id": "W1"}),
            api.ok("RequestAdmission", admission("W2")),
            api.ok("AssignBed", {"encounter_id": "W2", "bed_id": "4W-401-B"}),
        ]
        live_expected = [e for a in answers for e in a["events"]]
        live = receive(ws, len(live_expected))
        assert live == live_expected
        assert_quiet(ws)

    positions = [e["position"] for e in backlog + live]
    assert positions == list(range(after + 1, positions[-1] + 1))


def test_live_events_written_concurrently_arrive_in_order(shared: SharedServer) -> None:
    """Commands posted while the socket is still sending its backlog: no gap, no duplicate."""
    api = shared.api("integration")
    evs = shared.api("evs")
    start = api.last_position()
    beds = ["4W-402-A", "ICU-1-A"]

    def churn() -> None:
        for _ in range(5):
            for bed in beds:
                evs.ok("MarkBedDirty", {"bed_id": bed})
                evs.ok("StartCleaning", {"bed_id": bed})
                evs.ok("MarkBedClean", {"bed_id": bed})

    writer = threading.Thread(target=churn)
    with open_socket(shared, 0) as ws:
        writer.start()
        writer.join(30)
        total = start + 5 * len(beds) * 3
        events = receive(ws, total)
        assert_quiet(ws)
    assert [e["position"] for e in events] == list(range(1, total + 1))
    assert events == api.all_events()


def test_socket_default_after_is_zero(shared: SharedServer) -> None:
    head = shared.api("integration").last_position()
    with open_socket(shared, None) as ws:
        events = receive(ws, head)
    assert [e["position"] for e in events] == list(range(1, head + 1))


@pytest.mark.parametrize(
    ("role", "token", "code"),
    [(None, None, 4401), (None, "not-a-token", 4401), ("display", None, 4403)],
    ids=["no header", "bad token", "display role"],
)
def test_socket_refused(
    shared: SharedServer, role: str | None, token: str | None, code: int
) -> None:
    try:
        with open_socket(shared, 0, role=role, token=token) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == code
    except InvalidStatus as refused:  # refused before the handshake completed
        assert refused.response.status_code in (401, 403)


def test_socket_bad_after_refused(shared: SharedServer) -> None:
    ws_url = shared.server.ws_url + "/ws/events?after=-5"
    headers = {"Authorization": f"Bearer {shared.api('integration').token}"}
    try:
        with connect(ws_url, additional_headers=headers, open_timeout=5) as ws2:
            with pytest.raises(ConnectionClosed) as closed:
                ws2.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4422
    except InvalidStatus as refused:
        assert refused.response.status_code in (403, 422)
