"""Transport under any interleaving (hypothesis, stateful), with the clock in the test's hands:
jobs are requested (from beds, units and places, some scheduled), transporters change status,
accept (the wrong one too), decline, pick up and complete, the desk assigns and cancels,
patients are admitted, transferred, discharged and their admissions cancelled, the clock
moves, and what `HOUSE.due` says is due is fired through the domain's `decide` in the system
role, as the scheduler would (each firing at once a second time too, and a queueing, an
expiry or a late flag again at any later time). Every event is folded at the clock's time, as
the log records it.

Proven after every step: a transporter never holds two jobs, nor a job two transporters (a
job and the transporter holding it, or offered it, point at each other); only available
transporters with active accounts hold or are offered jobs; every job requested is completed,
cancelled or still open; a job is late exactly when its target has passed (once the scheduler
has run, every open job not picked up whose due time has come is late, and no job whose due
time is still ahead is); a completion into the bed reserved for the patient, when the bed can
take them, leaves them in it; nothing falls due for a job that has ended; and the log, written
and read back and folded from scratch, is the live state."""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import event as tally
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from test_transport import CREW, DISPATCHER, TransportWard, as_, only, transfer_with_bed

from hospital import BED_IDS, admission
from unitboard.domain.beds.commands import MarkBedClean, StartCleaning
from unitboard.domain.beds.state import Beds
from unitboard.domain.commands import Command
from unitboard.domain.context import Context
from unitboard.domain.errors import DomainError
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide, evolve
from unitboard.domain.stays.commands import (
    AssignBed,
    CancelAdmission,
    DischargePatient,
    MarkArrived,
    RequestAdmission,
    RequestTransfer,
)
from unitboard.domain.stays.state import Stays
from unitboard.domain.transport.commands import (
    AcceptTransport,
    AssignTransport,
    CancelTransport,
    CompleteTransport,
    DeclineTransport,
    OfferTransport,
    PickUpTransport,
    RequestTransport,
    SetTransporterStatus,
)
from unitboard.domain.transport.events import (
    TransportCancelled,
    TransportCompleted,
    TransportRequested,
)
from unitboard.domain.transport.state import Transport
from unitboard.domain.transport.timing import due_at
from unitboard.domain.transport.values import PRIORITIES, TRANSPORTER_STATUSES
from unitboard.store.codec import EventCodec

Step = AcceptTransport | DeclineTransport | PickUpTransport | CompleteTransport
STEPS: list[type[Step]] = [AcceptTransport, DeclineTransport, PickUpTransport, CompleteTransport]
OFFER_ANSWERS: list[type[Step]] = [AcceptTransport, AcceptTransport, DeclineTransport]
HELD_STEPS: list[type[Step]] = [PickUpTransport, PickUpTransport, DeclineTransport]
TRANSPORTERS = ["tom", "tess", "tia"]
ASSIGNABLE = [*TRANSPORTERS, "dan", "noor"]
"""dan's account is disabled; noor is a nurse."""
DESK = ["sam", "casey"]
PLACES_AND_UNITS = ["RAD", "ED", "LOUNGE", "4W", "ICU"]
ORIGINS = [None, "bed", *PLACES_AND_UNITS]
DESTINATIONS = ["reserved bed", "reserved bed", "bed", "4W-401-B", *PLACES_AND_UNITS]
"""`bed`: the patient's own bed; `reserved bed`: the one held for them."""
SCHEDULED = [None, None, None, 0, 600, 1800, 2400, 5400]
"""Seconds from now a job is scheduled for (None: now, in the queue at once)."""
WAITS = [0, 1, 30, 59, 60, 61, 300, 600, 1200, 2700]
NEW_ENCOUNTERS = [f"E{n}" for n in range(5, 13)]
PATIENT_CHANGES = ["admit", "admit", "arrive", "transfer", "clean", "clean", "discharge"]
PATIENT_CHANGES += ["cancel admission"]


class TransportFloor(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ward = TransportWard()
        self.scheduled = False
        """The scheduler has run since the clock last moved (so nothing due is left)."""
        self.admitted = 0
        self.fired: list[Command] = []
        """What the scheduler fired, offers aside."""

    @initialize()
    def the_floor(self) -> None:
        """E1 in 4W-401-A; E2 in ICU-3-A, moving to 4W-402-A; E3 waiting in the emergency
        department for 4W-403-A; E4 in ICU-1-A. dan went available before his account was
        closed; tom and tess are on duty; a job waits for each patient (E2's and E3's to the
        bed reserved for them)."""
        ward = self.ward
        ward.admit("E1", "4W-401-A")
        ward.admit("E2", "ICU-3-A")
        transfer_with_bed(ward, "E2", "4W-402-A")
        ward.do(RequestAdmission.model_validate(admission("E3")), as_("sam"))
        ward.do(AssignBed(encounter_id="E3", bed_id="4W-403-A"), as_("sam"))
        ward.admit("E4", "ICU-1-A")
        ward.status("dan")
        ward.on_duty("tom", "tess")
        ward.request("E1", "RAD", priority="stat")
        ward.request("E2", "4W-402-A", priority="urgent")
        ward.request("E3", "4W-403-A", origin="ED")
        ward.request("E4", "LOUNGE")

    # -- recording, checked --------------------------------------------------------------

    def run(self, command: Command, context: Context) -> list[Event]:
        try:
            events = self.ward.decide(command, context)
        except DomainError as refusal:
            assert refusal.message[:1].isupper() and refusal.message.endswith("."), refusal
            tally(f"refused {type(command).__name__}")
            return []
        tally(f"{'recorded' if events else 'nothing for'} {type(command).__name__}")
        return self.ward.record(events)

    def open_jobs(self) -> list[str]:
        return sorted(self.ward.state[Transport].jobs)

    def encounters(self) -> list[str]:
        return sorted(self.ward.state[Stays].stays)

    # -- the desk ---------------------------------------------------------------------------

    @rule(
        data=st.data(),
        origin=st.sampled_from(ORIGINS),
        destination=st.sampled_from(DESTINATIONS),
        priority=st.sampled_from(PRIORITIES),
        scheduled=st.sampled_from(SCHEDULED),
        desk=st.sampled_from([*DESK, "noor"]),
    )
    def request(
        self,
        data: st.DataObject,
        origin: str | None,
        destination: str,
        priority: str,
        scheduled: int | None,
        desk: str,
    ) -> None:
        encounter_id = data.draw(st.sampled_from(self.encounters()), "encounter")
        stay = self.ward.state[Stays].stays[encounter_id]
        ends = {"bed": stay.bed_id or "4W-404-A", "reserved bed": stay.reserved_bed_id or "ICU"}
        command = RequestTransport.model_validate(
            {
                "encounter_id": encounter_id,
                "origin": ends.get(origin or "", origin),
                "destination": ends.get(destination, destination),
                "priority": priority,
                "scheduled_for": (
                    None if scheduled is None else self.ward.now + dt.timedelta(seconds=scheduled)
                ),
            }
        )
        self.run(command, as_(desk))

    @precondition(lambda self: self.ward.state[Transport].jobs)
    @rule(
        data=st.data(),
        cancel=st.sampled_from([False, False, False, True]),
        transporter=st.sampled_from(ASSIGNABLE),
        desk=st.sampled_from(DESK),
    )
    def the_desk_steps_in(
        self, data: st.DataObject, cancel: bool, transporter: str, desk: str
    ) -> None:
        """Assigns (or reassigns) a job, to a transporter or to someone who is not one; now
        and then cancels one."""
        job = data.draw(st.sampled_from(self.open_jobs()), "job")
        if cancel:
            self.run(CancelTransport(transport_id=job, reason="Not needed now"), as_(desk))
        else:
            self.run(AssignTransport(transport_id=job, transporter=transporter), as_(desk))

    # -- the transporters -------------------------------------------------------------------

    @rule(transporter=st.sampled_from(TRANSPORTERS), status=st.sampled_from(TRANSPORTER_STATUSES))
    def set_status(self, transporter: str, status: str) -> None:
        self.run(SetTransporterStatus.model_validate({"status": status}), as_(transporter))

    @rule(data=st.data(), transporter=st.sampled_from(TRANSPORTERS))
    def does_the_next_step(self, data: st.DataObject, transporter: str) -> None:
        """The step their screen offers: answer the offer, pick up or hand back the job they
        hold, complete the one picked up, or take a waiting job from the queue."""
        part = self.ward.state[Transport]
        me = part.transporter(transporter)
        if me is not None and me.offer is not None:
            step = data.draw(st.sampled_from(OFFER_ANSWERS), "answer")
            self.step(step, me.offer, transporter)
        elif me is not None and me.job is not None:
            if part.jobs[me.job].status == "picked_up":
                self.step(CompleteTransport, me.job, transporter)
            else:
                self.step(data.draw(st.sampled_from(HELD_STEPS), "step"), me.job, transporter)
        else:
            waiting = [job for job in self.open_jobs() if part.jobs[job].waiting]
            if waiting:
                job = data.draw(st.sampled_from(waiting), "waiting job")
                self.step(AcceptTransport, job, transporter)

    @rule(data=st.data(), transporter=st.sampled_from(TRANSPORTERS), step=st.sampled_from(STEPS))
    def taps_any_step(self, data: st.DataObject, transporter: str, step: type[Step]) -> None:
        """Any step on any job ever requested: the wrong transporter's, a second tap, a tap
        on a job that has ended."""
        part = self.ward.state[Transport]
        every = sorted({*part.jobs, *part.ended})
        if every:
            self.step(step, data.draw(st.sampled_from(every), "job"), transporter)

    def step(self, step: type[Step], transport_id: str, transporter: str) -> None:
        """A transporter's step; a completion into the bed reserved for the patient leaves
        them in it when the bed could take them, and otherwise records no arrival."""
        state = self.ward.state
        job = copy.deepcopy(state[Transport].find(transport_id))
        assert job is not None
        stay = state[Stays].stays[job.encounter_id]
        into_reserved = stay.active and stay.reserved_bed_id == job.destination
        could_arrive = into_reserved and self.allowed(MarkArrived(encounter_id=stay.encounter_id))
        events = self.run(step(transport_id=transport_id), as_(transporter))
        if step is not CompleteTransport or not events:
            return
        completed = only(events, TransportCompleted)
        assert completed.arrived == could_arrive, (job, stay)
        tally(f"completed {'with' if completed.arrived else 'without'} the arrival")
        if completed.arrived:
            after = self.ward.state[Stays].stays[job.encounter_id]
            assert after.bed_id == job.destination and after.reserved_bed_id is None, after
            bed = self.ward.state[Beds].beds[job.destination]
            assert (bed.occupancy, bed.encounter_id) == ("occupied", job.encounter_id)

    def allowed(self, command: Command) -> bool:
        try:
            decide(copy.deepcopy(self.ward.state), command, as_("sam"))
        except DomainError:
            return False
        return True

    # -- the patients -----------------------------------------------------------------------

    @rule(data=st.data(), change=st.sampled_from(PATIENT_CHANGES), bed=st.sampled_from(BED_IDS))
    def a_patient_changes(self, data: st.DataObject, change: str, bed: str) -> None:
        """One rule for every change of the patients, so that transport steps stay the most
        of what happens."""
        if change == "admit":
            self.admit(bed)
        elif change == "clean":
            self.clean(bed)
        else:
            encounter_id = data.draw(st.sampled_from(self.encounters()), "encounter")
            self.stay_changes(change, encounter_id, bed)

    def admit(self, bed: str) -> None:
        if self.admitted == len(NEW_ENCOUNTERS):
            return
        encounter_id = NEW_ENCOUNTERS[self.admitted]
        self.admitted += 1
        request = admission(encounter_id, unit_id=bed.split("-", 1)[0])
        self.run(RequestAdmission.model_validate(request), as_("sam"))
        self.run(AssignBed(encounter_id=encounter_id, bed_id=bed), as_("sam"))

    def clean(self, bed: str) -> None:
        if self.ward.state[Beds].beds[bed].cleanliness == "dirty":
            self.run(StartCleaning(bed_id=bed), as_("casey"))
        self.run(MarkBedClean(bed_id=bed), as_("casey"))

    def stay_changes(self, change: str, encounter_id: str, bed: str) -> None:
        transfer = RequestTransfer(
            encounter_id=encounter_id, to_unit_id=bed.split("-", 1)[0], reason="Step up"
        )
        changes: dict[str, list[Command]] = {
            "arrive": [MarkArrived(encounter_id=encounter_id)],
            "transfer": [transfer, AssignBed(encounter_id=encounter_id, bed_id=bed)],
            "discharge": [DischargePatient(encounter_id=encounter_id)],
            "cancel admission": [CancelAdmission(encounter_id=encounter_id, reason="Elsewhere")],
        }
        commands = changes[change]
        for command in commands:
            self.run(command, as_("sam"))

    # -- the clock and the scheduler --------------------------------------------------------

    @rule(seconds=st.sampled_from(WAITS))
    def time_passes(self, seconds: float) -> None:
        self.ward.advance(seconds)
        self.scheduled = self.scheduled and seconds == 0

    @rule()
    def scheduler_runs(self) -> None:
        """Fire what is due, soonest first, until nothing is due now; each firing at once a
        second time (another process) records nothing."""
        for _ in range(200):
            ready = self.ward.due_now()
            if not ready:
                self.scheduled = True
                return
            command = ready[0].command
            assert self.run(command, DISPATCHER), f"{command!r} was due but recorded nothing"
            assert self.ward.decide(command, DISPATCHER) == [], f"{command!r} recorded twice"
            if not isinstance(command, OfferTransport):
                self.fired.append(command)
        raise AssertionError("something falls due again and again")

    @precondition(lambda self: self.fired)
    @rule(data=st.data())
    def fired_again_later(self, data: st.DataObject) -> None:
        """A queueing, an offer's expiry or a late flag fired again at any later time (a
        restart, a second process) records nothing. (An offer names the choice it was made
        on by its version: the firing's idempotency key stops its second firing.)"""
        command = data.draw(st.sampled_from(self.fired), "fired before")
        assert self.ward.decide(command, DISPATCHER) == [], command

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def a_job_and_its_transporter_point_at_each_other(self) -> None:
        part = self.ward.state[Transport]
        for job in part.jobs.values():
            if job.held or job.status == "offered":
                transporter = part.transporters[job.transporter or ""]
                mine = transporter.job if job.held else transporter.offer
                assert mine == job.transport_id, (job, transporter)
            else:
                assert job.status in ("scheduled", "requested") and job.transporter is None, job
        for transporter in part.transporters.values():
            if transporter.job is not None:
                job = part.jobs[transporter.job]
                assert job.held and job.transporter == transporter.username, (transporter, job)
            if transporter.offer is not None:
                job = part.jobs[transporter.offer]
                assert job.status == "offered" and job.transporter == transporter.username
                assert transporter.job is None, transporter

    @invariant()
    def a_transporter_holds_one_job_and_a_job_one_transporter(self) -> None:
        part = self.ward.state[Transport]
        holders = Counter(job.transporter for job in part.jobs.values() if job.held)
        assert all(n == 1 for n in holders.values()), holders
        offered = Counter(j.transporter for j in part.jobs.values() if j.status == "offered")
        assert all(n == 1 for n in offered.values()), offered

    @invariant()
    def only_available_active_transporters_hold_or_are_offered_jobs(self) -> None:
        for transporter in self.ward.state[Transport].transporters.values():
            if transporter.job is not None or transporter.offer is not None:
                person = CREW.person(transporter.username)
                assert person is not None and person.active and person.role == "transport"
                assert transporter.status == "available", transporter

    @invariant()
    def every_job_is_completed_cancelled_or_open(self) -> None:
        part = self.ward.state[Transport]
        logged = [event for event, _ in self.ward.log]
        requested = [e.transport_id for e in logged if isinstance(e, TransportRequested)]
        assert len(requested) == len(set(requested)), requested
        completed = {e.transport_id for e in logged if isinstance(e, TransportCompleted)}
        cancelled = {e.transport_id for e in logged if isinstance(e, TransportCancelled)}
        assert not completed & cancelled, completed & cancelled
        for transport_id in requested:
            job = part.find(transport_id)
            assert job is not None, transport_id
            if transport_id in part.jobs:
                assert job.open and transport_id not in part.ended, job
                assert transport_id not in completed | cancelled, job
            else:
                ended = "completed" if transport_id in completed else "cancelled"
                assert transport_id in completed | cancelled, job
                assert (job.status, job.ended_at is not None) == (ended, True), job

    @invariant()
    def a_job_is_late_exactly_when_its_target_has_passed(self) -> None:
        state, now = self.ward.state, self.ward.now
        for job in state[Transport].jobs.values():
            due = due_at(state, job)
            if due > now:
                assert not job.late, (job, due, now)
            elif self.scheduled and job.status != "picked_up":
                assert job.late, (job, due, now)

    @invariant()
    def nothing_is_due_for_a_job_that_has_ended(self) -> None:
        jobs = self.ward.state[Transport].jobs
        for due in self.ward.due():
            transport_id = getattr(due.command, "transport_id", None)
            assert transport_id is None or transport_id in jobs, due

    @invariant()
    def the_log_written_read_and_folded_from_scratch_equals_the_live_state(self) -> None:
        codec = EventCodec(self.ward.state.registry)
        replayed = Hospital()
        for event, at in self.ward.log:
            read = codec.decode(event.type, event.VERSION, codec.encode(event))
            assert read == event, event
            evolve(replayed, read, at)
        assert replayed == self.ward.state


TestTransportFloor = TransportFloor.TestCase
TestTransportFloor.settings = settings(
    max_examples=100,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
