"""The escalation ladder under any interleaving (hypothesis, stateful), with the clock in the
test's hands: lights are raised, answered and cleared, pages acknowledged, nurses assigned,
the clock moves, and what `HOUSE.due` says is due is fired through the domain's `decide` in
the system role, as the scheduler would (sometimes twice, sometimes late). Every event is
folded at the clock's time, as the log records it.

Proven after every step: never two pages for one step of a light; never an escalation of a
light that is answered or cleared (nor a re-page of one not answered, nor a re-send of a
page acknowledged); every step whose time has come has fired once the scheduler has run;
a second firing records nothing; and the log, written and read back and folded from
scratch, is the live state."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import event as tally
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from ward import NURSE_CALL, SCHEDULER, Ward, as_

from unitboard.domain.calls.commands import (
    AnswerCallLight,
    ClearCallLight,
    EscalateCallLight,
    RaiseCallLight,
    RepageCallLight,
)
from unitboard.domain.calls.events import CallLightEscalated, CallLightRepaged
from unitboard.domain.calls.ladder import ladder
from unitboard.domain.calls.state import Calls
from unitboard.domain.calls.timers import moment
from unitboard.domain.calls.values import CALL_KINDS
from unitboard.domain.commands import Command
from unitboard.domain.context import Context
from unitboard.domain.errors import DomainError
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, evolve
from unitboard.domain.pages.commands import AcknowledgePage, ResendPage
from unitboard.domain.pages.events import PageResent, PageSent
from unitboard.domain.pages.state import Pages
from unitboard.domain.pages.timers import still_resent
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.stays.commands import AssignNurse
from unitboard.store.codec import EventCodec

BEDS = ["4W-401-A", "4W-402-A", "4W-403-A", "ICU-1-A", "4W-404-A"]
"""Patients in the first four (4W-403-A and ICU-1-A with nobody assigned at first); the
last is empty."""
WAITS = [0, 0.5, 1, 30, 59, 60, 61, 119, 120, 180, 300, 361, 600, 900]
STAFF = ["noor", "nick", "casey", "sam", "ivy", "iris", "pat"]
ASSIGNABLE = ["noor", "nick", "ivy", "gil"]


class CallLadder(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ward = Ward()
        self.fired: list[Command] = []
        self.scheduled = False
        """The scheduler has run since the clock last moved (so nothing due is left)."""

    @initialize()
    def admit(self) -> None:
        self.ward.admit("E1", BEDS[0], nurse="noor")
        self.ward.admit("E2", BEDS[1], nurse="nick")
        self.ward.admit("E3", BEDS[2])
        self.ward.admit("E4", BEDS[3])

    # -- recording, checked --------------------------------------------------------------

    def run(self, command: Command, context: Context) -> list[Event]:
        try:
            events = self.ward.decide(command, context)
        except DomainError as refusal:
            assert refusal.message
            tally(f"refused {type(command).__name__}")
            return []
        tally(f"{'recorded' if events else 'nothing for'} {type(command).__name__}")
        self.check_before_recording(events)
        return self.ward.record(events)

    def check_before_recording(self, events: list[Event]) -> None:
        """Escalations only of unanswered lights, re-pages only of answered ones, re-sends
        only of open pages: as the state stands when they are recorded."""
        calls, pages = self.ward.state[Calls], self.ward.state[Pages]
        for event in events:
            if isinstance(event, CallLightEscalated):
                light = calls.active.get(event.call_id)
                raised_now = light is None and event.call_id not in calls.ended
                assert raised_now or (light is not None and light.status == "raised"), light
                assert light is None or event.step >= light.next_step, (event, light)
            if isinstance(event, CallLightRepaged):
                light = calls.active[event.call_id]
                assert light.status == "answered" and light.repage is None, light
            if isinstance(event, PageResent):
                assert event.page_id in pages.open, event

    # -- people at work -------------------------------------------------------------------

    @rule(bed=st.sampled_from(BEDS), kind=st.sampled_from(CALL_KINDS), desk=st.booleans())
    def raise_light(self, bed: str, kind: str, desk: bool) -> None:
        context = as_("sam") if desk else NURSE_CALL
        self.run(RaiseCallLight.model_validate({"bed_id": bed, "kind": kind}), context)

    def active_calls(self) -> list[str]:
        return sorted(self.ward.state[Calls].active)

    @precondition(lambda self: self.ward.state[Calls].active)
    @rule(data=st.data(), who=st.sampled_from(["sam", "casey", "noor"]))
    def answer(self, data: st.DataObject, who: str) -> None:
        call_id = data.draw(st.sampled_from(self.active_calls()), "call")
        self.run(AnswerCallLight(call_id=call_id, note="needs help"), as_(who))

    @precondition(lambda self: self.ward.state[Calls].active)
    @rule(data=st.data(), system=st.booleans())
    def clear(self, data: st.DataObject, system: bool) -> None:
        call_id = data.draw(st.sampled_from(self.active_calls()), "call")
        self.run(ClearCallLight(call_id=call_id), NURSE_CALL if system else as_("noor"))

    @precondition(lambda self: self.ward.state[Pages].open)
    @rule(data=st.data(), who=st.sampled_from(STAFF))
    def acknowledge(self, data: st.DataObject, who: str) -> None:
        page_id = data.draw(st.sampled_from(sorted(self.ward.state[Pages].open)), "page")
        self.run(AcknowledgePage(page_id=page_id), as_(who))

    @rule(encounter=st.sampled_from(["E3", "E4"]), nurse=st.sampled_from(ASSIGNABLE))
    def assign_nurse(self, encounter: str, nurse: str) -> None:
        self.run(AssignNurse(encounter_id=encounter, nurse=nurse), as_("casey"))

    # -- the clock and the scheduler --------------------------------------------------------

    @rule(seconds=st.sampled_from(WAITS))
    def time_passes(self, seconds: float) -> None:
        self.ward.advance(seconds)
        self.scheduled = self.scheduled and seconds == 0

    @rule()
    def scheduler_runs(self) -> None:
        """Fire what is due, soonest first, until nothing is due now."""
        for _ in range(200):
            ready = self.ward.due_now()
            if not ready:
                self.scheduled = True
                return
            command = ready[0].command
            assert self.run(command, SCHEDULER), f"{command!r} was due but recorded nothing"
            self.fired.append(command)
        raise AssertionError("something falls due again and again")

    @precondition(lambda self: self.fired)
    @rule(data=st.data())
    def fired_again(self, data: st.DataObject) -> None:
        """A second firing (a restart, a second process): records nothing."""
        command = data.draw(st.sampled_from(self.fired), "fired before")
        assert self.ward.decide(command, SCHEDULER) == [], command

    def answered_or_cleared(self) -> list[str]:
        calls = self.ward.state[Calls]
        answered = [c.call_id for c in calls.active.values() if c.status == "answered"]
        return sorted([*answered, *calls.ended])

    @precondition(lambda self: self.answered_or_cleared())
    @rule(data=st.data())
    def an_answered_or_cleared_light_is_not_escalated(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(self.answered_or_cleared()), "answered or cleared")
        for step in range(3):
            escalation = EscalateCallLight(call_id=call_id, step=step)
            assert self.ward.decide(escalation, SCHEDULER) == [], escalation

    @rule(data=st.data())
    def fired_out_of_turn(self, data: st.DataObject) -> None:
        """A system command for any light or page, any step or count: whatever it records
        keeps the invariants (an early firing pages its step, never a step twice)."""
        calls = sorted({*self.ward.state[Calls].active, *self.ward.state[Calls].ended})
        pages = sorted({*self.ward.state[Pages].open, *self.ward.state[Pages].closed})
        choices: list[Command] = [
            EscalateCallLight(call_id=c, step=s) for c in calls for s in (0, 1, 2)
        ]
        choices += [RepageCallLight(call_id=c) for c in calls]
        choices += [ResendPage(page_id=p, count=n) for p in pages for n in (1, 2)]
        if choices:
            self.run(data.draw(st.sampled_from(choices), "system command"), SCHEDULER)

    # -- invariants ---------------------------------------------------------------------------

    def every_event(self) -> list[Event]:
        return [event for event, _ in self.ward.log]

    @invariant()
    def never_two_pages_for_one_step(self) -> None:
        steps = Counter(
            (e.regarding, e.step)
            for e in self.every_event()
            if isinstance(e, PageSent) and e.step is not None
        )
        assert all(n == 1 for n in steps.values()), steps
        escalated = Counter(
            (e.call_id, e.step) for e in self.every_event() if isinstance(e, CallLightEscalated)
        )
        assert escalated == steps, (escalated, steps)
        repaged = Counter(e.call_id for e in self.every_event() if isinstance(e, CallLightRepaged))
        assert all(n == 1 for n in repaged.values()), repaged

    @invariant()
    def each_escalation_names_its_page(self) -> None:
        pages = self.ward.state[Pages]
        for light in [*self.ward.state[Calls].active.values()]:
            for step in light.escalations:
                page = pages.find(step.page_id)
                assert page is not None and page.regarding == light.call_id, (step, page)
                assert (page.to, page.step, page.sent_by) == (step.to, step.step, "system")

    @invariant()
    def every_due_step_has_fired_once_the_scheduler_ran(self) -> None:
        if not self.scheduled:
            return
        state, now = self.ward.state, self.ward.now
        policy = state[PolicyInForce].policy
        for light in state[Calls].active.values():
            raised = moment(light.raised_at)
            assert raised is not None
            if light.status == "raised":
                for step, rung in enumerate(ladder(state, light.priority)):
                    if raised + dt.timedelta(seconds=rung.after_seconds) <= now:
                        assert step < light.next_step, (light, step, now)
            answered = moment(light.answered_at)
            clear_by = (
                answered + dt.timedelta(minutes=policy.call_clear_minutes) if answered else None
            )
            if light.status == "answered" and clear_by is not None and clear_by <= now:
                assert light.repage is not None, (light, now)
        for page in state[Pages].open.values():
            last = moment(page.last_sent_at)
            assert last is not None
            if still_resent(state, page):
                period = policy.page_resend_seconds.of(page.priority)
                assert last + dt.timedelta(seconds=period) > now, (page, now)

    @invariant()
    def nothing_is_due_for_what_has_ended(self) -> None:
        state = self.ward.state
        for due in self.ward.due():
            command = due.command
            if isinstance(command, EscalateCallLight):
                assert state[Calls].active[command.call_id].status == "raised"
            elif isinstance(command, RepageCallLight):
                assert state[Calls].active[command.call_id].status == "answered"
            else:
                assert isinstance(command, ResendPage)
                assert command.page_id in state[Pages].open

    @invariant()
    def the_log_written_read_and_folded_from_scratch_equals_the_live_state(self) -> None:
        codec = EventCodec(self.ward.state.registry)
        replayed = Hospital()
        for event, at in self.ward.log:
            read = codec.decode(event.type, event.VERSION, codec.encode(event))
            assert read == event, event
            evolve(replayed, read, at)
        assert replayed == self.ward.state


TestCallLadder = CallLadder.TestCase
TestCallLadder.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
