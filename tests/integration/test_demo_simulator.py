"""The demo simulator acts only on what it started: a newcomer's own admission waits for
them, untouched (not given a bed, moved, transferred or discharged), and so do the bed their
patient left and the cleaning they began. Whose a patient is comes from the log, so it holds
across restarts: a simulator started afresh carries on with the patients an earlier one
admitted, and still leaves the newcomer's alone.

The demo's transport crew comes on duty at seed, and the simulator keeps its jobs flowing:
the desk asks, auto dispatch offers, the crew accepts, picks up and delivers; never as the
newcomer's own transport login, nor as one of the crew a person is logged in as."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time

import pytest
from sqlalchemy import Engine

from hospital import LAYOUT, admission
from unitboard.demo.provenance import SIMULATED_MARK, SimulatedWork
from unitboard.demo.seed import DEMO_USERS, SIMULATED_TRANSPORTERS, seed
from unitboard.demo.simulator import Simulator
from unitboard.domain.errors import DomainError
from unitboard.domain.events import bed_stream, stay_stream
from unitboard.domain.stays.state import Stays
from unitboard.domain.transport.events import TransportRequested
from unitboard.domain.transport.state import Transport
from unitboard.scheduling.scheduler import SCHEDULER, firing_key
from unitboard.service.auth import Actor, add_user
from unitboard.service.handler import CommandService
from unitboard.store import EventLog, batches
from unitboard.store.credentials import CredentialStore
from unitboard.store.sessions import SessionStore

ADMIN = Actor("ada", "admin", None, "Ada Admin")
NEWCOMER = Actor("secretary", "secretary", None, "Sam Secretary")
NEWCOMER_EVS = Actor("evs", "evs", None, "Eva Housekeeping")
NURSE_CALL = Actor("nurse-call", "integration", None, "the nurse-call system")
STEPS = 250


def newcomers_work(service: CommandService) -> set[str]:
    """What a newcomer does on a demo the simulator has filled: an admission waiting for a
    bed, a patient in a bed with a discharge ordered, a patient discharged (the bed is dirty)
    and a bed the simulator dirtied whose cleaning they began. The streams it wrote."""

    def run(name: str, data: dict[str, object], actor: Actor = NEWCOMER) -> None:
        service.execute(actor, name, data)

    run("RequestAdmission", admission("E-NEW-WAIT", mrn="MRN-NEW-WAIT", unit_id="4W"))
    run("RequestAdmission", admission("E-NEW-IN", mrn="MRN-NEW-IN", unit_id="4W"))
    run("AssignBed", {"encounter_id": "E-NEW-IN", "bed_id": "4W-402-A"})
    run("MarkArrived", {"encounter_id": "E-NEW-IN"})
    run("OrderDischarge", {"encounter_id": "E-NEW-IN"})
    run("RequestAdmission", admission("E-NEW-GONE", mrn="MRN-NEW-GONE", unit_id="4W"))
    run("AssignBed", {"encounter_id": "E-NEW-GONE", "bed_id": "4W-404-A"})
    run("MarkArrived", {"encounter_id": "E-NEW-GONE"})
    run("DischargePatient", {"encounter_id": "E-NEW-GONE"})
    run("StartCleaning", {"bed_id": "ICU-2-A"}, NEWCOMER_EVS)
    light = service.execute(NURSE_CALL, "RaiseCallLight", {"bed_id": "4W-402-A", "kind": "pain"})
    return {
        light.events[0].stream_id,
        stay_stream("E-NEW-WAIT"),
        stay_stream("E-NEW-IN"),
        stay_stream("E-NEW-GONE"),
        bed_stream("4W-404-A"),
        bed_stream("ICU-2-A"),
    }


def started_service(engine: Engine) -> CommandService:
    """A process's command service over the log, caught up (as after a restart)."""
    service = CommandService(EventLog(engine), CredentialStore(engine))
    service.catch_up()
    return service


def test_the_simulator_leaves_a_newcomers_patients_and_beds_alone_across_restarts(
    engine: Engine,
) -> None:
    service = started_service(engine)
    service.load_layout(ADMIN, LAYOUT)
    add_user(service.credentials, "noor", "a-long-password", "nurse", "Noor Nurse", ["4W"])
    census = Simulator(service, random.Random(11))
    for bed_id in ("4W-401-A", "4W-403-A", "ICU-3-A"):
        census.admit_into(bed_id)
    census.request_admission("4W")
    census.run("MarkBedDirty", {"bed_id": "ICU-2-A"}, actor=census.evs)
    theirs = newcomers_work(service)
    newcomer_done = service.log.head()

    first = Simulator(service, random.Random(2026))
    for _ in range(STEPS):
        first.step()
    first_done = service.log.head()
    service.log.close()

    restarted = started_service(engine)  # a new process: nothing remembered but the log
    second = Simulator(restarted, random.Random(1123))
    for _ in range(STEPS):
        second.step()

    events = list(restarted.log.iter_from(0))
    after_newcomer = [e for e in events if e.position > newcomer_done]
    touched = [(e.type, e.stream_id, e.metadata["actor"]) for e in after_newcomer
               if e.stream_id in theirs]  # fmt: skip
    assert touched == [], "the simulator acted on the newcomer's patients or beds"

    # The simulator did carry on, and after the restart with patients admitted before it.
    admitted_earlier = {
        e.stream_id
        for e in events
        if e.type == "AdmissionRequested" and e.position <= first_done
        if e.metadata["actor"] == "sim:secretary"
    }
    later = [e for e in events if e.position > first_done and e.stream_id in admitted_earlier]
    assert later, "the restarted simulator never acted on the patients admitted before"
    assert {e.type for e in after_newcomer} >= {"PatientArrived", "PatientDischarged"}
    lights = {"CallLightRaised", "CallLightAnswered", "CallLightCleared", "NurseAssigned"}
    lights |= {"PageSent"}
    assert {e.type for e in after_newcomer} >= lights, "the demo's call lights are pressed"
    restarted.log.close()


def test_on_a_long_log_the_simulator_acts_only_once_it_has_read_it_all(engine: Engine) -> None:
    """A log is read a slice per step (the writer thread is never held for long), and the
    simulator does nothing before the last slice: what it has not read may be a person's."""
    service = started_service(engine)
    service.load_layout(ADMIN, LAYOUT)
    census = Simulator(service, random.Random(5))
    for bed_id in ("4W-401-A", "4W-403-A", "ICU-3-A"):
        census.admit_into(bed_id)
    head = service.log.head()
    simulator = Simulator(service, random.Random(7))
    simulator.work = SimulatedWork(service.log, per_step=10)
    slices = -(-head // 10)  # the steps that read a slice short of the head, and the last
    for _ in range(slices - 1):
        simulator.step()
        assert service.log.head() == head, "the simulator acted before it had read the log"
    for _ in range(40):
        simulator.step()
    assert service.log.head() > head
    service.log.close()


# -- the transport crew -------------------------------------------------------------------


class Clock:
    """The simulated time: it runs ahead of the wall clock, and the log records by it."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def recorded(self) -> str:
        return self.now.isoformat(timespec="microseconds")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(batches, "now_text", clock.recorded)
    return clock


def fire_due(service: CommandService, now: dt.datetime) -> None:
    """What the scheduler sends when its time comes (auto dispatch's offers among them)."""
    for due in service.state.registry.due(service.state):
        if due.at > now:
            return
        name, data = type(due.command).__name__, due.command.model_dump(mode="json")
        with contextlib.suppress(DomainError):  # not due any more: nothing recorded
            service.execute(SCHEDULER, name, data, firing_key(name, data))


def seeded_demo(engine: Engine) -> CommandService:
    service = started_service(engine)
    seed(service, service.credentials)
    return service


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_crew_comes_on_duty_at_seed_and_takes_breaks(engine: Engine, clock: Clock) -> None:
    """Tara, Tomás, Tess and Tobi are available from the start; Theo ("transport", the
    newcomer's login) is not, until the newcomer says so."""
    service = seeded_demo(engine)
    transporters = service.state[Transport].transporters
    assert set(transporters) == set(SIMULATED_TRANSPORTERS) == {"tara", "tomas", "tess", "tobi"}
    assert all(t.status == "available" and t.free for t in transporters.values())
    logins = {username: role for username, role, _, _ in DEMO_USERS}
    assert logins["transport"] == "transport" and logins["dispatch"] == "secretary"

    head = service.log.head()
    seed(service, service.credentials)  # a restart: nobody's status is set again
    assert service.log.head() == head

    simulator = Simulator(service, random.Random(3), clock)
    assert simulator.crew.take_a_break("tess")
    assert service.state[Transport].transporters["tess"].status == "on_break"
    clock.now += dt.timedelta(minutes=19)
    simulator.crew.turn()
    assert service.state[Transport].transporters["tess"].status == "available"
    service.log.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_crew_accepts_picks_up_and_delivers_the_jobs_the_desk_asks_for(
    engine: Engine, clock: Clock
) -> None:
    service = seeded_demo(engine)
    tara_logged_in = time.time()
    SessionStore(engine).open("tara-on-her-tablet", tara_logged_in, tara_logged_in + 3600, "tara")
    start = service.log.head()
    simulator = Simulator(service, random.Random(2027), clock)
    for step in range(600):
        clock.now += dt.timedelta(seconds=6)
        fire_due(service, clock.now)
        if step % 15 == 0:
            simulator.request_a_transport()  # more jobs than the steps' share: a short test
        simulator.step()

    events = list(service.log.iter_from(start))
    kinds = {e.type for e in events}
    flow = {"TransportRequested", "TransportOffered", "TransportAccepted", "TransportPickedUp"}
    assert flow | {"TransportCompleted", "TransportOfferEnded"} <= kinds
    requests = [e for e in events if isinstance(e.event, TransportRequested)]
    assert {e.metadata["actor"] for e in requests} == {"sim:secretary"}
    trips = [e.event for e in requests if isinstance(e.event, TransportRequested)]
    procedures = {"RAD", "CT", "DIALYSIS"}
    assert {trip.destination for trip in trips} & procedures, "nobody went for a procedure"
    assert {trip.origin for trip in trips} & procedures, "nobody was brought back to bed"

    crew_steps = {"TransportAccepted", "TransportPickedUp", "TransportCompleted"}
    by = {e.metadata["actor"] for e in events if e.type in crew_steps}
    assert by == {"tomas", "tess", "tobi"}, "only the crew nobody is logged in as"
    by_transporters = [e for e in events if e.metadata["role"] == "transport"]
    assert all(e.metadata["correlation_id"].startswith(SIMULATED_MARK) for e in by_transporters)
    completed = [e for e in events if e.type == "TransportCompleted"]
    assert len(completed) >= 10
    open_jobs = service.state[Transport].jobs.values()
    assert all(job.transporter != "tara" for job in open_jobs if job.held)
    service.log.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_crew_lets_a_person_on_duty_go_first(engine: Engine, clock: Clock) -> None:
    """Theo (the newcomer's tablet) comes on duty: the next job is his within a few steps,
    the crew passing it on, though each of them has been idle longer."""
    service = seeded_demo(engine)
    simulator = Simulator(service, random.Random(5), clock)
    theo = Actor("transport", "transport", None, "Theo Transport")
    service.execute(theo, "SetTransporterStatus", {"status": "available"})
    patient = next(s for s in service.state[Stays].open_stays.values() if s.bed_id)
    desk = Actor("secretary", "secretary", None, "Sam Secretary")
    service.execute(
        desk, "RequestTransport", {"encounter_id": patient.encounter_id, "destination": "RAD"}
    )
    (job,) = service.state[Transport].jobs.values()
    for _ in range(12):
        clock.now += dt.timedelta(seconds=2)
        fire_due(service, clock.now)
        simulator.crew.turn()
    assert (job.status, job.transporter) == ("offered", "transport")
    assert set(job.passed) == set(SIMULATED_TRANSPORTERS)
    service.log.close()
