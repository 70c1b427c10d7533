"""Transport through a real `unitboard serve` process, on SQLite and on PostgreSQL: a job
requested over `POST /api/commands` is listed by `GET /api/transports` with every field of
the contract's JOB (and fits the OpenAPI description the server publishes); `status=all`
keeps the ended jobs; each role reads what its row of the READS table allows and a unit's
token its unit's jobs only; `GET /api/transporters` gives each one's status and job; every
refusal is readable JSON with its status and records nothing. And the race: twenty
transporters accept one job at the same moment, over twenty connections (and, on
PostgreSQL, through two server processes on one log): one gets it, the nineteen others are
told who took it."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from api_support import Api, People, Server, refused, running_server

from hospital import LAYOUT, admission

PLACES_AND_POLICY = """
[[place]]
id = "RAD"
name = "Radiology"

[[place]]
id = "LOUNGE"
name = "Discharge lounge"

[policy]
transport_dispatch = "self"
"""
"""Self dispatch: transporters pick from the queue (auto dispatch would offer each job to one
of them first, and the race would be over before it began)."""

JOB_KEYS = {
    "transport_id", "encounter_id", "origin", "destination", "priority", "mode", "needs",
    "status", "transporter", "requested_at", "scheduled_for", "due_at", "late",
    "picked_up_at", "completed_at",
}  # fmt: skip
RACERS = 20
PATIENTS = {"E1": "4W-401-A", "E2": "ICU-3-A", "E3": "4W-403-A", "E4": "4W-402-A"}
ISOLATED = "E4"
"""On contact precautions (in a private room): their jobs need isolation without asking."""


class House:
    """A server with E1 in 4W-401-A, E2 in ICU-3-A, E3 in 4W-403-A and E4 in 4W-402-A; the
    transporters Tara and Theo and twenty racers (each a person with a personal token); a
    token per role the tests read with; and the OpenAPI document the server publishes."""

    def __init__(self, server: Server, http: httpx.Client, people: People) -> None:
        self.server = server
        self.http = http
        self.tokens: dict[str, Api] = {}
        for name, role, unit in [
            ("desk", "secretary", None),
            ("auditor", "admin", None),
            ("wall", "display", "4W"),
            ("evs-tablet", "evs", None),
            ("icu-desk", "secretary", "ICU"),
            ("transport-tablet", "transport", None),
        ]:
            self.tokens[name] = Api(http, people.token(name, role, unit))
        self.people: dict[str, Api] = {}
        for username, name in [("tara", "Tara Lift"), ("theo", "Theo Wheel")] + [
            (f"racer{n:02}", f"Racer {n:02} Swift") for n in range(1, RACERS + 1)
        ]:
            self.people[username] = Api(http, people.person(username, "transport", name))
        for encounter, bed in PATIENTS.items():
            unit = bed.split("-")[0]
            isolation = "contact" if encounter == ISOLATED else "none"
            self.desk.ok(
                "RequestAdmission", admission(encounter, unit_id=unit, isolation=isolation)
            )
            self.desk.ok("AssignBed", {"encounter_id": encounter, "bed_id": bed})
            self.desk.ok("MarkArrived", {"encounter_id": encounter})
        self.document: dict[str, Any] = http.get("/api/openapi.json").json()

    @property
    def desk(self) -> Api:
        return self.tokens["desk"]

    def __getitem__(self, username: str) -> Api:
        return self.people[username]

    def head(self) -> int:
        """The log's head, as `GET /api/events` tells it to an admin."""
        after = 0
        while True:
            page = self.tokens["auditor"].read("/api/events", after=str(after), limit="1000")
            if not page["events"]:
                return after
            after = page["last_position"]

    def events(self, transport_id: str) -> list[dict[str, Any]]:
        """The events of one job's stream, in order."""
        found: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self.tokens["auditor"].read("/api/events", after=str(after), limit="1000")
            if not page["events"]:
                return found
            found += [e for e in page["events"] if e["stream_id"] == f"transport-{transport_id}"]
            after = page["last_position"]

    def request(self, encounter_id: str, destination: str, **data: Any) -> str:
        answer = self.desk.ok(
            "RequestTransport", {"encounter_id": encounter_id, "destination": destination, **data}
        )
        (requested,) = answer["events"]
        assert requested["type"] == "TransportRequested"
        transport_id: str = requested["data"]["transport_id"]
        return transport_id

    def jobs(self, api: Api | None = None, **params: str) -> dict[str, dict[str, Any]]:
        answer = (api or self.desk).read("/api/transports", **params)
        self.check_shape("Transports", answer)
        return {job["transport_id"]: job for job in answer["transports"]}

    def check_shape(self, schema: str, answer: dict[str, Any]) -> None:
        """The answer fits the shape the server's OpenAPI document gives it."""
        described = {"$ref": f"#/components/schemas/{schema}", **self.document}
        jsonschema_rs.Draft202012Validator(described, validate_formats=True).validate(answer)

    def cancel(self, transport_id: str) -> None:
        self.desk.ok("CancelTransport", {"transport_id": transport_id, "reason": "Not needed."})


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def house(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[House]:
    tmp = tmp_path_factory.mktemp("transport")
    with running_server(request.param, tmp, LAYOUT + PLACES_AND_POLICY) as (server, http, people):
        yield House(server, http, people)


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# -- the jobs as the contract shapes them --------------------------------------------------


def test_a_requested_job_is_listed_with_every_field_of_the_contract(house: House) -> None:
    answer = house.desk.ok(
        "RequestTransport",
        {"encounter_id": "E1", "destination": "RAD", "priority": "urgent",
         "mode": "stretcher", "needs": ["oxygen", "monitor"]},
    )  # fmt: skip
    (requested,) = answer["events"]
    transport_id = requested["data"]["transport_id"]
    assert transport_id.startswith("TR-") and requested["stream_id"] == f"transport-{transport_id}"
    listed = house.desk.read("/api/transports")
    assert listed["position"] >= answer["position"]
    job = {j["transport_id"]: j for j in listed["transports"]}[transport_id]
    assert set(job) >= JOB_KEYS
    assert {key: job[key] for key in JOB_KEYS - {"requested_at", "due_at"}} == {
        "transport_id": transport_id,
        "encounter_id": "E1",
        "origin": "4W-401-A",  # left out: the patient's bed
        "destination": "RAD",
        "priority": "urgent",
        "mode": "stretcher",
        "needs": ["oxygen", "monitor"],
        "status": "requested",
        "transporter": None,
        "scheduled_for": None,
        "late": False,
        "picked_up_at": None,
        "completed_at": None,
    }
    assert moment(job["requested_at"]) == moment(requested["recorded_at"])
    target = moment(job["due_at"]) - moment(job["requested_at"])
    assert target == dt.timedelta(minutes=20)  # urgent, as the default policy says
    house.check_shape("Transports", listed)
    house.cancel(transport_id)


def test_a_job_through_its_life_accepted_picked_up_and_completed(house: House) -> None:
    transport_id = house.request("E3", "RAD", priority="stat")
    house["tara"].ok("SetTransporterStatus", {"status": "available"})
    accepted = house["tara"].ok("AcceptTransport", {"transport_id": transport_id})
    assert [e["type"] for e in accepted["events"]] == ["TransportAccepted"]
    job = house.jobs()[transport_id]
    assert (job["status"], job["transporter"], job["transporter_name"]) == (
        "assigned", "tara", "Tara Lift",
    )  # fmt: skip
    picked = house["tara"].ok("PickUpTransport", {"transport_id": transport_id})
    job = house.jobs()[transport_id]
    assert job["status"] == "picked_up"
    assert moment(job["picked_up_at"]) == moment(picked["events"][0]["recorded_at"])
    done = house["tara"].ok("CompleteTransport", {"transport_id": transport_id})
    assert [e["type"] for e in done["events"]] == ["TransportCompleted"]  # RAD is no bed
    assert transport_id not in house.jobs()  # open jobs only, by default
    ended = house.jobs(status="all")[transport_id]
    assert (ended["status"], ended["transporter"], ended["late"]) == ("completed", "tara", False)
    assert moment(ended["completed_at"]) == moment(done["events"][0]["recorded_at"])
    assert moment(ended["requested_at"]) <= moment(ended["picked_up_at"])
    since = (moment(ended["requested_at"]) - dt.timedelta(seconds=1)).isoformat()
    times = house.jobs(status="ended", since=since)[transport_id]
    assert (times["status"], times["late"]) == ("completed", False)
    assert 0 <= times["to_pick_up_seconds"] <= times["to_complete_seconds"] < 60


def test_a_scheduled_job_counts_from_its_time_and_an_isolated_patient_needs_isolation(
    house: House,
) -> None:
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).replace(microsecond=0)
    transport_id = house.request("E4", "LOUNGE", scheduled_for=at.isoformat())
    job = house.jobs()[transport_id]
    assert job["status"] == "scheduled"  # enters the queue 30 minutes before
    assert moment(job["scheduled_for"]) == at
    assert moment(job["due_at"]) == at + dt.timedelta(minutes=45)  # routine
    assert job["needs"] == ["isolation"]  # contact precautions, without asking
    refused(
        house["tara"].post("AcceptTransport", {"transport_id": transport_id}),
        409, "rule_violation", "scheduled",
    )  # fmt: skip
    house.cancel(transport_id)


def test_status_all_keeps_the_ended_jobs_newest_first(house: House) -> None:
    first = house.request("E1", "LOUNGE")
    second = house.request("E2", "LOUNGE")
    house.cancel(first)
    house.desk.ok("CancelTransport", {"transport_id": second, "reason": "Family drove them."})
    assert {first, second}.isdisjoint(house.jobs())
    every = house.desk.read("/api/transports", status="all")["transports"]
    ids = [job["transport_id"] for job in every]
    assert ids.index(second) < ids.index(first)
    cancelled = {job["transport_id"]: job for job in every}[second]
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "Family drove them.")
    assert cancelled["completed_at"] is None and cancelled["transporter"] is None


# -- who reads what --------------------------------------------------------------------------


def test_evs_and_the_wall_may_not_read_transports(house: House) -> None:
    for who in ("evs-tablet", "wall"):
        for path in ("/api/transports", "/api/transporters"):
            refused(house.tokens[who].get(path), 403, "forbidden", "may not read transports")
    refused(house.http.get("/api/transports"), 401, "unauthorized")


def test_a_units_token_reads_its_units_jobs_only(house: House) -> None:
    on_4w = house.request("E1", "LOUNGE")
    on_icu = house.request("E2", "RAD")
    to_icu = house.request("E3", "ICU")  # a 4W patient going to the ICU: the ICU's too
    icu = house.tokens["icu-desk"]
    seen = house.jobs(icu)
    assert on_icu in seen and to_icu in seen and on_4w not in seen
    assert set(house.jobs(icu, status="all")) >= {on_icu, to_icu}
    assert on_4w not in house.jobs(icu, status="all")
    refused(icu.get("/api/transports", unit="4W"), 403, "forbidden", "ICU")
    assert on_4w in house.jobs(unit="4W") and on_icu not in house.jobs(unit="4W")
    refused(house.desk.get("/api/transports", unit="NOPE"), 404, "not_found", "NOPE")
    refused(house.desk.get("/api/transports", status="done"), 422, "invalid_input", "status")
    bad_since = house.desk.get("/api/transports", status="ended", since="today")
    refused(bad_since, 422, "invalid_input", "since", "offset")
    transporters = house["tara"].read("/api/transports")  # the queue is the hospital's
    assert {on_4w, on_icu, to_icu} <= {j["transport_id"] for j in transporters["transports"]}

    house["theo"].ok("SetTransporterStatus", {"status": "available"})
    house["theo"].ok("AcceptTransport", {"transport_id": on_4w})
    shown = {t["username"]: t for t in icu.read("/api/transporters")["transporters"]}
    assert (shown["theo"]["status"], shown["theo"]["job"]) == ("available", None)
    for transport_id in (on_4w, on_icu, to_icu):
        house.cancel(transport_id)


def test_the_transporters_with_their_status_and_job(house: House) -> None:
    transport_id = house.request("E2", "LOUNGE", priority="urgent")
    house["tara"].ok("SetTransporterStatus", {"status": "available"})
    house["theo"].ok("SetTransporterStatus", {"status": "available"})
    house["theo"].ok("AcceptTransport", {"transport_id": transport_id})
    house["tara"].ok("SetTransporterStatus", {"status": "on_break"})
    answer = house.tokens["transport-tablet"].read("/api/transporters")
    house.check_shape("Transporters", answer)
    shown = {t["username"]: t for t in answer["transporters"]}
    assert (shown["tara"]["status"], shown["tara"]["name"], shown["tara"]["job"]) == (
        "on_break", "Tara Lift", None,
    )  # fmt: skip
    theo = shown["theo"]
    assert (theo["status"], theo["name"]) == ("available", "Theo Wheel")
    assert (theo["job"]["transport_id"], theo["job"]["status"]) == (transport_id, "assigned")
    order = [t["username"] for t in answer["transporters"]]
    assert order.index("theo") < order.index("tara")  # available first
    house["theo"].ok("DeclineTransport", {"transport_id": transport_id})  # handed back
    shown = {t["username"]: t for t in house.desk.read("/api/transporters")["transporters"]}
    assert shown["theo"]["job"] is None
    assert house.jobs()[transport_id]["status"] == "requested"
    house.cancel(transport_id)
    house["tara"].ok("SetTransporterStatus", {"status": "available"})


# -- refusals ----------------------------------------------------------------------------------


def test_refusals_are_readable_json_and_record_nothing(house: House) -> None:
    transport_id = house.request("E1", "RAD")
    house["tara"].ok("SetTransporterStatus", {"status": "available"})
    house["theo"].ok("SetTransporterStatus", {"status": "on_break"})
    head = house.head()
    desk, tara, theo = house.desk, house["tara"], house["theo"]
    cases: list[tuple[httpx.Response, int, str, tuple[str, ...]]] = [
        (tara.post("AcceptTransport", {"transport_id": "TR-9999"}),
         404, "not_found", ("TR-9999",)),
        (desk.post("RequestTransport", {"encounter_id": "E1", "destination": "MARS"}),
         404, "not_found", ("MARS", "destination")),
        (desk.post("RequestTransport", {"encounter_id": "E404", "destination": "RAD"}),
         404, "not_found", ("E404",)),
        (desk.post("AssignTransport", {"transport_id": transport_id, "transporter": "ghost"}),
         404, "not_found", ("ghost",)),
        (theo.post("AcceptTransport", {"transport_id": transport_id}),
         409, "rule_violation", ("on break", "available first")),
        (tara.post("PickUpTransport", {"transport_id": transport_id}),
         409, "rule_violation", ("Accept transport", transport_id)),
        (desk.post("RequestTransport", {"encounter_id": "E1", "destination": "RAD"}),
         409, "rule_violation", (transport_id, "already takes this patient", "Radiology")),
        (desk.post("AssignTransport", {"transport_id": transport_id, "transporter": "theo"}),
         409, "rule_violation", ("Theo Wheel is on break",)),
        (desk.post("RequestTransport", {"encounter_id": "E1", "destination": "4W-401-A"}),
         422, "invalid", ("origin", "destination")),
        (desk.post("RequestTransport",
                   {"encounter_id": "E1", "destination": "LOUNGE", "priority": "asap"}),
         422, "invalid_input", ("priority",)),
        (desk.post("RequestTransport",
                   {"encounter_id": "E1", "destination": "LOUNGE", "transport_id": "TR-77"}),
         422, "invalid", ("made by unitboard",)),
        (tara.post("CancelTransport", {"transport_id": transport_id, "reason": "no"}),
         403, "forbidden", ("CancelTransport",)),
        (house.tokens["evs-tablet"].post(
            "RequestTransport", {"encounter_id": "E1", "destination": "LOUNGE"}),
         403, "forbidden", ("RequestTransport",)),
        (desk.post("OfferTransport",
                   {"transport_id": transport_id, "transporter": "tara", "version": 0}),
         403, "forbidden", ("OfferTransport",)),
        (desk.post("MarkTransportLate", {"transport_id": transport_id}),
         403, "forbidden", ("MarkTransportLate",)),
    ]  # fmt: skip
    for response, status, code, words in cases:
        refused(response, status, code, *words)
    assert house.head() == head
    assert house.jobs()[transport_id]["status"] == "requested"
    house.cancel(transport_id)
    again = tara.post("AcceptTransport", {"transport_id": transport_id})
    refused(again, 409, "rule_violation", "cancelled", "Not needed.")


# -- the race ----------------------------------------------------------------------------------


async def accept_all_at_once(
    base_urls: list[str], tokens: list[str], transport_id: str
) -> list[httpx.Response]:
    """Each token's AcceptTransport on a connection of its own (opened beforehand), sent
    together; the servers taken in turn."""
    clients = [
        httpx.AsyncClient(
            base_url=base_urls[n % len(base_urls)],
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        for n, token in enumerate(tokens)
    ]
    go = asyncio.Event()
    body = {"command": "AcceptTransport", "data": {"transport_id": transport_id}}

    async def accept(client: httpx.AsyncClient) -> httpx.Response:
        await go.wait()
        return await client.post("/api/commands", json=body)

    try:
        await asyncio.gather(*(client.get("/healthz") for client in clients))
        racing = [asyncio.create_task(accept(client)) for client in clients]
        await asyncio.sleep(0.05)  # every one waits at the line
        go.set()
        return list(await asyncio.gather(*racing))
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


def race(house: House, base_urls: list[str], destination: str) -> str:
    """One job, twenty accepts at once: exactly one is given it; the others are told who
    took it, by name, and record nothing. The winner's username."""
    transport_id = house.request("E2", destination)
    racers = [f"racer{n:02}" for n in range(1, RACERS + 1)]
    head = house.head()
    answers = asyncio.run(
        accept_all_at_once(base_urls, [house[r].token for r in racers], transport_id)
    )
    won = [a for a in answers if a.status_code == 200]
    assert len(won) == 1, [(a.status_code, a.text) for a in answers]
    (accepted,) = won[0].json()["events"]
    winner = accepted["data"]["transporter"]
    assert accepted["type"] == "TransportAccepted" and winner in racers
    name = f"Racer {winner[-2:]} Swift"
    lost = [a for a in answers if a.status_code != 200]
    assert len(lost) == RACERS - 1
    for answer in lost:
        message = refused(answer, 409, "rule_violation", f"was taken by {name}")
        assert message == f"Transport {transport_id} was taken by {name}."
    assert house.head() == head + 1  # the one acceptance, nothing else
    stream = house.events(transport_id)
    assert [e["type"] for e in stream] == ["TransportRequested", "TransportAccepted"]
    assert house.jobs()[transport_id]["transporter"] == winner
    house.cancel(transport_id)  # the winner is free for the next round
    return str(winner)


def test_twenty_transporters_accepting_one_job_at_once_one_gets_it(
    house: House, tmp_path: Path
) -> None:
    for n in range(1, RACERS + 1):
        house[f"racer{n:02}"].ok("SetTransporterStatus", {"status": "available"})
    for destination in ("RAD", "LOUNGE", "RAD"):
        race(house, [house.server.base_url], destination)
    if not house.server.database_url.startswith("postgresql"):
        return  # SQLite is a log for one server process; PostgreSQL takes several
    second = Server(house.server.database_url, None, tmp_path / "second.log")
    second.start()
    try:
        for destination in ("RAD", "LOUNGE", "RAD"):
            race(house, [house.server.base_url, second.base_url], destination)
    finally:
        second.stop()
    second.assert_no_errors()


# -- auto dispatch ---------------------------------------------------------------------------


def test_auto_dispatch_offers_the_job_and_a_units_token_is_not_told_of_other_units_offers(
    tmp_path: Path,
) -> None:
    layout = tmp_path / "layout.toml"
    layout.write_text(LAYOUT + PLACES_AND_POLICY.replace('"self"', '"auto"'))
    url = f"sqlite:///{tmp_path}/auto.db"
    server = Server(url, layout, tmp_path / "server.log")
    server.start()
    people = People(url)
    try:
        with httpx.Client(base_url=server.base_url, timeout=20) as http:
            desk = Api(http, people.token("desk", "secretary"))
            icu = Api(http, people.token("icu", "charge_nurse", "ICU"))
            tara = Api(http, people.person("tara", "transport", "Tara Lift"))
            desk.ok("RequestAdmission", admission("E1"))
            desk.ok("AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"})
            desk.ok("MarkArrived", {"encounter_id": "E1"})
            tara.ok("SetTransporterStatus", {"status": "available"})
            answer = desk.ok("RequestTransport", {"encounter_id": "E1", "destination": "RAD"})
            transport_id = answer["events"][0]["data"]["transport_id"]

            def offered() -> dict[str, Any]:
                jobs = desk.read("/api/transports")["transports"]
                job: dict[str, Any] = {j["transport_id"]: j for j in jobs}[transport_id]
                return job

            deadline = time.monotonic() + 10
            while offered()["status"] != "offered":
                assert time.monotonic() < deadline, "the job was not offered"
                time.sleep(0.1)
            assert (offered()["offered_to"], offered()["transporter"]) == ("tara", None)
            mine = {t["username"]: t for t in desk.read("/api/transporters")["transporters"]}
            assert mine["tara"]["offered"] == transport_id
            theirs = {t["username"]: t for t in icu.read("/api/transporters")["transporters"]}
            assert (theirs["tara"]["offered"], theirs["tara"]["job"]) == (None, None)
            accepted = tara.ok("AcceptTransport", {"transport_id": transport_id})
            assert [e["type"] for e in accepted["events"]] == ["TransportAccepted"]
    finally:
        server.stop()
        people.close()
    server.assert_no_errors()
