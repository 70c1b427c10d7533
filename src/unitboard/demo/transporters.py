"""The demo's transport crew: the simulated transporters answer what auto dispatch offers
them after a human pause (now and then one declines, or lets the offer run out), walk to the
patient, pick up and deliver a few minutes later, and take a break now and then. Each acts
under their own login, and only while nobody is logged in as them: "transport" is the
newcomer's tablet and never the crew's, and a newcomer who logs in as one of the crew drives
that tablet alone. Every wait is drawn from the job's id and recorded times, not from
memory, so a restarted simulator keeps the same pace."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any

from unitboard.demo.seed import DEMO_MARK, SIMULATED_TRANSPORTERS
from unitboard.domain.hospital import Hospital
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.transport.decide import TRANSPORT_ROLE
from unitboard.domain.transport.dispatch import queue_order
from unitboard.domain.transport.state import Job, Transport, Transporter
from unitboard.domain.transport.timing import due_at, moment
from unitboard.service.auth import Actor
from unitboard.service.handler import CommandService
from unitboard.service.sessions import SessionPolicy
from unitboard.store.sessions import SessionStore

Act = Callable[[str, dict[str, Any], Actor], bool]
Clock = Callable[[], dt.datetime]

ANSWER_SECONDS = (5.0, 40.0)
"""How long a transporter takes to answer an offer on their tablet."""
LET_RUN_OUT = 0.07
"""The share of offers nobody answers (the offer runs out and goes to the next)."""
DECLINE = 0.08
"""The share of offers declined."""
TO_PATIENT_MINUTES = (1.0, 3.0)
"""From taking a job to picking the patient up, most of the time."""
SLOW = 0.14
SLOW_MINUTES = (10.0, 20.0)
"""Now and then the patient is not ready (still with the nurse, or on the phone)."""
HELD_UP = {"stat": 0.2, "urgent": 0.15, "routine": 0.06}
HELD_UP_MINUTES = (2.0, 8.0)
"""The share of jobs, by priority, held up past their target (the patient is in a scan, the
lift is out): picked up this long after they turn late, so that the late flag shows now
and then. One job of the crew's at a time, or the crew would all be waiting."""
AHEAD_OF_TIME_MINUTES = 15.0
"""A scheduled job is picked up this long before its time (for the appointment), not earlier."""
RIDE_MINUTES = (1.5, 4.0)
"""From pick-up to delivery."""
ON_DUTY_MINUTES = (50.0, 110.0)
"""How long a transporter works before a break (one of the crew on break at a time)."""
BREAK_MINUTES = (8.0, 18.0)
QUEUE_SECONDS = {"auto": 120.0, "self": 20.0}
"""How long a job waits, by the dispatch in force, before a free transporter takes it from
the queue unoffered: under auto dispatch only when nobody has offered it that long."""
CREW_SECONDS = 10.0
"""How often the simulator looks again at who of the crew is logged in."""


def draw(*about: object) -> random.Random:
    """Chance tied to what it is about (a job's offer, a pick-up, a shift): the same on
    every look and after a restart."""
    return random.Random(":".join(str(part) for part in about))


def minutes(span: tuple[float, float], chance: random.Random) -> dt.timedelta:
    return dt.timedelta(minutes=chance.uniform(*span))


def held_up(job: Job) -> bool:
    """Whether the job is one of those held up past its target."""
    return draw("held up", job.transport_id, job.assigned_at).random() < HELD_UP[job.priority]


def pick_up_at(state: Hospital, job: Job, may_hold_up: bool) -> dt.datetime:
    """When the transporter holding `job` has the patient: a walk to them, longer now and
    then, past the job's target if it is held up; a scheduled job not long before its
    time."""
    assigned = moment(job.assigned_at)
    assert assigned is not None
    chance = draw("pick-up", job.transport_id, job.assigned_at)
    at = assigned + minutes(TO_PATIENT_MINUTES, chance)
    if may_hold_up and held_up(job):
        at = max(at, due_at(state, job) + minutes(HELD_UP_MINUTES, chance))
    elif chance.random() < SLOW:
        at = assigned + minutes(SLOW_MINUTES, chance)
    scheduled = moment(job.scheduled_for)
    if scheduled is not None:
        at = max(at, scheduled - dt.timedelta(minutes=AHEAD_OF_TIME_MINUTES))
    return at


def deliver_at(job: Job) -> dt.datetime:
    picked_up = moment(job.picked_up_at)
    assert picked_up is not None
    return picked_up + minutes(RIDE_MINUTES, draw("ride", job.transport_id, job.picked_up_at))


class TransportCrew:
    def __init__(self, service: CommandService, act: Act, clock: Clock) -> None:
        self.service = service
        self.act = act
        self.clock = clock
        self.sessions = SessionStore(service.log.engine)
        self._crew: list[Actor] = []
        self._crew_seen: dt.datetime | None = None

    @property
    def part(self) -> Transport:
        return self.service.state[Transport]

    def turn(self) -> None:
        """Each of the crew on shift does what is due for them now, if anything."""
        now = self.clock()
        for actor in self.on_shift(now):
            self.take_turn(actor, now)

    def take_turn(self, actor: Actor, now: dt.datetime) -> None:
        me = self.part.transporter(actor.name)
        if me is None or me.status != "available":
            if me is None or now >= self._back_at(me):
                self._set(actor, "available")
        elif me.offer is not None:
            if (offered := self.part.jobs.get(me.offer)) is not None:
                self._answer(actor, offered, now)
        elif me.job is not None:
            if (held := self.part.jobs.get(me.job)) is not None:
                self._work(actor, held, now)
        elif self._break_due(me, now):
            self._set(actor, "on_break")
        else:
            self._take_from_queue(actor, now)

    def take_a_break(self, username: str) -> bool:
        """`username` of the crew goes on break now, if free."""
        me = self.part.transporter(username)
        if me is None or not me.free:
            return False
        return self._set(self._actor(username, me.name), "on_break")

    # -- who acts --------------------------------------------------------------------------

    def on_shift(self, now: dt.datetime) -> list[Actor]:
        """The crew the simulator acts as: the demo's transporters (in a database the demo
        made) whose account is open and whom nobody is logged in as."""
        seen = self._crew_seen
        if seen is None or abs((now - seen).total_seconds()) >= CREW_SECONDS:
            self._crew, self._crew_seen = self._find_crew(), now
        return self._crew

    def _find_crew(self) -> list[Actor]:
        if self.service.credentials.get_setting(DEMO_MARK) is None:
            return []  # real people log in here: the simulator is nobody's tablet
        people = {person.username: person for person in self.service.people.everyone()}
        present = self._logged_in()
        return [
            self._actor(username, person.name)
            for username in SIMULATED_TRANSPORTERS
            if (person := people.get(username)) is not None
            if person.role == TRANSPORT_ROLE and person.active and username not in present
        ]

    def _logged_in(self) -> set[str]:
        """Who has a login in use (seen within the idle timeout)."""
        now = time.time()
        idle = SessionPolicy().idle_seconds
        return {
            row.username
            for row in self.sessions.open_sessions(now)
            if row.username is not None and now - row.last_seen_at <= idle
        }

    @staticmethod
    def _actor(username: str, name: str) -> Actor:
        return Actor(username, TRANSPORT_ROLE, None, name)

    # -- their steps -----------------------------------------------------------------------

    def _set(self, actor: Actor, status: str) -> bool:
        return self.act("SetTransporterStatus", {"status": status}, actor)

    def _back_at(self, me: Transporter) -> dt.datetime:
        """When one on break (or off) comes back on duty."""
        since = moment(me.status_at)
        if since is None:
            return self.clock()
        return since + minutes(BREAK_MINUTES, draw("break", me.username, me.status_at))

    def _person_free_for(self, job: Job) -> bool:
        """A person (not the crew) is on duty with nothing to do and has not passed on the
        job: the crew lets them go first, so a newcomer on the tablet gets the next job."""
        crew = set(SIMULATED_TRANSPORTERS)
        return any(
            t.free and t.username not in crew and t.username not in job.passed
            for t in self.part.transporters.values()
        )

    def _answer(self, actor: Actor, job: Job, now: dt.datetime) -> None:
        if self._person_free_for(job):
            self.act("DeclineTransport", {"transport_id": job.transport_id}, actor)
            return
        chance = draw("offer", job.transport_id, job.offers, actor.name)
        roll = chance.random()
        offered = moment(job.offered_at)
        if roll < LET_RUN_OUT or offered is None:
            return
        if now < offered + dt.timedelta(seconds=chance.uniform(*ANSWER_SECONDS)):
            return
        name = "DeclineTransport" if roll < LET_RUN_OUT + DECLINE else "AcceptTransport"
        self.act(name, {"transport_id": job.transport_id}, actor)

    def _work(self, actor: Actor, job: Job, now: dt.datetime) -> None:
        if job.status == "assigned" and now >= self._pick_up_at(job):
            self.act("PickUpTransport", {"transport_id": job.transport_id}, actor)
        elif job.status == "picked_up" and now >= deliver_at(job):
            self.act("CompleteTransport", {"transport_id": job.transport_id}, actor)

    def _pick_up_at(self, job: Job) -> dt.datetime:
        """Of the crew's jobs held up, only the one taken first waits past its target."""
        crew = set(SIMULATED_TRANSPORTERS)
        held = [
            other
            for other in self.part.jobs.values()
            if other.status == "assigned" and other.transporter in crew and held_up(other)
        ]
        first = min(held, key=lambda j: (j.assigned_at or "", j.transport_id), default=None)
        return pick_up_at(self.service.state, job, may_hold_up=first is job)

    def _break_due(self, me: Transporter, now: dt.datetime) -> bool:
        since = moment(me.status_at)
        if since is None:
            return False
        on_duty = minutes(ON_DUTY_MINUTES, draw("shift", me.username, me.status_at))
        if now < since + on_duty:
            return False
        crew = (self.part.transporter(username) for username in SIMULATED_TRANSPORTERS)
        return not any(other is not None and other.status == "on_break" for other in crew)

    def _take_from_queue(self, actor: Actor, now: dt.datetime) -> None:
        """A job that has waited unoffered a while: the free transporter takes it from the
        queue on their tablet (one they passed on stays passed)."""
        dispatch = self.service.state[PolicyInForce].policy.transport_dispatch
        wait = dt.timedelta(seconds=QUEUE_SECONDS.get(dispatch, QUEUE_SECONDS["self"]))
        waiting = sorted((j for j in self.part.jobs.values() if j.waiting), key=queue_order)
        for job in waiting:
            since = moment(job.waiting_since)
            if self._person_free_for(job):
                continue
            if actor.name not in job.passed and since is not None and now >= since + wait:
                self.act("AcceptTransport", {"transport_id": job.transport_id}, actor)
                return
