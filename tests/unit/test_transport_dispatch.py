"""Auto dispatch, with the clock in the test's hands: a job is offered to the available
transporter idle longest, stat before urgent before routine and then the oldest; an offer not
accepted in time, or declined, goes to the next; when every free transporter has passed on a
job it goes round again an offer's time later; a transporter who becomes available is offered
the best waiting job; a disabled account is taken off duty rather than offered; self dispatch
makes no offers; and whatever is fired twice is recorded once."""

from __future__ import annotations

import datetime as dt

import pytest
from test_transport import DISPATCHER, TransportWard, as_, at, of, only, types

from unitboard.domain.errors import RuleViolation
from unitboard.domain.registry import Due
from unitboard.domain.transport.commands import (
    AcceptTransport,
    CompleteTransport,
    DeclineTransport,
    ExpireTransportOffer,
    OfferTransport,
    PickUpTransport,
)
from unitboard.domain.transport.events import (
    TransportAccepted,
    TransporterStatusSet,
    TransportOffered,
    TransportOfferEnded,
)
from unitboard.domain.transport.state import Transport

PATIENTS = {"E1": "4W-401-A", "E2": "4W-402-A", "E3": "ICU-1-A", "E4": "ICU-3-A"}


def staffed(policy: str = "") -> TransportWard:
    ward = TransportWard(policy)
    for encounter_id, bed_id in PATIENTS.items():
        ward.admit(encounter_id, bed_id)
    return ward


@pytest.fixture
def ward() -> TransportWard:
    """Four patients, nobody on duty yet, auto dispatch with an offer of 60 seconds."""
    return staffed()


def offer_of(ward: TransportWard, transport_id: str, transporter: str) -> OfferTransport:
    """The offer auto dispatch would send now."""
    version = ward.state[Transport].version
    return OfferTransport(transport_id=transport_id, transporter=transporter, version=version)


def in_turn(ward: TransportWard, *usernames: str) -> dt.datetime:
    """On duty one after another, a second apart (the first is idle longest); the time the
    last came on."""
    for number, username in enumerate(usernames):
        ward.advance(1 if number else 0)
        ward.on_duty(username)
    return ward.now


def later(start: dt.datetime, seconds: float) -> dt.datetime:
    return start + dt.timedelta(seconds=seconds)


def offered(ward: TransportWard) -> dict[str, str | None]:
    """Who each open job is offered to (None: not offered)."""
    jobs = ward.state[Transport].jobs.values()
    return {job.transport_id: job.transporter if job.status == "offered" else None for job in jobs}


# -- who is offered what ---------------------------------------------------------------------


def test_a_new_job_is_offered_to_the_transporter_idle_longest(ward: TransportWard) -> None:
    ward.on_duty("tess")
    ward.advance(10)
    ward.on_duty("tom")
    ward.advance(10)
    job_id = ward.request()
    assert ward.dues(OfferTransport) == [Due(at(20), offer_of(ward, job_id, "tess"))]
    offer = only(ward.fire_due(), TransportOffered)
    assert (offer.transport_id, offer.transporter, offer.offer) == (job_id, "tess", 1)
    job = ward.job(job_id)
    assert (job.status, job.transporter, job.offers, job.offered_at) == (
        "offered", "tess", 1, ward.at,
    )  # fmt: skip
    assert (ward.crew("tess").offer, ward.crew("tom").offer) == (job_id, None)
    assert ward.dues(OfferTransport) == []


def test_idle_longest_counts_from_the_last_job_done(ward: TransportWard) -> None:
    ward.on_duty("tom")
    ward.advance(10)
    ward.on_duty("tess")
    first = ward.request("E1")
    ward.fire_due()
    ward.do(AcceptTransport(transport_id=first), as_("tom"))
    ward.do(PickUpTransport(transport_id=first), as_("tom"))
    ward.advance(300)
    ward.do(CompleteTransport(transport_id=first), as_("tom"))
    second = ward.request("E2")
    assert only(ward.fire_due(), TransportOffered).transporter == "tess"
    assert offered(ward) == {second: "tess"}


def test_stat_before_urgent_before_routine_then_the_oldest(ward: TransportWard) -> None:
    older = ward.request("E1", priority="routine")
    ward.advance(1)
    urgent = ward.request("E2", priority="urgent")
    ward.advance(1)
    newer = ward.request("E3", priority="routine")
    ward.advance(1)
    stat = ward.request("E4", priority="stat")
    for username in ("tom", "tess", "tia"):
        ward.advance(1)
        ward.on_duty(username)
    ward.fire_due()
    assert offered(ward) == {stat: "tom", urgent: "tess", older: "tia", newer: None}


def test_a_transporter_who_becomes_available_is_offered_the_best_waiting_job(
    ward: TransportWard,
) -> None:
    routine = ward.request("E1", priority="routine")
    ward.advance(10)
    urgent = ward.request("E2", priority="urgent")
    ward.advance(100)
    assert ward.fire_due() == []
    ward.on_duty("tom")
    assert ward.dues(OfferTransport) == [Due(at(110), offer_of(ward, urgent, "tom"))]
    ward.fire_due()
    assert offered(ward) == {routine: None, urgent: "tom"}


def test_back_from_a_break_a_transporter_is_offered_the_waiting_job(ward: TransportWard) -> None:
    ward.on_duty("tom")
    ward.status("tom", "on_break")
    job_id = ward.request()
    ward.advance(600)
    assert ward.fire_due() == []
    ward.status("tom", "available")
    assert only(ward.fire_due(), TransportOffered).transporter == "tom"
    assert offered(ward) == {job_id: "tom"}


def test_a_transporter_done_with_a_job_is_offered_the_next_at_once(ward: TransportWard) -> None:
    ward.on_duty("tom")
    first = ward.request("E1")
    ward.fire_due()
    ward.do(AcceptTransport(transport_id=first), as_("tom"))
    second = ward.request("E2")
    ward.advance(120)
    assert ward.dues(OfferTransport) == []
    ward.do(PickUpTransport(transport_id=first), as_("tom"))
    ward.do(CompleteTransport(transport_id=first), as_("tom"))
    assert ward.dues(OfferTransport) == [Due(ward.now, offer_of(ward, second, "tom"))]


# -- an offer's end -----------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [60, 15])
def test_an_offer_not_accepted_in_time_goes_to_the_next(seconds: int) -> None:
    policy = f"\n[policy]\ntransport_offer_seconds = {seconds}\n" if seconds != 60 else ""
    ward = staffed(policy)
    start = in_turn(ward, "tom", "tess")
    job_id = ward.request()
    ward.fire_due()
    expiry = ExpireTransportOffer(transport_id=job_id, offer=1)
    assert ward.dues(ExpireTransportOffer) == [Due(later(start, seconds), expiry)]
    ward.advance(seconds - 1)
    assert ward.fire_due() == []
    ward.advance(1)
    fired = ward.fire_due()
    assert types(fired) == ["TransportOfferEnded", "TransportOffered"]
    ended, offer = only(fired, TransportOfferEnded), only(fired, TransportOffered)
    assert (ended.transporter, ended.offer, ended.why) == ("tom", 1, "expired")
    assert (offer.transporter, offer.offer) == ("tess", 2)
    assert ward.job(job_id).passed == ["tom"]
    assert (ward.crew("tom").offer, ward.crew("tom").free) == (None, True)
    assert ward.decide(expiry, DISPATCHER) == []


def test_a_declined_offer_goes_to_the_next_at_once(ward: TransportWard) -> None:
    start = in_turn(ward, "tom", "tess")
    job_id = ward.request()
    ward.fire_due()
    ward.advance(5)
    declined = ward.do(DeclineTransport(transport_id=job_id), as_("tom"))
    ended = only(declined, TransportOfferEnded)
    assert (ended.transporter, ended.offer, ended.why) == ("tom", 1, "declined")
    assert ward.dues(ExpireTransportOffer) == []
    assert ward.dues(OfferTransport) == [Due(later(start, 5), offer_of(ward, job_id, "tess"))]
    assert only(ward.fire_due(), TransportOffered).transporter == "tess"


def test_when_every_free_transporter_passed_it_goes_round_again_an_offer_time_later(
    ward: TransportWard,
) -> None:
    start = in_turn(ward, "tom", "tess")
    job_id = ward.request()
    ward.fire_due()
    ward.do(DeclineTransport(transport_id=job_id), as_("tom"))
    ward.fire_due()
    ward.advance(5)
    ward.do(DeclineTransport(transport_id=job_id), as_("tess"))
    again = Due(later(start, 5 + 60), offer_of(ward, job_id, "tom"))
    assert ward.dues(OfferTransport) == [again]
    ward.advance(59)
    assert ward.fire_due() == []
    ward.advance(1)
    offer = only(ward.fire_due(), TransportOffered)
    assert (offer.transporter, offer.offer) == ("tom", 3)


def test_a_transporter_who_passed_on_a_job_is_offered_the_next_one_meanwhile(
    ward: TransportWard,
) -> None:
    in_turn(ward, "tom")
    stat = ward.request(priority="stat")
    ward.fire_due()
    ward.do(DeclineTransport(transport_id=stat), as_("tom"))
    routine = ward.request("E2", priority="routine")
    offer = only(ward.fire_due(), TransportOffered)
    assert (offer.transport_id, offer.transporter) == (routine, "tom")


def test_a_job_offered_to_one_transporter_is_not_taken_by_another(ward: TransportWard) -> None:
    in_turn(ward, "tom", "tess")
    job_id = ward.request()
    ward.fire_due()
    accept = AcceptTransport(transport_id=job_id)
    ward.refused(accept, as_("tess"), RuleViolation, job_id, "offered to Tom Porter")
    accepted = only(ward.do(accept, as_("tom")), TransportAccepted)
    assert accepted.transporter == "tom"
    assert ward.dues(ExpireTransportOffer) == []
    assert ward.decide(ExpireTransportOffer(transport_id=job_id, offer=1), DISPATCHER) == []


def test_taking_another_job_withdraws_the_offer_waiting_and_it_goes_on(
    ward: TransportWard,
) -> None:
    ward.on_duty("tom")
    stat = ward.request("E1", priority="stat")
    routine = ward.request("E2")
    ward.fire_due()
    assert offered(ward) == {stat: "tom", routine: None}
    ward.on_duty("tess")
    events = ward.do(AcceptTransport(transport_id=routine), as_("tom"))
    assert types(events) == ["TransportOfferEnded", "TransportAccepted"]
    assert only(events, TransportOfferEnded).why == "withdrawn"
    assert ward.job(stat).passed == []
    assert only(ward.fire_due(), TransportOffered).transporter == "tess"


# -- who is never offered ------------------------------------------------------------------------


def test_a_disabled_transporter_account_is_taken_off_duty_rather_than_offered(
    ward: TransportWard,
) -> None:
    ward.on_duty("dan")
    ward.advance(10)
    ward.on_duty("tom")
    job_id = ward.request()
    assert ward.dues(OfferTransport)[0].command == offer_of(ward, job_id, "dan")
    fired = ward.fire_due()
    assert types(fired) == ["TransporterStatusSet", "TransportOffered"]
    off = only(fired, TransporterStatusSet)
    assert (off.transporter, off.name, off.status) == ("dan", "Dan Departed", "off")
    assert only(fired, TransportOffered).transporter == "tom"
    assert ward.crew("dan").status == "off"


def test_an_offer_to_a_transporter_no_longer_free_records_nothing(ward: TransportWard) -> None:
    ward.on_duty("tom")
    ward.request()
    (due,) = ward.dues(OfferTransport)
    ward.status("tom", "on_break")
    assert ward.decide(due.command, DISPATCHER) == []
    assert ward.dues(OfferTransport) == []


def test_self_dispatch_makes_no_offers_and_the_transporters_pick() -> None:
    ward = staffed('\n[policy]\ntransport_dispatch = "self"\n')
    ward.on_duty("tom", "tess")
    first, second = ward.request("E1"), ward.request("E2", priority="stat")
    ward.advance(3600)
    assert ward.dues(OfferTransport) == []
    assert not of(ward.fire_due(), TransportOffered)
    assert ward.decide(offer_of(ward, first, "tom"), DISPATCHER) == []
    assert ward.do(AcceptTransport(transport_id=first), as_("tess"))
    assert ward.do(AcceptTransport(transport_id=second), as_("tom"))


# -- fired twice ----------------------------------------------------------------------------------


def test_an_offer_fired_twice_is_recorded_once(ward: TransportWard) -> None:
    ward.on_duty("tom", "tess")
    ward.request()
    (due,) = ward.dues(OfferTransport)
    assert ward.do(due.command, DISPATCHER)
    assert ward.decide(due.command, DISPATCHER) == []


def test_an_expiry_fired_twice_or_of_an_earlier_offer_is_recorded_once(
    ward: TransportWard,
) -> None:
    ward.on_duty("tom", "tess")
    job_id = ward.request()
    ward.fire_due()
    ward.advance(60)
    (due,) = ward.dues(ExpireTransportOffer)
    assert types(ward.do(due.command, DISPATCHER)) == ["TransportOfferEnded"]
    assert ward.decide(due.command, DISPATCHER) == []
    ward.fire_due()
    assert ward.job(job_id).offers == 2
    assert ward.decide(due.command, DISPATCHER) == []
