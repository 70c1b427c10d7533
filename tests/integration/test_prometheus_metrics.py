"""GET /metrics serves the Prometheus text format, and an operator's scraper reads it: every
family the README lists is there, the counts go up by exactly what was done (commands
accepted and refused, HL7 messages acknowledged, changes pushed to a connected screen, and
their bytes), and nothing names a patient. The JSON summary stays whole at /metrics.json.

Two apps built in one process keep their own command counts (each Runtime has a registry of
its own); a real `unitboard serve` process counts a real screen's websocket."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from api_support import Api, People, Server
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from hospital import LAYOUT, admission
from unitboard.bootstrap import build_runtime
from unitboard.config import Settings
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor, create_token
from unitboard.telemetry import count_hl7_message, observe_hl7_seconds
from unitboard.web.app import create_app

FAMILIES = {
    "unitboard_commands": "counter",
    "unitboard_command_duration_seconds": "histogram",
    "unitboard_screens_connected": "gauge",
    "unitboard_event_feed_subscribers": "gauge",
    "unitboard_screen_renders": "counter",
    "unitboard_screen_pushes": "counter",
    "unitboard_screen_push_bytes": "counter",
    "unitboard_event_loop_lag_seconds": "gauge",
    "unitboard_scheduler_leading": "gauge",
    "unitboard_scheduler_firings": "counter",
    "unitboard_scheduler_lateness_seconds": "gauge",
    "unitboard_projection_position": "gauge",
    "unitboard_log_write_failures_in_a_row": "gauge",
    "unitboard_transport_jobs_open": "gauge",
    "unitboard_transport_jobs_late": "gauge",
    "unitboard_transporters_available": "gauge",
    "unitboard_orders_awaiting_cosign": "gauge",
    "unitboard_orders_cosign_overdue": "gauge",
    "unitboard_prints": "counter",
    "unitboard_hl7_messages": "counter",
    "unitboard_hl7_message_duration_seconds": "histogram",
    "process_resident_memory_bytes": "gauge",
}
"""Every family the README's table lists, with its type."""
JSON_KEYS = {
    "projection_position", "loop_lag", "screens", "event_feed_subscribers", "renders",
    "deliveries", "doorbell", "write_failures", "scheduler", "transport", "orders",
}  # fmt: skip
PATIENT = admission("E1", family_name="Zyxwarden", given_name="Quillon", mrn="MRN-Q7731")
ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("RequestAdmission", PATIENT),
    ("AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"}),
]
REFUSED: list[tuple[str, dict[str, Any]]] = [
    ("AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"}),  # in that bed already
    ("AssignBed", {"encounter_id": "E-NOBODY", "bed_id": "4W-401-B"}),
    ("MarkArrived", {"encounter_id": 7}),
    ("OpenThePodBayDoors", {}),
]
"""Refused by a rule, for a stay that does not exist, for a malformed field, and for a
command that does not exist (counted as `unknown`: made-up names never make a series)."""

Labels = frozenset[tuple[str, str]]
pytestmark = pytest.mark.anyio


class Scrape:
    """One GET /metrics, parsed: each sample's value by its name and labels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.types: dict[str, str] = {}
        self.values: dict[tuple[str, Labels], float] = {}
        for family in text_string_to_metric_families(text):
            self.types[family.name] = family.type
            for sample in family.samples:
                self.values[(sample.name, frozenset(sample.labels.items()))] = sample.value

    def __call__(self, name: str, **labels: str) -> float:
        """A sample's value; 0 for a labelled series not yet counted."""
        return self.values.get((name, frozenset(labels.items())), 0.0)

    def labelled(self, name: str) -> dict[Labels, float]:
        return {labels: value for (sample, labels), value in self.values.items() if sample == name}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Served:
    client: httpx.AsyncClient
    runtime: Runtime
    desk: dict[str, str]
    """The desk's (a secretary's) bearer header."""

    async def command(self, name: str, data: object) -> httpx.Response:
        body = {"command": name, "data": data}
        return await self.client.post("/api/commands", json=body, headers=self.desk)

    async def scrape(self) -> Scrape:
        response = await self.client.get("/metrics")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == CONTENT_TYPE_LATEST
        return Scrape(response.text)


async def serve_in_process(database: Path) -> AsyncIterator[Served]:
    """The server app in this process, started as uvicorn would (its lifespan)."""
    settings = Settings(database_url=f"sqlite:///{database}")
    runtime = build_runtime(settings)
    runtime.service.load_layout(Actor("admin", "admin"), LAYOUT)
    desk = create_token(runtime.credentials, "metrics-desk", "secretary", None)
    app = create_app(settings, runtime)
    await runtime.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://board") as client:
            yield Served(client, runtime, {"Authorization": f"Bearer {desk}"})
    finally:
        await runtime.stop()


@pytest.fixture
async def first(tmp_path: Path) -> AsyncIterator[Served]:
    async for served in serve_in_process(tmp_path / "first.db"):
        yield served


@pytest.fixture
async def second(tmp_path: Path) -> AsyncIterator[Served]:
    async for served in serve_in_process(tmp_path / "second.db"):
        yield served


async def test_metrics_parse_as_prometheus_text_with_every_family(first: Served) -> None:
    scrape = await first.scrape()
    for name, kind in FAMILIES.items():
        assert scrape.types.get(name) == kind, (name, scrape.types.get(name))
    summary = (await first.client.get("/metrics.json")).json()
    assert scrape("unitboard_projection_position") == summary["projection_position"] > 0
    assert scrape("unitboard_screens_connected") == summary["screens"] == 0
    assert scrape("unitboard_event_feed_subscribers") == 0
    assert scrape("unitboard_scheduler_leading") in (0, 1)
    assert scrape("unitboard_log_write_failures_in_a_row") == 0
    assert scrape("unitboard_transport_jobs_open") == summary["transport"]["open"] == 0
    assert scrape("unitboard_orders_awaiting_cosign") == summary["orders"]["awaiting_cosign"]
    assert scrape("process_resident_memory_bytes") > 10_000_000


async def test_commands_are_counted_by_command_and_outcome_exactly(
    first: Served, second: Served
) -> None:
    before, elsewhere_before = await first.scrape(), await second.scrape()
    for name, data in ACCEPTED:
        answer = await first.command(name, data)
        assert answer.status_code == 200, answer.text
    refusals = []
    for name, data in REFUSED:
        answer = await first.command(name, data)
        assert answer.status_code >= 400, answer.text
        refusals.append((name, answer.json()["error"]["code"]))
    after, elsewhere_after = await first.scrape(), await second.scrape()

    done = {
        ("RequestAdmission", "accepted"): 1,
        ("AssignBed", "accepted"): 1,
    }
    for name, code in refusals:
        command = "unknown" if name == "OpenThePodBayDoors" else name
        done[(command, code)] = done.get((command, code), 0) + 1
    assert {code for _, code in refusals} >= {"rule_violation", "not_found", "invalid_input"}
    counted = {
        key: after("unitboard_commands_total", command=key[0], outcome=key[1])
        - before("unitboard_commands_total", command=key[0], outcome=key[1])
        for key in {
            (dict(labels)["command"], dict(labels)["outcome"])
            for labels in after.labelled("unitboard_commands_total")
        }
    }
    assert {key: n for key, n in counted.items() if n} == done
    timed = {
        command: after("unitboard_command_duration_seconds_count", command=command)
        - before("unitboard_command_duration_seconds_count", command=command)
        for command in ("RequestAdmission", "AssignBed", "MarkArrived", "unknown")
    }
    assert timed == {"RequestAdmission": 1, "AssignBed": 3, "MarkArrived": 1, "unknown": 1}
    slowest = after("unitboard_command_duration_seconds_sum", command="AssignBed")
    assert 0 < slowest < 10
    assert after("unitboard_command_duration_seconds_bucket", command="AssignBed", le="+Inf") == (
        after("unitboard_command_duration_seconds_count", command="AssignBed")
    )
    # The other app in this process counted none of it.
    assert elsewhere_after.labelled("unitboard_commands_total") == (
        elsewhere_before.labelled("unitboard_commands_total")
    )
    # Counts, never a patient: not the name, not the MRN, not the encounter.
    for text in (after.text, (await first.client.get("/metrics.json")).text):
        for identity in ("Zyxwarden", "Quillon", "MRN-Q7731", "E1"):
            assert identity not in text


async def test_hl7_messages_are_counted_by_event_and_ack(first: Served, second: Served) -> None:
    messages, seconds = "unitboard_hl7_messages_total", "unitboard_hl7_message_duration_seconds"
    before = await first.scrape()
    for event, ack in [("ADT^A01", "AA"), ("ADT^A01", "AA"), ("ADT^A02", "AE")]:
        count_hl7_message(event, ack)
    count_hl7_message(f"made-up {uuid.uuid4()}", "ZZ")  # never a series of its own
    observe_hl7_seconds("ADT^A01", 0.004)
    after, elsewhere = await first.scrape(), await second.scrape()

    counted = {
        (event, ack): after(messages, event=event, ack=ack) - before(messages, event=event, ack=ack)
        for event, ack in [("ADT^A01", "AA"), ("ADT^A02", "AE"), ("other", "other")]
    }
    assert counted == {("ADT^A01", "AA"): 2, ("ADT^A02", "AE"): 1, ("other", "other"): 1}
    assert all("made-up" not in dict(labels)["event"] for labels in after.labelled(messages))
    timed = after(f"{seconds}_count", event="ADT^A01") - before(f"{seconds}_count", event="ADT^A01")
    assert timed == 1
    assert after(f"{seconds}_bucket", event="ADT^A01", le="0.005") >= 1
    # One feed per process: every app's registry shows the same HL7 counts.
    assert elsewhere.labelled(messages) == after.labelled(messages)


async def test_the_json_summary_moved_to_metrics_json(first: Served) -> None:
    response = await first.client.get("/metrics.json")
    assert response.status_code == 200
    summary = response.json()
    assert set(summary) == JSON_KEYS
    assert set(summary["orders"]) == {"awaiting_cosign", "cosign_overdue", "prints"}
    assert "leading" in summary["scheduler"]


# -- a real server process and a real screen ---------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Api, str]]:
    """A `unitboard serve` on SQLite: E1 admitted to 4W-401-A; the desk's client and a
    display token for 4W."""
    tmp = tmp_path_factory.mktemp("metrics")
    layout = tmp / "layout.toml"
    layout.write_text(LAYOUT)
    url = f"sqlite:///{tmp}/metrics.db"
    server = Server(url, layout, tmp / "server.log")
    server.start()
    people = People(url)
    try:
        with httpx.Client(base_url=server.base_url, timeout=20) as http:
            desk = Api(http, people.token("desk", "secretary"))
            desk.ok("RequestAdmission", PATIENT)
            desk.ok("AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"})
            yield server, desk, people.token("wall", "display", "4W")
    finally:
        people.close()
        server.stop()
    server.assert_no_errors()


def scrape_of(server: Server) -> Scrape:
    response = httpx.get(f"{server.base_url}/metrics", timeout=10)
    assert response.status_code == 200
    return Scrape(response.text)


async def test_a_connected_screen_and_its_pushes_are_counted(
    server: tuple[Server, Api, str],
) -> None:
    serving, desk, wall = server
    url = f"ws://127.0.0.1:{serving.port}/ws/screen/display/4W"
    headers = {"Authorization": f"Bearer {wall}"}
    async with websockets.connect(url, additional_headers=headers) as screen:
        await asyncio.wait_for(screen.recv(), timeout=5)  # the snapshot (not a change)
        before = await asyncio.to_thread(scrape_of, serving)
        assert before("unitboard_screens_connected") == 1
        await asyncio.to_thread(desk.ok, "MarkArrived", {"encounter_id": "E1"})
        pushed = await asyncio.wait_for(screen.recv(), timeout=5)
        after = await asyncio.to_thread(scrape_of, serving)
    assert isinstance(pushed, str)
    assert after("unitboard_screen_pushes_total") - before("unitboard_screen_pushes_total") == 1
    assert after("unitboard_screen_renders_total") - before("unitboard_screen_renders_total") == 1
    sent = after("unitboard_screen_push_bytes_total") - before("unitboard_screen_push_bytes_total")
    assert sent == len(pushed.encode())
    assert after("unitboard_commands_total", command="MarkArrived", outcome="accepted") == 1
    lag = after.labelled("unitboard_event_loop_lag_seconds")
    assert {dict(labels)["quantile"] for labels in lag} == {"0.5", "0.99", "1"}
    assert all(0 <= seconds < 1 for seconds in lag.values())
    assert after("unitboard_scheduler_leading") == 1  # the only process on its log
    for _ in range(50):  # the server sees the socket close a moment later
        if (await asyncio.to_thread(scrape_of, serving))("unitboard_screens_connected") == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the screen that went away is still counted")
