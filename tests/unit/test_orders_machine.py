"""Orders under any interleaving (hypothesis, stateful), with the clock in the test's hands
and a co-sign deadline of 36 seconds: patients are admitted (some left waiting for a bed)
and leave; the secretary, the nurses and the charge nurse enter orders of every category,
mode and priority for pat or lee, typed right or with a slip or two (another patient's MRN,
a slip of a key, a birth date a day off, a heard order not read back, a directing provider
who is not one, a patient who has left); nurses acknowledge, the directing provider or the
other provider co-signs, a provider or the charge nurse discontinues; the clock moves, and
what `HOUSE.due` says is due is fired as the scheduler would. Every event is folded at the
clock's time, as the log records it.

Each command's outcome is foretold from the rules it breaks: refused exactly when it breaks
one, with a refusal of that rule's kind (the other provider's co-signature: NotAllowed, a
403), and a refusal changes nothing. Proven after every step, from the log: every order
entered carries the MRN and birth date of its stay; no medication was entered by a
secretary; every heard (verbal or telephone) order was read back; an order is co-signed at
most once; and an order is flagged overdue exactly when the scheduler ran at or after its
deadline (entered + cosign_deadline_hours) while it was still unsigned, at the first such
run, never after its co-signature, with one OrderOverdue and one page to its directing
provider."""

from __future__ import annotations

import datetime as dt
import pickle
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import event as tally
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from ward import SCHEDULER, STAFF, Ward, with_policy

from hospital import admission
from unitboard.domain.commands import Command
from unitboard.domain.context import Context, KnownPeople, Person
from unitboard.domain.errors import DomainError, InvalidInput, NotAllowed, NotFound, RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide
from unitboard.domain.orders.commands import (
    AcknowledgeOrder,
    CosignOrder,
    DiscontinueOrder,
    EnterOrder,
    MarkOrderOverdue,
)
from unitboard.domain.orders.events import (
    OrderAcknowledged,
    OrderCosigned,
    OrderDiscontinued,
    OrderEntered,
    OrderOverdue,
)
from unitboard.domain.orders.state import Order, Orders
from unitboard.domain.orders.values import CATEGORIES, MODES, PRIORITIES
from unitboard.domain.pages.events import PageSent
from unitboard.domain.stays.commands import (
    AssignBed,
    CancelAdmission,
    DischargePatient,
    MarkArrived,
    RequestAdmission,
)
from unitboard.domain.stays.state import Stay, Stays

HOURS = 0.01
DEADLINE = dt.timedelta(hours=HOURS)
"""36 seconds from an order's entry to its co-sign deadline."""
PEOPLE = KnownPeople([*STAFF, Person("lee", "Lee Provider", "provider", ("4W",))])
"""The ward's staff and a second provider, lee, beside pat."""
PROVIDERS = ["pat", "lee"]
ENTERING = ["sam", "sam", "noor", "nick", "casey"]
ACKNOWLEDGING = ["noor", "nick", "casey"]
DISCONTINUING = ["pat", "lee", "casey"]
SLIPS = [
    "another patient's MRN",
    "a slipped MRN",
    "a birth date a day off",
    "a heard order not read back",
    "a nurse as the directing provider",
    "a disabled provider",
    "a receiver nobody knows",
    "a patient who has left",
]
"""What can go wrong in entering an order."""
CATEGORIES_DRAWN = [*CATEGORIES, "medication", "medication"]
"""Medication more often than the rest: the one category a secretary may not enter."""
DETAILS = ["CBC and BMP in the morning", "Chest X-ray PA and lateral", "Up to chair TID"]
BIRTH_DATES = [dt.date(1950, 4, 2), dt.date(1961, 11, 30), dt.date(1988, 7, 14)]
BEDS = ["4W-401-A", "4W-401-B", "4W-402-A", "4W-403-A", "4W-403-B", "4W-404-A", "ICU-1-A"]
NEW_ENCOUNTERS = [f"E{n}" for n in range(1, 7)]
WAITS = [0, 1, 5, 20, 35, 36, 37, 60, 120, 600]


@dataclass(frozen=True)
class Entry:
    """What the one entering an order chooses, slips aside. `read_back`: ticked or not
    (a heard order's is ticked unless that is the slip); `spaced`: the MRN typed with spaces
    around it (they are ignored); `relayed`: heard by noor, whoever enters it."""

    by: str
    category: str
    mode: str
    priority: str
    directing: str
    detail: str
    read_back: bool
    spaced: bool
    relayed: bool


ENTRIES = st.builds(
    Entry,
    by=st.sampled_from(ENTERING),
    category=st.sampled_from(CATEGORIES_DRAWN),
    mode=st.sampled_from(MODES),
    priority=st.sampled_from(PRIORITIES),
    directing=st.sampled_from(PROVIDERS),
    detail=st.sampled_from(DETAILS),
    read_back=st.booleans(),
    spaced=st.booleans(),
    relayed=st.booleans(),
)


def as_(username: str) -> Context:
    person = PEOPLE.person(username)
    assert person is not None, username
    return Context(username, person.role, PEOPLE)


def snapshot(state: Hospital) -> bytes:
    """Every part of the hospital, pickled: compared byte for byte before and after a
    decision (several times cheaper than a deep copy, so more interleavings fit the time)."""
    return pickle.dumps((state.parts, state.position))


def moment(at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(at)


class OrdersFloor(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ward = Ward(with_policy(f"[policy]\ncosign_deadline_hours = {HOURS}\n"))
        self.admitted = 0
        self.runs: list[tuple[int, dt.datetime]] = []
        """Each time the scheduler ran: where the log stood when it started, and the time."""

    @initialize()
    def the_floor(self) -> None:
        """E1 in a bed with a telephone order from pat, read back; E2 waiting for a bed."""
        self.admit(BEDS[0], arrives=True)
        self.admit(None, arrives=False)
        first = {"encounter_id": "E1", "mrn": "MRN-E1", "birth_date": BIRTH_DATES[0]}
        first |= {"category": "lab", "detail": DETAILS[0], "mode": "telephone"}
        first |= {"directing_provider": "pat", "read_back": True}
        self.run(EnterOrder.model_validate(first), as_("noor"))

    # -- recording, checked --------------------------------------------------------------

    def run(
        self, command: Command, context: Context, refusals: Iterable[type[DomainError]] = ()
    ) -> list[Event]:
        """Decide and record; refused exactly when one of `refusals` (the kinds of the rules
        the command breaks) is foretold, with one of them, changing nothing."""
        foretold = set(refusals)
        name = type(command).__name__
        before, logged = snapshot(self.ward.state), len(self.ward.log)
        try:
            events = decide(self.ward.state, command, context)
        except DomainError as refusal:
            assert snapshot(self.ward.state) == before and len(self.ward.log) == logged, command
            assert refusal.message[:1].isupper() and refusal.message.endswith("."), refusal
            assert type(refusal) in foretold, (command, context.actor, refusal, foretold)
            tally(f"refused {name}: {type(refusal).__name__}")
            return []
        assert snapshot(self.ward.state) == before, "decide changed the state"
        assert not foretold, (command, context.actor, events, foretold)
        tally(f"{'recorded' if events else 'nothing for'} {name}")
        return self.ward.record(events)

    def stays(self) -> list[Stay]:
        part = self.ward.state[Stays]
        return [part.stays[encounter_id] for encounter_id in sorted(part.stays)]

    def orders(self) -> list[Order]:
        part = self.ward.state[Orders]
        return [part.orders[order_id] for order_id in sorted(part.orders)]

    def logged(self) -> list[Event]:
        return [event for event, _ in self.ward.log]

    # -- the patients ---------------------------------------------------------------------

    def admit(self, bed: str | None, arrives: bool) -> None:
        """The next new patient, each with a birth date of their own; into `bed` (arriving
        or not), or left waiting for one."""
        encounter_id = NEW_ENCOUNTERS[self.admitted]
        birth_date = BIRTH_DATES[self.admitted % len(BIRTH_DATES)].isoformat()
        self.admitted += 1
        unit_id = bed.split("-", 1)[0] if bed else "4W"
        request = admission(encounter_id, birth_date=birth_date, unit_id=unit_id)
        self.maybe(RequestAdmission.model_validate(request), as_("sam"))
        if bed is not None:
            self.maybe(AssignBed(encounter_id=encounter_id, bed_id=bed), as_("sam"))
            if arrives:
                self.maybe(MarkArrived(encounter_id=encounter_id), as_("sam"))

    def maybe(self, command: Command, context: Context) -> None:
        """A stay change the bed rules may refuse (the machine is about orders, not beds)."""
        try:
            self.ward.record(decide(self.ward.state, command, context))
        except DomainError:
            tally(f"beds refused {type(command).__name__}")

    @precondition(lambda self: self.admitted < len(NEW_ENCOUNTERS))
    @rule(bed=st.sampled_from([None, *BEDS]), arrives=st.booleans())
    def a_patient_is_admitted(self, bed: str | None, arrives: bool) -> None:
        self.admit(bed, arrives)

    @rule(data=st.data())
    def a_patient_leaves(self, data: st.DataObject) -> None:
        """Discharged from a bed, or the admission of one still waiting cancelled."""
        active = [stay for stay in self.stays() if stay.active]
        if not active:
            return
        stay = data.draw(st.sampled_from(active), "leaving")
        if stay.bed_id is None:
            leaves: Command = CancelAdmission(encounter_id=stay.encounter_id, reason="Elsewhere")
        else:
            leaves = DischargePatient(encounter_id=stay.encounter_id)
        self.maybe(leaves, as_("sam"))

    # -- entering ---------------------------------------------------------------------------

    @rule(data=st.data(), entry=ENTRIES)
    def an_order_is_entered(self, data: st.DataObject, entry: Entry) -> None:
        """Typed right from the requisition, for a patient here (for one who has left when
        nobody is); refused only when it is the secretary's medication."""
        self.enter(data, entry, [])

    @rule(data=st.data(), entry=ENTRIES, slip=st.sampled_from(SLIPS))
    def an_order_is_entered_with_a_slip(self, data: st.DataObject, entry: Entry, slip: str) -> None:
        """Refused, with the refusal of that slip's kind."""
        self.enter(data, entry, [slip])

    @rule(
        data=st.data(),
        entry=ENTRIES,
        slips=st.lists(st.sampled_from(SLIPS), min_size=2, max_size=2, unique=True),
    )
    def an_order_is_entered_with_two_slips(
        self, data: st.DataObject, entry: Entry, slips: list[str]
    ) -> None:
        """Both identifiers wrong, say: refused, with the refusal of one slip's kind."""
        self.enter(data, entry, slips)

    def enter(self, data: st.DataObject, entry: Entry, slips: list[str]) -> None:
        """`entry` typed with `slips`, refused exactly when it breaks a rule."""
        by, category, mode, directing = entry.by, entry.category, entry.mode, entry.directing
        read_back = entry.read_back
        stays = self.stays()
        left = [stay for stay in stays if not stay.active]
        here = [stay for stay in stays if stay.active]
        chosen = left if "a patient who has left" in slips and left else here or stays
        stay = data.draw(st.sampled_from(chosen), "stay")
        others = [other.mrn for other in stays if other.mrn != stay.mrn]
        mrn = stay.mrn
        if "another patient's MRN" in slips and others:
            mrn = others[0]
        elif "a slipped MRN" in slips or "another patient's MRN" in slips:
            mrn = f"{stay.mrn}0"
        birth_date = stay.birth_date
        if "a birth date a day off" in slips:
            birth_date += dt.timedelta(days=1)
        if "a heard order not read back" in slips:
            mode, read_back = ("telephone" if mode == "telephone" else "verbal"), False
        elif mode in ("verbal", "telephone"):
            read_back = True
        heard = mode in ("verbal", "telephone")
        if "a nurse as the directing provider" in slips:
            directing = "noor"
        elif "a disabled provider" in slips:
            directing = "gil"
        received_by = "noor" if entry.relayed else None
        if "a receiver nobody knows" in slips:
            received_by = "nobody"
        command = EnterOrder.model_validate(
            {
                "encounter_id": stay.encounter_id,
                "mrn": f"  {mrn} " if entry.spaced else mrn,
                "birth_date": birth_date,
                "category": category,
                "detail": entry.detail,
                "priority": entry.priority,
                "mode": mode,
                "directing_provider": directing,
                "read_back": read_back,
                "received_by": received_by,
            }
        )
        broken: list[type[DomainError]] = []
        if not stay.active:
            broken.append(RuleViolation)
        if mrn != stay.mrn or birth_date != stay.birth_date:
            broken.append(InvalidInput)
        if category == "medication" and as_(by).role == "secretary":
            broken.append(NotAllowed)
        if directing not in PROVIDERS:
            broken.append(NotFound)
        if heard and not read_back:
            broken.append(InvalidInput)
        if received_by is not None and PEOPLE.person(received_by) is None:
            broken.append(NotFound)
        for slip in slips or ["no slip"]:
            tally(f"entered with {slip}")
        events = self.run(command, as_(by), broken)
        if events:
            [entered] = events
            assert isinstance(entered, OrderEntered), events
            assert (entered.encounter_id, entered.by) == (stay.encounter_id, by), entered
            assert entered.received_by == (received_by or by), entered
            assert entered.directing_provider == directing, entered

    # -- acknowledging, co-signing, discontinuing -------------------------------------------

    @precondition(lambda self: self.ward.state[Orders].orders)
    @rule(data=st.data(), nurse=st.sampled_from(ACKNOWLEDGING))
    def a_nurse_acknowledges(self, data: st.DataObject, nurse: str) -> None:
        order = data.draw(st.sampled_from(self.orders()), "order")
        acknowledged_by = order.acknowledged_by
        stopped = not order.active
        broken: list[type[DomainError]] = []
        if stopped or acknowledged_by not in (None, nurse):
            broken.append(RuleViolation)
        events = self.run(AcknowledgeOrder(order_id=order.order_id), as_(nurse), broken)
        if not broken and acknowledged_by is None:
            assert [type(event) for event in events] == [OrderAcknowledged], events
        elif not broken:
            assert events == [], "a second tap records nothing"

    @precondition(lambda self: self.ward.state[Orders].orders)
    @rule(data=st.data(), directing=st.booleans())
    def a_provider_cosigns(self, data: st.DataObject, directing: bool) -> None:
        """The directing provider, or the other provider (who may not)."""
        order = data.draw(st.sampled_from(self.orders()), "order")
        provider = order.directing_provider
        if not directing:
            provider = next(p for p in PROVIDERS if p != order.directing_provider)
        signed = order.cosigned
        broken: list[type[DomainError]] = []
        if not directing:
            broken.append(NotAllowed)
        if signed:
            broken.append(RuleViolation)
        events = self.run(CosignOrder(order_id=order.order_id), as_(provider), broken)
        if not broken:
            assert [type(event) for event in events] == [OrderCosigned], events

    @precondition(lambda self: self.ward.state[Orders].orders)
    @rule(data=st.data(), by=st.sampled_from(DISCONTINUING))
    def an_order_is_discontinued(self, data: st.DataObject, by: str) -> None:
        order = data.draw(st.sampled_from(self.orders()), "order")
        broken: list[type[DomainError]] = [] if order.active else [RuleViolation]
        stop = DiscontinueOrder(order_id=order.order_id, reason="Plan changed")
        events = self.run(stop, as_(by), broken)
        if not broken:
            assert [type(event) for event in events] == [OrderDiscontinued], events

    # -- the clock and the scheduler --------------------------------------------------------

    @rule(seconds=st.sampled_from(WAITS), then_the_scheduler_runs=st.booleans())
    def time_passes(self, seconds: int, then_the_scheduler_runs: bool) -> None:
        """The clock moves; the scheduler runs at once, or not before some later step."""
        self.ward.advance(seconds)
        if then_the_scheduler_runs:
            self.scheduler_runs()

    @rule()
    def scheduler_runs(self) -> None:
        """What is due now is fired, soonest first, as the scheduler would."""
        self.runs.append((len(self.ward.log), self.ward.now))
        fired = self.ward.fire_due()
        if any(isinstance(event, OrderOverdue) for event in fired):
            tally("the scheduler flagged an order overdue")

    @precondition(lambda self: any(o.overdue_at or o.cosigned for o in self.orders()))
    @rule(data=st.data())
    def marked_again_later(self, data: st.DataObject) -> None:
        """The overdue mark of an order flagged or signed already, sent again at any time (a
        restart, a second process), records nothing."""
        settled = [o for o in self.orders() if o.overdue_at or o.cosigned]
        order = data.draw(st.sampled_from(settled), "order")
        assert self.run(MarkOrderOverdue(order_id=order.order_id), SCHEDULER) == []

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def every_order_entered_carries_the_identifiers_of_its_stay(self) -> None:
        stays = self.ward.state[Stays].stays
        for event in self.logged():
            if isinstance(event, OrderEntered):
                stay = stays[event.encounter_id]
                assert event.mrn == stay.mrn, (event, stay.mrn)
                assert event.birth_date == stay.birth_date.isoformat(), (event, stay.birth_date)

    @invariant()
    def no_secretary_entered_a_medication(self) -> None:
        for event in self.logged():
            if isinstance(event, OrderEntered) and event.category == "medication":
                assert as_(event.by).role != "secretary", event

    @invariant()
    def every_heard_order_was_read_back(self) -> None:
        for event in self.logged():
            if isinstance(event, OrderEntered) and event.mode in ("verbal", "telephone"):
                assert event.read_back, event

    @invariant()
    def an_order_is_cosigned_at_most_once(self) -> None:
        signed = Counter(e.order_id for e in self.logged() if isinstance(e, OrderCosigned))
        assert all(n == 1 for n in signed.values()), signed

    @invariant()
    def an_order_is_overdue_exactly_when_the_scheduler_found_it_past_its_deadline(self) -> None:
        """Flagged at the first run of the scheduler at or after its deadline that started
        while it was unsigned, and never otherwise."""
        entered: dict[str, tuple[int, dt.datetime]] = {}
        cosigned: dict[str, int] = {}
        flagged_at: dict[str, int] = {}
        for position, (event, recorded_at) in enumerate(self.ward.log):
            if isinstance(event, OrderEntered):
                entered[event.order_id] = (position, moment(recorded_at))
            elif isinstance(event, OrderCosigned):
                cosigned[event.order_id] = position
            elif isinstance(event, OrderOverdue):
                flagged_at[event.order_id] = position
        for order in self.orders():
            position, at = entered[order.order_id]
            deadline = at + DEADLINE
            signed = cosigned.get(order.order_id, len(self.ward.log))
            expected = next(
                (now for start, now in self.runs if position < start <= signed and deadline <= now),
                None,
            )
            flagged = None if order.overdue_at is None else moment(order.overdue_at)
            assert flagged == expected, (order, deadline, self.runs, signed)
            assert flagged_at.get(order.order_id, -1) < signed, "flagged after co-signature"
            if expected is not None:
                tally("an order turned overdue")
                if order.cosigned:
                    tally("an overdue order was signed late")

    @invariant()
    def an_overdue_order_has_one_flag_and_one_page_to_its_directing_provider(self) -> None:
        flags: dict[str, list[OrderOverdue]] = {}
        pages: dict[str, list[PageSent]] = {}
        for event in self.logged():
            if isinstance(event, OrderOverdue):
                flags.setdefault(event.order_id, []).append(event)
            elif isinstance(event, PageSent) and event.regarding_kind == "order":
                pages.setdefault(event.regarding or "", []).append(event)
        assert set(pages) <= set(flags), (pages, flags)
        for order in self.orders():
            flagged, paged = flags.get(order.order_id, []), pages.get(order.order_id, [])
            assert len(flagged) == (order.overdue_at is not None), flagged
            assert len(paged) == len(flagged), (flagged, paged)
            for flag, page in zip(flagged, paged, strict=True):
                assert moment(flag.due_at) == moment(order.entered_at) + DEADLINE, flag
                assert (page.page_id, page.to) == (flag.page_id, order.directing_provider), page
                assert (page.recipient, page.regarding) == ("person", order.order_id), page


TestOrdersFloor = OrdersFloor.TestCase
TestOrdersFloor.settings = settings(
    max_examples=80,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
