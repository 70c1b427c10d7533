"""Transport jobs, one rule at a time: a request from a bed, a unit or a place of the layout
(the patient's bed when the origin is left out, isolation by itself for a patient on
precautions); accept, decline, pick up and complete by the transporter alone, a second tap
recording nothing; assignment and reassignment by the desk before pick-up; the transporters'
own status; cancellation, by hand or by the stay ending; the arrival a delivery into the
reserved bed records; a scheduled job entering the queue at its lead time; a job turning late
at its target, paging the origin unit's charge nurses once; and the places of the layout file.

The harness here (`TransportWard`, the transporters, `as_`) serves the dispatch and the
state-machine tests too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeVar

import pytest
from builders import discharged, patient_updated, reserved, transfer_requested
from pydantic import ValidationError
from ward import STAFF, START, Ward

from hospital import LAYOUT, admission
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.beds.commands import MarkBedDirty
from unitboard.domain.beds.events import BedMarkedDirty
from unitboard.domain.beds.state import Beds
from unitboard.domain.commands import Command
from unitboard.domain.context import Context, KnownPeople, Person
from unitboard.domain.errors import InvalidInput, NotFound, RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide
from unitboard.domain.layout.commands import LoadLayout
from unitboard.domain.layout.file import LayoutError
from unitboard.domain.layout.state import Layout
from unitboard.domain.offers import Offer
from unitboard.domain.pages.events import PageSent
from unitboard.domain.registry import SYSTEM, Due
from unitboard.domain.stays.commands import (
    AssignBed,
    CancelAdmission,
    DischargePatient,
    RequestAdmission,
)
from unitboard.domain.stays.events import PatientArrived
from unitboard.domain.stays.state import Stays
from unitboard.domain.transport import state as transport_state
from unitboard.domain.transport.commands import (
    AcceptTransport,
    AssignTransport,
    CancelTransport,
    CompleteTransport,
    DeclineTransport,
    MarkTransportLate,
    PickUpTransport,
    QueueTransport,
    RequestTransport,
    SetTransporterStatus,
)
from unitboard.domain.transport.events import (
    TransportAccepted,
    TransportAssigned,
    TransportCancelled,
    TransportCompleted,
    TransporterStatusSet,
    TransportLate,
    TransportOfferEnded,
    TransportPickedUp,
    TransportReleased,
    TransportRequested,
)
from unitboard.domain.transport.places import spot_label
from unitboard.domain.transport.state import Job, Transport, Transporter
from unitboard.domain.transport.values import PRIORITIES, TransportPriority

E = TypeVar("E", bound=Event)

TRANSPORTERS = [
    Person("tom", "Tom Porter", "transport"),
    Person("tess", "Tess Wheeler", "transport"),
    Person("tia", "Tia Trolley", "transport"),
    Person("dan", "Dan Departed", "transport", active=False),
]
"""Transporters belong to no unit; dan's account is disabled."""
CREW = KnownPeople([*STAFF, *TRANSPORTERS])
DISPATCHER = Context("scheduler", SYSTEM, CREW)
"""The scheduler, knowing the transporters (auto dispatch offers jobs only to active ones)."""
PLACES = """
[[place]]
id = "RAD"
name = "Radiology"

[[place]]
id = "ED"
name = "Emergency department"

[[place]]
id = "LOUNGE"
name = "Discharge lounge"
"""
BED = "4W-401-A"
TARGET_MINUTES = {"stat": 10, "urgent": 20, "routine": 45}
"""The default transport_target_minutes."""


def as_(username: str) -> Context:
    """Acting as one of the staff or the transporters, in their role."""
    person = CREW.person(username)
    assert person is not None, username
    return Context(username, person.role, CREW)


def at(seconds: float) -> dt.datetime:
    """`seconds` after the ward's start."""
    return START + dt.timedelta(seconds=seconds)


def only(events: Iterable[Event], kind: type[E]) -> E:
    (found,) = of(events, kind)
    return found


def of(events: Iterable[Event], kind: type[E]) -> list[E]:
    return [event for event in events if isinstance(event, kind)]


def types(events: Iterable[Event]) -> list[str]:
    return [event.type for event in events]


class TransportWard(Ward):
    """The test hospital with the places of `PLACES` (and the `[policy]` given), the
    transporters on its staff, and the scheduler knowing them."""

    def __init__(self, policy: str = "") -> None:
        super().__init__(LAYOUT + PLACES + policy)

    def fire_due(self) -> list[Event]:
        fired: list[Event] = []
        for _ in range(100):
            ready = self.due_now()
            if not ready:
                return fired
            fired += self.do(ready[0].command, DISPATCHER)
        raise AssertionError("something falls due again and again")

    def dues(self, kind: type[Command]) -> list[Due]:
        return [due for due in self.due() if isinstance(due.command, kind)]

    def request(
        self, encounter_id: str = "E1", destination: str = "RAD", by: str = "sam", **data: Any
    ) -> str:
        """A job requested now; its id."""
        command = RequestTransport.model_validate(
            {"encounter_id": encounter_id, "destination": destination, **data}
        )
        return only(self.do(command, as_(by)), TransportRequested).transport_id

    def status(self, username: str, status: str = "available") -> list[Event]:
        return self.do(SetTransporterStatus.model_validate({"status": status}), as_(username))

    def on_duty(self, *usernames: str) -> None:
        for username in usernames:
            self.status(username)

    def picked_up(self, transport_id: str, username: str = "tom") -> None:
        """`username` (available) takes the job and picks the patient up."""
        self.do(AcceptTransport(transport_id=transport_id), as_(username))
        self.do(PickUpTransport(transport_id=transport_id), as_(username))

    def job(self, transport_id: str) -> Job:
        found = self.state[Transport].find(transport_id)
        assert found is not None, transport_id
        return found

    def crew(self, username: str) -> Transporter:
        return self.state[Transport].transporters[username]


def transfer_with_bed(ward: Ward, encounter_id: str, bed_id: str) -> None:
    """A transfer of `encounter_id` to the unit of `bed_id`, that bed reserved for them."""
    ward.record([transfer_requested(encounter_id, bed_id.split("-", 1)[0])])
    ward.do(AssignBed(encounter_id=encounter_id, bed_id=bed_id), as_("sam"))


@pytest.fixture
def ward() -> TransportWard:
    """E1 in 4W-401-A; E2 in ICU-3-A; E3 a pending admission with 4W-402-A reserved for it.
    Nobody is on duty yet."""
    ward = TransportWard()
    ward.admit("E1", BED, nurse="noor")
    ward.admit("E2", "ICU-3-A")
    ward.record(reserved("E3", "4W-402-A", mrn="MRN-E3"))
    return ward


# -- requesting ---------------------------------------------------------------------------------


def test_a_job_starts_at_the_patients_bed_with_an_id_unitboard_makes(ward: TransportWard) -> None:
    requested = only(
        ward.do(RequestTransport(encounter_id="E1", destination="RAD"), as_("noor")),
        TransportRequested,
    )
    assert requested.stream_id == "transport-TR-1"
    assert (requested.transport_id, requested.origin, requested.destination) == (
        "TR-1", BED, "RAD",
    )  # fmt: skip
    assert (requested.unit_id, requested.by, requested.queued) == ("4W", "noor", True)
    assert (requested.priority, requested.mode, requested.needs) == ("routine", "wheelchair", ())
    job = ward.job("TR-1")
    assert (job.status, job.requested_at, job.queued_at, job.transporter) == (
        "requested", ward.at, ward.at, None,
    )  # fmt: skip
    assert ward.request("E2", "LOUNGE") == "TR-2"


@pytest.mark.parametrize(
    ("origin", "destination"),
    [(None, "ICU"), (BED, "RAD"), ("RAD", BED), ("4W", "LOUNGE"), ("ED", "ICU")],
    ids=["bed-to-unit", "bed-to-place", "place-to-bed", "unit-to-place", "place-to-unit"],
)
def test_each_end_may_be_a_bed_a_unit_or_a_place(
    ward: TransportWard, origin: str | None, destination: str
) -> None:
    command = RequestTransport(encounter_id="E1", origin=origin, destination=destination)
    requested = only(ward.decide(command, as_("sam")), TransportRequested)
    assert (requested.origin, requested.destination) == (origin or BED, destination)


def test_the_request_carries_priority_mode_and_needs_in_order(ward: TransportWard) -> None:
    command = RequestTransport(
        encounter_id="E1",
        destination="RAD",
        priority="stat",
        mode="stretcher",
        needs=["monitor", "oxygen", "monitor"],
    )
    requested = only(ward.decide(command, as_("casey")), TransportRequested)
    assert (requested.priority, requested.mode, requested.needs) == (
        "stat", "stretcher", ("oxygen", "monitor"),
    )  # fmt: skip


@pytest.mark.parametrize("isolation", ["contact", "droplet", "airborne"])
def test_a_patient_on_precautions_gets_isolation_without_asking(
    ward: TransportWard, isolation: str
) -> None:
    ward.do(
        RequestAdmission.model_validate(admission("E5", mrn="MRN-E5", isolation=isolation)),
        as_("sam"),
    )
    ward.do(AssignBed(encounter_id="E5", bed_id="4W-404-A"), as_("sam"))
    asked = RequestTransport(encounter_id="E5", origin="ED", destination="4W", needs=["oxygen"])
    needs = only(ward.decide(asked, as_("sam")), TransportRequested).needs
    assert needs == ("oxygen", "isolation")
    plain = RequestTransport(encounter_id="E1", destination="RAD", needs=["oxygen"])
    assert only(ward.decide(plain, as_("sam")), TransportRequested).needs == ("oxygen",)


def test_a_patient_not_in_a_bed_yet_must_be_said_where_they_are(ward: TransportWard) -> None:
    command = RequestTransport(encounter_id="E3", destination="4W-402-A")
    ward.refused(command, as_("sam"), InvalidInput, "E3", "not in a bed yet", "origin")
    from_ed = RequestTransport(encounter_id="E3", origin="ED", destination="4W-402-A")
    assert only(ward.decide(from_ed, as_("sam")), TransportRequested).origin == "ED"


@pytest.mark.parametrize("which", ["origin", "destination"])
def test_an_unknown_end_is_not_found_and_named(ward: TransportWard, which: str) -> None:
    data = {"encounter_id": "E1", "origin": BED, "destination": "RAD", which: "MRI-9"}
    command = RequestTransport.model_validate(data)
    ward.refused(command, as_("sam"), NotFound, "'MRI-9'", f"the {which}")


def test_an_unknown_stay_is_not_found(ward: TransportWard) -> None:
    command = RequestTransport(encounter_id="E404", destination="RAD")
    ward.refused(command, as_("sam"), NotFound, "'E404'")


@pytest.mark.parametrize(
    ("origin", "destination", "named"),
    [(None, BED, BED), ("RAD", "RAD", "Radiology"), ("4W", "4W", "4 West Medical")],
    ids=["bed", "place", "unit"],
)
def test_origin_and_destination_the_same_is_malformed(
    ward: TransportWard, origin: str | None, destination: str, named: str
) -> None:
    command = RequestTransport(encounter_id="E1", origin=origin, destination=destination)
    ward.refused(command, as_("sam"), InvalidInput, "both", named)


def test_a_destination_bed_must_be_the_patients(ward: TransportWard) -> None:
    command = RequestTransport(encounter_id="E1", destination="4W-401-B")
    ward.refused(command, as_("sam"), RuleViolation, "4W-401-B", "not this patient's")
    transfer_with_bed(ward, "E1", "ICU-1-A")
    to_reserved = RequestTransport(encounter_id="E1", destination="ICU-1-A")
    assert only(ward.decide(to_reserved, as_("sam")), TransportRequested).destination == "ICU-1-A"


def test_an_origin_bed_must_be_the_one_the_patient_is_in(ward: TransportWard) -> None:
    command = RequestTransport(encounter_id="E1", origin="4W-403-A", destination="RAD")
    ward.refused(command, as_("sam"), RuleViolation, BED, "4W-403-A")


def test_a_second_open_job_to_the_same_destination_is_refused_naming_the_first(
    ward: TransportWard,
) -> None:
    first = ward.request("E1", "RAD")
    again = RequestTransport(encounter_id="E1", origin="4W", destination="RAD")
    ward.refused(again, as_("casey"), RuleViolation, first, "Radiology", "waiting", "cancel")
    assert ward.request("E1", "LOUNGE") == "TR-2"
    assert ward.decide(RequestTransport(encounter_id="E2", destination="RAD"), as_("sam"))
    ward.do(CancelTransport(transport_id=first, reason="scan moved"), as_("sam"))
    assert ward.request("E1", "RAD") == "TR-3"


@pytest.mark.parametrize("ended", ["discharged", "cancelled"])
def test_a_stay_that_has_ended_is_not_moved(ward: TransportWard, ended: str) -> None:
    if ended == "discharged":
        ward.record(discharged("E1", BED))
        encounter_id = "E1"
    else:
        ward.do(CancelAdmission(encounter_id="E3", reason="went elsewhere"), as_("sam"))
        encounter_id = "E3"
    command = RequestTransport(encounter_id=encounter_id, origin="ED", destination="RAD")
    ward.refused(command, as_("sam"), RuleViolation, encounter_id, ended, "nobody to move")


def test_a_caller_may_give_its_own_id_and_unitboard_counts_on_from_its_own(
    ward: TransportWard,
) -> None:
    assert ward.request("E1", "RAD", transport_id="PORT-77") == "PORT-77"
    assert ward.job("PORT-77").status == "requested"
    assert ward.request("E2", "RAD") == "TR-1"
    assert ward.request("E1", "LOUNGE") == "TR-2"


def test_an_id_taken_by_another_job_open_or_ended_is_refused(ward: TransportWard) -> None:
    ward.request("E1", "RAD", transport_id="PORT-77")
    made = ward.request("E2", "RAD")
    for taken in ("PORT-77", made):
        command = RequestTransport(encounter_id="E1", destination="LOUNGE", transport_id=taken)
        ward.refused(command, as_("sam"), RuleViolation, taken, "taken", "new id")
    ward.do(CancelTransport(transport_id="PORT-77", reason="not needed"), as_("sam"))
    command = RequestTransport(encounter_id="E1", destination="RAD", transport_id="PORT-77")
    ward.refused(command, as_("sam"), RuleViolation, "PORT-77", "taken")


def test_an_id_of_the_form_unitboard_makes_is_not_taken_by_a_caller(ward: TransportWard) -> None:
    command = RequestTransport(encounter_id="E1", destination="RAD", transport_id="TR-7")
    ward.refused(command, as_("sam"), InvalidInput, "TR-7", "made by unitboard")


@pytest.mark.parametrize(
    "command",
    [
        AcceptTransport(transport_id="TR-9"),
        DeclineTransport(transport_id="PORT-1"),
        PickUpTransport(transport_id="TR-9"),
        CompleteTransport(transport_id="TR-9"),
        AssignTransport(transport_id="TR-9", transporter="tom"),
        CancelTransport(transport_id="TR-9", reason="not needed"),
    ],
    ids=lambda command: type(command).__name__,
)
def test_an_unknown_job_is_not_found(ward: TransportWard, command: Command) -> None:
    ward.on_duty("tom")
    who = "sam" if isinstance(command, AssignTransport | CancelTransport) else "tom"
    ward.refused(command, as_(who), NotFound, repr(command.transport_id))  # type: ignore[attr-defined]


# -- the transporter's steps --------------------------------------------------------------------


def test_an_available_transporter_accepts_picks_up_and_completes(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom")
    ward.advance(30)
    accepted = only(ward.do(AcceptTransport(transport_id=job_id), as_("tom")), TransportAccepted)
    assert accepted.transporter == "tom"
    assert (ward.job(job_id).status, ward.job(job_id).assigned_at) == ("assigned", ward.at)
    assert ward.crew("tom").job == job_id
    ward.advance(60)
    picked = only(ward.do(PickUpTransport(transport_id=job_id), as_("tom")), TransportPickedUp)
    assert picked.transporter == "tom"
    assert (ward.job(job_id).status, ward.job(job_id).picked_up_at) == ("picked_up", ward.at)
    ward.advance(300)
    (completed,) = ward.do(CompleteTransport(transport_id=job_id), as_("tom"))
    assert isinstance(completed, TransportCompleted) and not completed.arrived
    assert job_id not in ward.state[Transport].jobs
    job = ward.job(job_id)
    assert (job.status, job.ended_at) == ("completed", ward.at)
    tom = ward.crew("tom")
    assert (tom.job, tom.free_since, tom.free) == (None, ward.at, True)


def test_a_second_tap_of_each_step_records_nothing(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom")
    for step in (AcceptTransport, PickUpTransport, CompleteTransport):
        ward.do(step(transport_id=job_id), as_("tom"))
        assert ward.decide(step(transport_id=job_id), as_("tom")) == [], step
    other = ward.request("E2", "RAD")
    ward.do(AcceptTransport(transport_id=other), as_("tom"))
    ward.do(DeclineTransport(transport_id=other), as_("tom"))
    assert ward.decide(DeclineTransport(transport_id=other), as_("tom")) == []


def test_the_second_of_two_transporters_is_told_the_first_took_it(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom", "tess")
    ward.do(AcceptTransport(transport_id=job_id), as_("tom"))
    accept = AcceptTransport(transport_id=job_id)
    ward.refused(accept, as_("tess"), RuleViolation, job_id, "taken by Tom Porter")
    ward.do(PickUpTransport(transport_id=job_id), as_("tom"))
    ward.refused(accept, as_("tess"), RuleViolation, "taken by Tom Porter")


@pytest.mark.parametrize(
    ("status", "said"),
    [(None, "not signed in for work"), ("on_break", "on break"), ("off", "off")],
    ids=["never-set", "on-break", "off"],
)
def test_only_an_available_transporter_accepts(
    ward: TransportWard, status: str | None, said: str
) -> None:
    job_id = ward.request()
    if status is not None:
        ward.on_duty("tom")
        ward.status("tom", status)
    accept = AcceptTransport(transport_id=job_id)
    ward.refused(accept, as_("tom"), RuleViolation, f"You are {said}", "available first")


def test_a_transporter_holds_one_job_at_a_time(ward: TransportWard) -> None:
    first, second = ward.request("E1"), ward.request("E2")
    ward.on_duty("tom")
    ward.do(AcceptTransport(transport_id=first), as_("tom"))
    accept = AcceptTransport(transport_id=second)
    ward.refused(accept, as_("tom"), RuleViolation, f"You hold transport {first}", "before")
    ward.do(PickUpTransport(transport_id=first), as_("tom"))
    ward.refused(accept, as_("tom"), RuleViolation, first)
    ward.do(CompleteTransport(transport_id=first), as_("tom"))
    assert ward.do(accept, as_("tom"))


def test_a_scheduled_job_is_not_accepted_before_it_joins_the_queue(ward: TransportWard) -> None:
    job_id = ward.request(scheduled_for=at(3 * 3600))
    ward.on_duty("tom")
    accept = AcceptTransport(transport_id=job_id)
    ward.refused(accept, as_("tom"), RuleViolation, job_id, "scheduled", "nearer the time")


def test_declining_a_job_held_hands_it_back_to_the_queue(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom")
    ward.do(AcceptTransport(transport_id=job_id), as_("tom"))
    ward.advance(45)
    released = only(ward.do(DeclineTransport(transport_id=job_id), as_("tom")), TransportReleased)
    assert released.transporter == "tom"
    job = ward.job(job_id)
    assert (job.status, job.transporter, job.waiting_since, job.passed) == (
        "requested", None, ward.at, ["tom"],
    )  # fmt: skip
    assert (ward.crew("tom").job, ward.crew("tom").free_since) == (None, ward.at)


def test_only_the_one_offered_or_holding_a_job_declines_it(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom", "tess")
    decline = DeclineTransport(transport_id=job_id)
    ward.refused(decline, as_("tess"), RuleViolation, job_id, "not offered to you")
    ward.do(AcceptTransport(transport_id=job_id), as_("tom"))
    ward.refused(decline, as_("tess"), RuleViolation, job_id, "not offered to you")


def test_a_job_picked_up_is_not_handed_back(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom")
    ward.picked_up(job_id)
    decline = DeclineTransport(transport_id=job_id)
    ward.refused(decline, as_("tom"), RuleViolation, "picked the patient up", job_id, "cancel")


def test_only_the_holder_picks_up_and_completes(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom", "tess")
    pick_up, complete = PickUpTransport(transport_id=job_id), CompleteTransport(transport_id=job_id)
    ward.refused(pick_up, as_("tom"), RuleViolation, f"Accept transport {job_id} first")
    ward.do(AcceptTransport(transport_id=job_id), as_("tom"))
    ward.refused(pick_up, as_("tess"), RuleViolation, job_id, "Tom Porter's")
    ward.refused(complete, as_("tom"), RuleViolation, "Pick the patient up first", job_id)
    ward.do(pick_up, as_("tom"))
    ward.refused(complete, as_("tess"), RuleViolation, job_id, "Tom Porter's")
    ward.do(complete, as_("tom"))
    ward.refused(complete, as_("tess"), RuleViolation, job_id, "was completed")


def test_an_ended_job_takes_no_more_steps_and_says_how_it_ended(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom")
    ward.do(CancelTransport(transport_id=job_id, reason="scan moved to tomorrow"), as_("sam"))
    for step in (AcceptTransport, DeclineTransport, PickUpTransport, CompleteTransport):
        command = step(transport_id=job_id)
        ward.refused(command, as_("tom"), RuleViolation, "cancelled (scan moved to tomorrow)")
    assign = AssignTransport(transport_id=job_id, transporter="tom")
    ward.refused(assign, as_("sam"), RuleViolation, job_id, "cancelled")


# -- the desk: assigning and cancelling ---------------------------------------------------------


def test_the_desk_assigns_a_waiting_job_to_an_available_transporter(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom")
    assign = AssignTransport(transport_id=job_id, transporter="tom")
    assigned = only(ward.do(assign, as_("casey")), TransportAssigned)
    assert (assigned.transporter, assigned.by, assigned.previous) == ("tom", "casey", None)
    assert (ward.job(job_id).status, ward.job(job_id).transporter) == ("assigned", "tom")
    assert ward.crew("tom").job == job_id
    assert ward.decide(assign, as_("sam")) == []


def test_the_desk_reassigns_before_pick_up_and_not_after(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom", "tess")
    ward.do(AcceptTransport(transport_id=job_id), as_("tom"))
    ward.advance(10)
    to_tess = AssignTransport(transport_id=job_id, transporter="tess")
    assigned = only(ward.do(to_tess, as_("sam")), TransportAssigned)
    assert (assigned.transporter, assigned.previous) == ("tess", "tom")
    assert (ward.crew("tom").job, ward.crew("tom").free_since) == (None, ward.at)
    assert (ward.crew("tess").job, ward.job(job_id).transporter) == (job_id, "tess")
    ward.do(PickUpTransport(transport_id=job_id), as_("tess"))
    back = AssignTransport(transport_id=job_id, transporter="tom")
    ward.refused(back, as_("sam"), RuleViolation, "Tess Wheeler", "picked the patient up")


@pytest.mark.parametrize(
    ("status", "said"),
    [(None, "off"), ("on_break", "on break"), ("off", "off")],
    ids=["never-set", "on-break", "off"],
)
def test_only_an_available_transporter_is_given_a_job(
    ward: TransportWard, status: str | None, said: str
) -> None:
    job_id = ward.request()
    if status is not None:
        ward.on_duty("tess")
        ward.status("tess", status)
    assign = AssignTransport(transport_id=job_id, transporter="tess")
    ward.refused(assign, as_("sam"), RuleViolation, f"Tess Wheeler is {said}", "available")


def test_a_transporter_holding_a_job_is_not_given_another(ward: TransportWard) -> None:
    first, second = ward.request("E1"), ward.request("E2")
    ward.on_duty("tom")
    ward.do(AcceptTransport(transport_id=first), as_("tom"))
    assign = AssignTransport(transport_id=second, transporter="tom")
    ward.refused(assign, as_("sam"), RuleViolation, "Tom Porter", first, "one job at a time")


@pytest.mark.parametrize("who", ["nobody", "noor", "dan"], ids=["unknown", "a-nurse", "disabled"])
def test_a_job_is_given_only_to_a_transporter_with_an_active_account(
    ward: TransportWard, who: str
) -> None:
    job_id = ward.request()
    assign = AssignTransport(transport_id=job_id, transporter=who)
    ward.refused(assign, as_("sam"), NotFound, f"no transporter '{who}'")


def test_assigning_withdraws_the_offers_in_its_way(ward: TransportWard) -> None:
    """The job offered to tom goes to tess, who had another job offered: both offers end."""
    first, second = ward.request("E1", priority="stat"), ward.request("E2")
    ward.on_duty("tom")
    ward.advance(1)
    ward.on_duty("tess")
    ward.fire_due()
    assert (ward.job(first).transporter, ward.job(second).transporter) == ("tom", "tess")
    events = ward.do(AssignTransport(transport_id=first, transporter="tess"), as_("sam"))
    assert types(events) == ["TransportOfferEnded", "TransportOfferEnded", "TransportAssigned"]
    ended = [(e.transport_id, e.transporter, e.why) for e in of(events, TransportOfferEnded)]
    assert ended == [(second, "tess", "withdrawn"), (first, "tom", "withdrawn")]
    assert only(events, TransportAssigned).previous is None
    assert (ward.crew("tom").offer, ward.crew("tess").offer) == (None, None)
    assert ward.job(second).status == "requested" and ward.job(second).passed == []
    assert ward.job(first).passed == []


def test_assigning_a_job_to_the_one_it_is_offered_to_just_assigns_it(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom")
    ward.fire_due()
    events = ward.do(AssignTransport(transport_id=job_id, transporter="tom"), as_("sam"))
    assert types(events) == ["TransportAssigned"]
    assert (ward.crew("tom").offer, ward.crew("tom").job) == (None, job_id)


@pytest.mark.parametrize("stage", ["waiting", "offered", "assigned", "picked_up"])
def test_cancelling_records_the_reason_and_frees_the_transporter(
    ward: TransportWard, stage: str
) -> None:
    job_id = ward.request()
    ward.on_duty("tom")
    if stage == "offered":
        ward.fire_due()
    elif stage == "assigned":
        ward.do(AcceptTransport(transport_id=job_id), as_("tom"))
    elif stage == "picked_up":
        ward.picked_up(job_id)
    assert ward.job(job_id).status == ("requested" if stage == "waiting" else stage)
    cancel = CancelTransport(transport_id=job_id, reason="Scan moved to tomorrow")
    cancelled = only(ward.do(cancel, as_("sam")), TransportCancelled)
    assert (cancelled.reason, cancelled.by) == ("Scan moved to tomorrow", "sam")
    job = ward.job(job_id)
    assert (job.status, job.cancel_reason, job.ended_at) == (
        "cancelled", "Scan moved to tomorrow", ward.at,
    )  # fmt: skip
    assert ward.crew("tom").free
    again = CancelTransport(transport_id=job_id, reason="again")
    ward.refused(again, as_("sam"), RuleViolation, job_id, "cancelled (Scan moved to tomorrow)")


def test_a_cancel_needs_a_reason() -> None:
    with pytest.raises(ValidationError):
        CancelTransport.model_validate({"transport_id": "TR-1", "reason": "  "})


# -- the transporters' status -------------------------------------------------------------------


def test_a_transporter_sets_their_own_status_under_their_name(ward: TransportWard) -> None:
    (status,) = ward.status("tom", "available")
    assert isinstance(status, TransporterStatusSet)
    assert (status.transporter, status.name, status.status) == ("tom", "Tom Porter", "available")
    assert status.stream_id == "transporter-tom"
    tom = ward.crew("tom")
    assert (tom.status, tom.status_at, tom.free_since, tom.free) == (
        "available", ward.at, ward.at, True,
    )  # fmt: skip
    assert ward.decide(SetTransporterStatus(status="available"), as_("tom")) == []
    ward.advance(60)
    ward.status("tom", "on_break")
    assert (ward.crew("tom").status, ward.crew("tom").free) == ("on_break", False)


@pytest.mark.parametrize("status", ["on_break", "off"])
def test_a_transporter_holding_a_job_does_not_go_on_break_or_off(
    ward: TransportWard, status: str
) -> None:
    job_id = ward.request()
    ward.on_duty("tom")
    ward.do(AcceptTransport(transport_id=job_id), as_("tom"))
    command = SetTransporterStatus.model_validate({"status": status})
    said = "on break" if status == "on_break" else "off"
    ward.refused(command, as_("tom"), RuleViolation, job_id, "hand it back", f"going {said}")
    ward.do(DeclineTransport(transport_id=job_id), as_("tom"))
    assert ward.do(command, as_("tom"))


def test_going_on_break_withdraws_the_offer_waiting_on_them(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom")
    ward.fire_due()
    assert ward.crew("tom").offer == job_id
    events = ward.status("tom", "on_break")
    assert types(events) == ["TransportOfferEnded", "TransporterStatusSet"]
    ended = only(events, TransportOfferEnded)
    assert (ended.transport_id, ended.transporter, ended.why, ended.offer) == (
        job_id, "tom", "withdrawn", 1,
    )  # fmt: skip
    assert ward.job(job_id).status == "requested" and ward.job(job_id).passed == []
    assert ward.crew("tom").offer is None


# -- the stay ending ----------------------------------------------------------------------------


def test_a_discharge_cancels_the_patients_open_jobs_in_the_same_decision(
    ward: TransportWard,
) -> None:
    done, waiting = ward.request("E1", "RAD"), ward.request("E1", "LOUNGE")
    ward.on_duty("tom", "tess")
    ward.picked_up(done)
    ward.do(CompleteTransport(transport_id=done), as_("tom"))
    held = ward.request("E1", "ICU")
    ward.do(AcceptTransport(transport_id=held), as_("tess"))
    other = ward.request("E2", "RAD")
    events = ward.do(DischargePatient(encounter_id="E1"), as_("sam"))
    assert types(events) == [
        "PatientDischarged", "TransportCancelled", "TransportCancelled", "BedMarkedDirty",
    ]  # fmt: skip
    cancelled = of(events, TransportCancelled)
    assert {c.transport_id for c in cancelled} == {waiting, held}
    assert {(c.reason, c.by) for c in cancelled} == {("Patient discharged.", "sam")}
    assert ward.job(done).status == "completed" and ward.job(other).status == "requested"
    assert ward.crew("tess").free


def test_a_cancelled_admission_cancels_the_patients_open_jobs_with_its_reason(
    ward: TransportWard,
) -> None:
    job_id = ward.request("E3", "4W-402-A", origin="ED")
    events = ward.do(
        CancelAdmission(encounter_id="E3", reason="Went to another hospital"), as_("sam")
    )
    cancelled = only(events, TransportCancelled)
    assert cancelled.transport_id == job_id
    assert cancelled.reason == "Admission cancelled: Went to another hospital"
    assert ward.job(job_id).status == "cancelled"


# -- arriving -----------------------------------------------------------------------------------


def test_completing_into_the_reserved_bed_records_the_arrival_and_the_bed_left_turns_dirty(
    ward: TransportWard,
) -> None:
    transfer_with_bed(ward, "E1", "ICU-1-A")
    job_id = ward.request("E1", "ICU-1-A")
    ward.on_duty("tom")
    ward.picked_up(job_id)
    events = ward.do(CompleteTransport(transport_id=job_id), as_("tom"))
    assert types(events) == ["TransportCompleted", "PatientArrived", "BedMarkedDirty"]
    assert only(events, TransportCompleted).arrived
    arrival = only(events, PatientArrived)
    assert (arrival.bed_id, arrival.from_bed_id) == ("ICU-1-A", BED)
    assert only(events, BedMarkedDirty).bed_id == BED
    stay = ward.state[Stays].stays["E1"]
    assert (stay.bed_id, stay.reserved_bed_id, stay.unit_id) == ("ICU-1-A", None, "ICU")
    beds = ward.state[Beds].beds
    assert (beds[BED].cleanliness, beds[BED].occupancy) == ("dirty", "vacant")
    assert beds["ICU-1-A"].occupancy == "occupied"
    assert ward.job(job_id).arrived


def test_an_admission_from_the_emergency_department_arrives_with_its_transport(
    ward: TransportWard,
) -> None:
    job_id = ward.request("E3", "4W-402-A", origin="ED")
    ward.on_duty("tom")
    ward.picked_up(job_id)
    events = ward.do(CompleteTransport(transport_id=job_id), as_("tom"))
    assert types(events) == ["TransportCompleted", "PatientArrived"]
    assert only(events, PatientArrived).from_bed_id is None
    stay = ward.state[Stays].stays["E3"]
    assert (stay.status, stay.bed_id) == ("admitted", "4W-402-A")


def test_completing_into_a_reserved_bed_that_cannot_take_them_records_only_the_completion(
    ward: TransportWard,
) -> None:
    transfer_with_bed(ward, "E1", "ICU-1-A")
    job_id = ward.request("E1", "ICU-1-A")
    ward.on_duty("tom")
    ward.picked_up(job_id)
    ward.do(MarkBedDirty(bed_id="ICU-1-A"), as_("casey"))
    (completed,) = ward.do(CompleteTransport(transport_id=job_id), as_("tom"))
    assert isinstance(completed, TransportCompleted) and not completed.arrived
    stay = ward.state[Stays].stays["E1"]
    assert (stay.bed_id, stay.reserved_bed_id) == (BED, "ICU-1-A")
    assert not ward.job(job_id).arrived


def test_completing_into_a_unit_or_a_place_records_no_arrival(ward: TransportWard) -> None:
    transfer_with_bed(ward, "E1", "ICU-1-A")
    job_id = ward.request("E1", "ICU")
    ward.on_duty("tom")
    ward.picked_up(job_id)
    assert types(ward.do(CompleteTransport(transport_id=job_id), as_("tom"))) == [
        "TransportCompleted"
    ]
    assert ward.state[Stays].stays["E1"].bed_id == BED


# -- scheduled jobs -----------------------------------------------------------------------------


def test_a_scheduled_job_joins_the_queue_its_lead_time_before(ward: TransportWard) -> None:
    job_id = ward.request(scheduled_for=at(2 * 3600))
    requested = ward.log[-1][0]
    assert isinstance(requested, TransportRequested)
    assert (requested.queued, requested.scheduled_for) == (False, at(2 * 3600).isoformat())
    job = ward.job(job_id)
    assert (job.status, job.queued_at, job.waiting_since) == ("scheduled", None, None)
    assert ward.dues(QueueTransport) == [Due(at(90 * 60), QueueTransport(transport_id=job_id))]
    ward.on_duty("tom")
    ward.advance(90 * 60 - 1)
    assert ward.fire_due() == []
    ward.advance(1)
    fired = ward.fire_due()
    assert types(fired) == ["TransportQueued", "TransportOffered"]
    assert (ward.job(job_id).queued_at, ward.job(job_id).status) == (ward.at, "offered")
    assert ward.decide(QueueTransport(transport_id=job_id), DISPATCHER) == []


def test_the_lead_time_comes_from_the_policy() -> None:
    ward = TransportWard("\n[policy]\ntransport_schedule_lead_minutes = 5\n")
    ward.admit("E1", BED)
    job_id = ward.request(scheduled_for=at(3600))
    assert ward.dues(QueueTransport) == [Due(at(55 * 60), QueueTransport(transport_id=job_id))]


def test_a_job_scheduled_within_its_lead_time_joins_the_queue_at_once(
    ward: TransportWard,
) -> None:
    job_id = ward.request(scheduled_for=at(600))
    assert ward.dues(QueueTransport)[0].at <= ward.now
    assert types(ward.fire_due()) == ["TransportQueued"]
    assert ward.job(job_id).status == "requested"


# -- late ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("priority", PRIORITIES)
def test_a_job_falls_due_late_at_its_priority_target(
    ward: TransportWard, priority: TransportPriority
) -> None:
    ward.advance(30)
    job_id = ward.request(priority=priority)
    due = at(30 + TARGET_MINUTES[priority] * 60)
    assert ward.dues(MarkTransportLate) == [Due(due, MarkTransportLate(transport_id=job_id))]
    ward.advance(TARGET_MINUTES[priority] * 60 - 1)
    assert ward.fire_due() == [] and not ward.job(job_id).late


def test_the_targets_come_from_the_policy() -> None:
    ward = TransportWard(
        "\n[policy]\ntransport_target_minutes = { stat = 1, urgent = 2.5, routine = 4 }\n"
    )
    ward.admit("E1", BED)
    ward.admit("E2", "4W-402-A")
    stat, routine = ward.request("E1", priority="stat"), ward.request("E2", priority="routine")
    assert ward.dues(MarkTransportLate) == [
        Due(at(60), MarkTransportLate(transport_id=stat)),
        Due(at(240), MarkTransportLate(transport_id=routine)),
    ]


def test_a_scheduled_job_counts_its_target_from_its_time(ward: TransportWard) -> None:
    job_id = ward.request(priority="urgent", scheduled_for=at(3600))
    assert ward.dues(MarkTransportLate) == [
        Due(at(3600 + 20 * 60), MarkTransportLate(transport_id=job_id))
    ]


def test_a_late_job_is_flagged_and_the_origin_units_charge_nurses_paged_once(
    ward: TransportWard,
) -> None:
    job_id = ward.request(priority="stat")
    ward.advance(10 * 60)
    fired = ward.fire_due()
    assert types(fired) == ["TransportLate", "PageSent"]
    late, page = only(fired, TransportLate), only(fired, PageSent)
    assert (late.due_at, late.unit_id, late.page_id) == (ward.at, "4W", page.page_id)
    assert (page.to, page.recipient, page.unit_id, page.sent_by) == (
        "charge_nurse", "role", "4W", "system",
    )  # fmt: skip
    assert (page.priority, page.regarding, page.regarding_kind) == ("urgent", job_id, "transport")
    for named in (job_id, "STAT", BED, "Radiology", "10 min"):
        assert named in page.message, (named, page.message)
    job = ward.job(job_id)
    assert (job.late, job.late_at, job.late_page) == (True, ward.at, page.page_id)
    assert ward.dues(MarkTransportLate) == []
    assert ward.decide(MarkTransportLate(transport_id=job_id), DISPATCHER) == []
    ward.advance(3600)
    assert types(ward.fire_due()) == ["PageResent"]  # the page's own re-send, not a new page


def test_a_routine_late_job_pages_as_routine(ward: TransportWard) -> None:
    ward.request(priority="routine")
    ward.advance(45 * 60)
    assert only(ward.fire_due(), PageSent).priority == "routine"


@pytest.mark.parametrize(
    ("encounter_id", "origin", "paged"),
    [("E2", None, "ICU"), ("E2", "RAD", "ICU"), ("E1", "ICU", "ICU"), ("E1", "ED", "4W")],
    ids=["bed", "place-patient-in-icu", "unit", "place-patient-in-4w"],
)
def test_the_late_page_goes_to_the_origin_unit_and_from_a_place_the_patients(
    ward: TransportWard, encounter_id: str, origin: str | None, paged: str
) -> None:
    ward.request(encounter_id, "LOUNGE", origin=origin, priority="stat")
    ward.advance(600)
    page = only(ward.fire_due(), PageSent)
    assert (page.unit_id, page.to) == (paged, "charge_nurse")


def test_a_job_picked_up_in_time_is_never_late(ward: TransportWard) -> None:
    job_id = ward.request(priority="stat")
    ward.on_duty("tom")
    ward.advance(9 * 60)
    ward.picked_up(job_id)
    assert ward.dues(MarkTransportLate) == []
    ward.advance(3600)
    assert ward.fire_due() == []
    assert ward.decide(MarkTransportLate(transport_id=job_id), DISPATCHER) == []
    assert not ward.job(job_id).late


def test_an_accepted_job_not_picked_up_still_turns_late(ward: TransportWard) -> None:
    job_id = ward.request(priority="stat")
    ward.on_duty("tom")
    ward.do(AcceptTransport(transport_id=job_id), as_("tom"))
    ward.advance(600)
    assert types(ward.fire_due()) == ["TransportLate", "PageSent"]
    ward.do(PickUpTransport(transport_id=job_id), as_("tom"))
    assert ward.job(job_id).late


def test_an_ended_job_is_not_late(ward: TransportWard) -> None:
    job_id = ward.request(priority="stat")
    ward.do(CancelTransport(transport_id=job_id, reason="not needed"), as_("sam"))
    ward.advance(600)
    assert ward.dues(MarkTransportLate) == []
    assert ward.decide(MarkTransportLate(transport_id=job_id), DISPATCHER) == []


# -- what a screen offers ------------------------------------------------------------------------


def offers_of(ward: TransportWard, kind: str, key: str, who: str) -> dict[str, Offer]:
    return {offer.command: offer for offer in HOUSE.offered(ward.state, kind, key, as_(who))}


def test_the_bed_panel_offers_a_request_prefilled_from_the_stay(ward: TransportWard) -> None:
    ward.record([patient_updated("E1", isolation="contact")])
    transfer_with_bed(ward, "E1", "ICU-1-A")
    offer = offers_of(ward, "stay", "E1", "sam")["RequestTransport"]
    assert offer.data == {"encounter_id": "E1"}
    assert offer.current == {
        "origin": BED, "destination": "ICU-1-A", "priority": "routine", "mode": "wheelchair",
        "needs": ["isolation"],
    }  # fmt: skip
    assert offer.choice_values("destination") == ["ICU-1-A", "ICU", "RAD", "ED", "LOUNGE"]
    assert offer.inputs == ("priority", "mode", "needs", "scheduled_for")
    for destination in offer.choice_values("destination"):
        command = RequestTransport(encounter_id="E1", origin=BED, destination=destination)
        assert ward.decide(command, as_("sam")), destination
    ward.request("E1", "ICU-1-A")
    again = offers_of(ward, "stay", "E1", "noor")["RequestTransport"]
    assert "ICU-1-A" not in again.choice_values("destination")
    assert again.current["destination"] is None


def test_no_request_is_offered_for_a_patient_not_in_a_bed_nor_to_a_transporter(
    ward: TransportWard,
) -> None:
    assert "RequestTransport" not in offers_of(ward, "stay", "E3", "sam")
    assert "RequestTransport" not in offers_of(ward, "stay", "E1", "tom")


def test_a_job_offers_each_person_the_steps_they_may_take_now(ward: TransportWard) -> None:
    job_id = ward.request()
    ward.on_duty("tom", "tess")
    assert list(offers_of(ward, "transport", job_id, "tom")) == ["AcceptTransport"]
    desk = offers_of(ward, "transport", job_id, "sam")
    assert list(desk) == ["AssignTransport", "CancelTransport"]
    assert desk["AssignTransport"].choice_values("transporter") == ["tess", "tom"]
    assert desk["CancelTransport"].inputs == ("reason",)
    ward.do(AcceptTransport(transport_id=job_id), as_("tom"))
    assert list(offers_of(ward, "transport", job_id, "tom")) == [
        "DeclineTransport", "PickUpTransport",
    ]  # fmt: skip
    assert offers_of(ward, "transport", job_id, "tess") == {}
    takers = offers_of(ward, "transport", job_id, "casey")["AssignTransport"]
    assert takers.choice_values("transporter") == ["tess"]
    assign = AssignTransport(transport_id=job_id, transporter="tess")
    assert ward.decide(assign, as_("casey"))
    ward.do(PickUpTransport(transport_id=job_id), as_("tom"))
    assert list(offers_of(ward, "transport", job_id, "tom")) == ["CompleteTransport"]
    assert list(offers_of(ward, "transport", job_id, "sam")) == ["CancelTransport"]


def test_a_job_ended_long_ago_is_told_apart_from_one_never_made(
    ward: TransportWard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport_state, "ENDED_KEPT", 1)
    first, second = ward.request("E1", "RAD"), ward.request("E2", "RAD")
    for job_id in (first, second):
        ward.do(CancelTransport(transport_id=job_id, reason="not needed"), as_("sam"))
    assert first not in ward.state[Transport].ended
    cancel = CancelTransport(transport_id=first, reason="again")
    ward.refused(cancel, as_("sam"), RuleViolation, first, "ended long ago")
    never = CancelTransport(transport_id="TR-3", reason="again")
    ward.refused(never, as_("sam"), NotFound, "'TR-3'")


# -- the places of the layout file ----------------------------------------------------------------


def test_the_layout_files_places_are_recorded_and_name_a_jobs_ends(ward: TransportWard) -> None:
    places = ward.state[Layout].places
    assert {p: places[p].name for p in places} == {
        "RAD": "Radiology", "ED": "Emergency department", "LOUNGE": "Discharge lounge",
    }  # fmt: skip
    assert spot_label(ward.state, "RAD") == "Radiology"
    assert spot_label(ward.state, "4W") == "4 West Medical"
    assert spot_label(ward.state, BED) == BED
    assert ward.decide(LoadLayout(toml=LAYOUT + PLACES), as_("casey")) == []


def test_a_renamed_place_is_changed_and_a_removed_one_stays_named_on_its_jobs(
    ward: TransportWard,
) -> None:
    job_id = ward.request("E1", "LOUNGE")
    renamed = PLACES.replace("Radiology", "Imaging")
    events = ward.decide(LoadLayout(toml=LAYOUT + renamed), as_("casey"))
    assert [(e.type, e.place_id) for e in events] == [("PlaceDefined", "RAD")]  # type: ignore[attr-defined]
    without_lounge = PLACES.split('[[place]]\nid = "LOUNGE"')[0]
    events = ward.do(LoadLayout(toml=LAYOUT + without_lounge), as_("casey"))
    assert types(events) == ["PlaceRemoved"]
    assert "LOUNGE" not in ward.state[Layout].places
    assert ward.job(job_id).destination == "LOUNGE"
    assert spot_label(ward.state, "LOUNGE") == "LOUNGE"
    command = RequestTransport(encounter_id="E2", destination="LOUNGE")
    ward.refused(command, as_("sam"), NotFound, "'LOUNGE'")


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("places", "fragments"),
    [
        (PLACES.replace('id = "ED"', 'id = "RAD"'), ["place 'RAD' is defined twice"]),
        (PLACES.replace('id = "ED"', 'id = "ICU"'), ["place 'ICU'", "id of a unit"]),
        (
            PLACES.replace('name = "Radiology"', 'name = "Radiology"\nfloor = 2'),
            ["line of: floor", "place[0].floor", "unknown key"],
        ),
        (PLACES.replace('id = "ED"', 'id = "E D"'), ["line of: E D", "place[1].id"]),
        (PLACES.replace('name = "Discharge lounge"\n', ""), ["place[2].name", "required"]),
        (PLACES.replace('"Radiology"', '""'), ['line of: name = ""', "place[0].name"]),
    ],
    ids=["twice", "a-units-id", "unknown-key", "bad-id", "no-name", "empty-name"],
)
def test_a_bad_place_is_refused_naming_where(places: str, fragments: list[str]) -> None:
    text = LAYOUT + places
    with pytest.raises(LayoutError) as refused:
        decide(Hospital(), LoadLayout(toml=text))
    assert isinstance(refused.value, InvalidInput)
    for fragment in fragments:
        if fragment.startswith("line of: "):
            fragment = f"line {_line_of(text, fragment.removeprefix('line of: '))}:"
        assert fragment in refused.value.message, refused.value.message
