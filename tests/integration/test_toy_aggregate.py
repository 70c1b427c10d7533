"""Adding an aggregate is a package and one registration line: the toy bells aggregate
(tests/toy_bells, one module) registered beside the house's own is validated, authorised,
decided, logged, read back typed, folded, offered and routed to the wall display of its
unit by the same server, through the same API, with nothing else changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hospital import LAYOUT, admission
from toy_bells.aggregate import AGGREGATE as BELLS
from toy_bells.aggregate import BellRung, Bells
from unitboard.bootstrap import build_runtime
from unitboard.config import Settings
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.context import Context
from unitboard.domain.registry import Registry
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor, create_token
from unitboard.store import EventLog
from unitboard.web.app import create_app

WITH_BELLS = Registry([*HOUSE.aggregates, BELLS])  # the one registration line
pytestmark = pytest.mark.anyio
Served = tuple[httpx.AsyncClient, Runtime, dict[str, str]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """The server app in this process, started as uvicorn would (its lifespan)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/bells.db")
    runtime = build_runtime(settings, WITH_BELLS)
    desk = Actor("desk", "secretary", None, "Desk")
    runtime.service.load_layout(Actor("admin", "admin"), LAYOUT)
    for name, data in [
        ("RequestAdmission", admission("E1")),
        ("AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"}),
        ("MarkArrived", {"encounter_id": "E1"}),
    ]:
        runtime.service.execute(desk, name, data)
    tokens = {
        role: create_token(runtime.credentials, f"bells-{role}", role, None)
        for role in ("secretary", "nurse", "integration")
    }
    app = create_app(settings, runtime)
    await runtime.start()
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://board") as client:
            yield client, runtime, tokens
    finally:
        await runtime.stop()


async def post(client: httpx.AsyncClient, token: str, command: str, data: Any) -> httpx.Response:
    body = {"command": command, "data": data}
    return await client.post("/api/commands", json=body, headers=_bearer(token))


async def test_the_toy_command_goes_through_the_api_the_log_and_the_projections(
    served: Served,
) -> None:
    client, runtime, tokens = served
    answer = await post(client, tokens["secretary"], "RingBell", {"bed_id": "4W-401-A"})
    assert answer.status_code == 200, answer.text
    recorded = answer.json()["events"]
    assert [(e["type"], e["stream_id"], e["data"]) for e in recorded] == [
        ("BellRung", "bed-4W-401-A", {"bed_id": "4W-401-A", "loud": True})
    ]
    assert runtime.service.state[Bells].rings == {"4W-401-A": 1}

    position = recorded[0]["position"]
    assert await runtime.caught_up(position)
    assert runtime.projection.hospital[Bells].rings == {"4W-401-A": 1}
    feed = await client.get(
        f"/api/events?after={position - 1}", headers=_bearer(tokens["integration"])
    )
    assert feed.json()["events"][0]["type"] == "BellRung"
    log = EventLog(runtime.engine, WITH_BELLS)
    try:
        (read,) = log.read(position - 1, 1)
    finally:
        log.close()
    assert read.event == BellRung(bed_id="4W-401-A")


async def test_its_roles_rules_and_offers_are_its_own_declaration(served: Served) -> None:
    client, runtime, tokens = served
    refused = await post(client, tokens["nurse"], "RingBell", {"bed_id": "4W-401-A"})
    assert refused.status_code == 403
    empty = await post(client, tokens["secretary"], "RingBell", {"bed_id": "4W-402-A"})
    assert empty.status_code == 409
    assert "Nobody lies in bed 4W-402-A" in empty.json()["error"]["message"]
    state = runtime.service.state
    offered = WITH_BELLS.offered(state, "bed", "4W-401-A", Context("desk", "secretary"))
    assert "RingBell" in [offer.command for offer in offered]
    nursing = WITH_BELLS.offered(state, "bed", "4W-401-A", Context("noor", "nurse"))
    assert "RingBell" not in [offer.command for offer in nursing]


async def test_its_event_reaches_the_wall_display_of_the_unit_it_touches(served: Served) -> None:
    client, runtime, tokens = served
    answer = await post(client, tokens["secretary"], "RingBell", {"bed_id": "4W-401-A"})
    log = EventLog(runtime.engine, WITH_BELLS)
    try:
        batch = log.read(answer.json()["position"] - 1, 1)
    finally:
        log.close()
    assert runtime.touched(batch) == frozenset({"4W"})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
