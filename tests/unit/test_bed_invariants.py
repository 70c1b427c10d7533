"""The bed invariants under any sequence of commands (hypothesis, stateful).

A small hospital (see builders.py: two units, one mixing sexes; private, shared 2- and
3-bed, and negative-pressure rooms) is driven by random bed and stay commands whose ids
come from the existing ones and a few unknown ones. Accepted commands' events are folded
with `evolve`; after every step the invariants below must hold.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import all_commands as c
from builders import CHARGE, layout_events
from hypothesis import HealthCheck, settings
from hypothesis import event as tally
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from hospital import BED_IDS
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.beds.events import BedCleanUndone, BedMarkedDirty
from unitboard.domain.beds.state import Bed, Beds
from unitboard.domain.errors import DomainError
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide, evolve
from unitboard.domain.layout.state import Layout
from unitboard.domain.stays.placement import room_conflicts, stays_in_room
from unitboard.domain.stays.state import Stay, Stays
from unitboard.domain.values import EvsPriority
from unitboard.store.codec import EventCodec

NEW_ENCOUNTERS = ["E1", "E2", "E3", "E4", "E5", "E6", "E7"]
UNKNOWN_ENCOUNTER = "E-404"
MRNS = ["M1", "M2", "M3", "M4", "M5"]
UNKNOWN_BED = "4W-499-Z"
UNITS = ["4W", "ICU"]
UNKNOWN_UNIT = "OR"
TIMES = [
    dt.datetime(2025, 3, 2, 11, 0, tzinfo=dt.UTC),
    dt.datetime(2025, 3, 2, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    dt.datetime(2025, 3, 3, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
]
SEXES = ["F", "M", "X", "U"]
ISOLATIONS = ["none", "none", "none", "none", "contact", "droplet", "airborne"]
REASONS = ["maintenance", "isolation", "staffing", "contaminated"]
PRIORITIES: list[EvsPriority | None] = [None, "stat", "clean_next"]

# Accepted commands that, decided again at once, must record nothing.
IDEMPOTENT = (c.UpdatePatient, c.AssignNurse, c.MarkBedDirty, c.BlockBed)


# How often each command is drawn: the placement flow above the rest.
WEIGHTS = {
    "admit_patient": 3,
    "request_admission": 4,
    "assign_bed": 5,
    "mark_arrived": 4,
    "move_patient": 2,
    "swap_beds": 2,
    "request_transfer": 2,
    "order_discharge": 1,
    "discharge_patient": 2,
    "cancel_admission": 1,
    "cancel_transfer": 1,
    "cancel_discharge": 2,
    "update_patient": 2,
    "assign_nurse": 1,
    "mark_bed_dirty": 1,
    "start_cleaning": 2,
    "mark_bed_clean": 2,
    "undo_bed_clean": 1,
    "block_bed": 1,
    "unblock_bed": 1,
}
WEIGHTED_COMMANDS = [name for name, weight in WEIGHTS.items() for _ in range(weight)]


def conflicts(state: Hospital) -> set[tuple[str, str]]:
    return {
        (room_id, problem)
        for room_id in state[Layout].rooms
        for problem in room_conflicts(state, room_id)
    }


def free(bed: Bed) -> bool:
    return bed.encounter_id is None and bed.cleanliness == "clean" and bed.blocked is None


def placeable(stay: Stay) -> bool:
    return stay.status == "pending" or (stay.active and stay.transfer_to_unit_id is not None)


def in_bed(stay: Stay) -> bool:
    return stay.status == "admitted"


def active(stay: Stay) -> bool:
    return stay.active


class BedBoard(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = Hospital()
        self.log: list[tuple[Event, str]] = []
        self.clock = 0

    def record(self, events: list[Event]) -> None:
        for event in events:
            self.clock += 1
            at = f"2025-03-01T{self.clock // 60 % 24:02d}:{self.clock % 60:02d}:00+00:00"
            evolve(self.state, event, at)
            self.log.append((event, at))

    @initialize()
    def build_hospital(self) -> None:
        self.record(layout_events())

    # -- drawing ids ------------------------------------------------------------------

    def encounter(
        self,
        data: st.DataObject,
        likely: Callable[[Stay], bool] = lambda stay: True,
        label: str = "encounter",
        pool: list[str] | None = None,
    ) -> str:
        """Mostly an encounter the command will likely take, else any existing one or an
        unknown one: the refusals get their share. With `pool`, mostly a new one."""
        if pool is not None:
            fitting = [e for e in pool if e not in self.state[Stays].stays]
        else:
            fitting = sorted(e for e, stay in self.state[Stays].stays.items() if likely(stay))
        if fitting and data.draw(st.integers(0, 3), f"{label}: fitting?") > 0:
            return data.draw(st.sampled_from(fitting), label)
        if pool is not None:
            return data.draw(st.sampled_from(pool), label)
        return data.draw(
            st.sampled_from([*sorted(self.state[Stays].stays), UNKNOWN_ENCOUNTER]), label
        )

    def bed(self, data: st.DataObject, likely: Callable[[Bed], bool] = lambda bed: True) -> str:
        fitting = sorted(b for b, bed in self.state[Beds].beds.items() if likely(bed))
        if fitting and data.draw(st.integers(0, 3), "bed: fitting?") > 0:
            return data.draw(st.sampled_from(fitting), "bed")
        return data.draw(st.sampled_from([*BED_IDS, UNKNOWN_BED]), "bed")

    def place_for(self, data: st.DataObject, encounter_id: str) -> str:
        """A bed for a placement: mostly a free one in the unit the patient is headed for,
        often in a room someone already holds (that is where the room rules bite)."""
        stay = self.state[Stays].stays.get(encounter_id)
        if stay is None or not data.draw(st.integers(0, 3), "bed: aimed?"):
            return self.bed(data, free)
        unit_id = stay.transfer_to_unit_id or stay.unit_id
        fitting = [b for b in self.state[Beds].beds.values() if free(b) and b.unit_id == unit_id]
        shared = [b for b in fitting if stays_in_room(self.state, b.room_id)]
        if shared and data.draw(st.booleans(), "bed: a shared room?") is True:
            fitting = shared
        if not fitting:
            return self.bed(data, free)
        return data.draw(st.sampled_from(sorted(b.bed_id for b in fitting)), "bed")

    def unit(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from([*UNITS, *UNITS, UNKNOWN_UNIT]), "unit")

    # -- one step ---------------------------------------------------------------------

    def run(self, command: c.Command) -> None:
        before = copy.deepcopy(self.state)
        conflicts_before = conflicts(self.state)
        try:
            events = decide(self.state, command, CHARGE)
        except DomainError as refusal:
            assert refusal.message, "a refusal must say why"
            assert self.state == before, f"refused {command!r} changed the state"
            tally(f"refused {type(command).__name__}")
            return
        tally(f"accepted {type(command).__name__}")
        assert self.state == before, f"deciding {command!r} changed the state"
        writes = HOUSE.commands[type(command).__name__].writes
        streams = {event.stream_id.split("-", 1)[0] for event in events}
        assert streams <= writes, f"{command!r} wrote to {streams - writes}, not declared"
        self.record(events)
        self.check_cleaning(before, events)
        if not isinstance(command, c.UpdatePatient):
            # An update records a clinical fact even if the room then breaks a rule;
            # every other command must never create a conflict.
            new = conflicts(self.state) - conflicts_before
            assert not new, f"{command!r} created room conflicts {new}"
        if isinstance(command, IDEMPOTENT):
            assert decide(self.state, command, CHARGE) == [], f"{command!r} is not idempotent"

    # -- the commands -----------------------------------------------------------------

    def do_request_admission(self, data: st.DataObject) -> None:
        self.run(
            c.RequestAdmission(
                encounter_id=self.encounter(data, label="new encounter", pool=NEW_ENCOUNTERS),
                mrn=data.draw(st.sampled_from(MRNS), "mrn"),
                family_name="Doe",
                given_name=data.draw(st.sampled_from(["Jane", "John"]), "given"),
                birth_date=dt.date(1960, 1, 1),
                sex=data.draw(st.sampled_from(SEXES), "sex"),
                unit_id=self.unit(data),
                source="ed",
                attending="Dr. Who",
                isolation=data.draw(st.sampled_from(ISOLATIONS), "isolation"),
            )
        )

    def do_admit_patient(self, data: st.DataObject) -> None:
        """A whole admission, three commands in a row: keeps the beds populated."""
        known = set(self.state[Stays].stays)
        self.do_request_admission(data)
        new = set(self.state[Stays].stays) - known
        if new:
            (encounter_id,) = new
            bed_id = self.place_for(data, encounter_id)
            self.run(c.AssignBed(encounter_id=encounter_id, bed_id=bed_id))
            self.run(c.MarkArrived(encounter_id=encounter_id))

    def do_assign_bed(self, data: st.DataObject) -> None:
        encounter_id = self.encounter(data, placeable)
        self.run(c.AssignBed(encounter_id=encounter_id, bed_id=self.place_for(data, encounter_id)))

    def do_mark_arrived(self, data: st.DataObject) -> None:
        self.run(
            c.MarkArrived(
                encounter_id=self.encounter(data, lambda s: s.reserved_bed_id is not None)
            )
        )

    def do_move_patient(self, data: st.DataObject) -> None:
        encounter_id = self.encounter(data, in_bed)
        self.run(
            c.MovePatient(encounter_id=encounter_id, bed_id=self.place_for(data, encounter_id))
        )

    def do_swap_beds(self, data: st.DataObject) -> None:
        self.run(
            c.SwapBeds(
                encounter_id=self.encounter(data, in_bed),
                other_encounter_id=self.encounter(data, in_bed, "other encounter"),
            )
        )

    def do_request_transfer(self, data: st.DataObject) -> None:
        self.run(
            c.RequestTransfer(
                encounter_id=self.encounter(data, in_bed),
                to_unit_id=self.unit(data),
                reason="step",
            )
        )

    def do_order_discharge(self, data: st.DataObject) -> None:
        expected = data.draw(st.none() | st.sampled_from(TIMES), "expected")
        self.run(c.OrderDischarge(encounter_id=self.encounter(data, in_bed), expected_at=expected))

    def do_discharge_patient(self, data: st.DataObject) -> None:
        self.run(c.DischargePatient(encounter_id=self.encounter(data, in_bed)))

    def do_cancel_admission(self, data: st.DataObject) -> None:
        self.run(c.CancelAdmission(encounter_id=self.encounter(data, active), reason="error"))

    def do_cancel_transfer(self, data: st.DataObject) -> None:
        self.run(
            c.CancelTransfer(
                encounter_id=self.encounter(data, lambda s: s.transfer_to_unit_id is not None),
                reason="error",
            )
        )

    def do_cancel_discharge(self, data: st.DataObject) -> None:
        self.run(
            c.CancelDischarge(
                encounter_id=self.encounter(
                    data, lambda s: s.status == "discharged" or s.discharge_ordered
                ),
                reason="stays",
            )
        )

    def do_update_patient(self, data: st.DataObject) -> None:
        fields: dict[str, Any] = data.draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "sex": st.sampled_from(SEXES),
                    "isolation": st.sampled_from(ISOLATIONS),
                    "fall_risk": st.booleans(),
                    "confidential": st.booleans(),
                    "expected_discharge": st.sampled_from(TIMES),
                    "given_name": st.sampled_from(["Jane", "John"]),
                    "birth_date": st.sampled_from([dt.date(1960, 1, 1), dt.date(1961, 2, 3)]),
                    "attending": st.sampled_from(["Dr. Who", "Dr. No"]),
                },
            ),
            "changes",
        )
        self.run(c.UpdatePatient(encounter_id=self.encounter(data, active), **fields))

    def do_assign_nurse(self, data: st.DataObject) -> None:
        nurse = data.draw(st.sampled_from(["nurse", "nurse2", "charge", "gone", "nobody"]), "nurse")
        self.run(c.AssignNurse(encounter_id=self.encounter(data, active), nurse=nurse))

    def do_mark_bed_dirty(self, data: st.DataObject) -> None:
        priority = data.draw(st.sampled_from(PRIORITIES), "priority")
        terminal = data.draw(st.booleans(), "terminal")
        self.run(c.MarkBedDirty(bed_id=self.bed(data), priority=priority, terminal=terminal))

    def do_start_cleaning(self, data: st.DataObject) -> None:
        self.run(c.StartCleaning(bed_id=self.bed(data, lambda b: b.cleanliness == "dirty")))

    def do_mark_bed_clean(self, data: st.DataObject) -> None:
        self.run(c.MarkBedClean(bed_id=self.bed(data, lambda b: b.cleanliness == "cleaning")))

    def do_undo_bed_clean(self, data: st.DataObject) -> None:
        self.run(c.UndoBedClean(bed_id=self.bed(data, lambda b: b.last_clean is not None)))

    def do_block_bed(self, data: st.DataObject) -> None:
        reason = data.draw(st.sampled_from(REASONS), "reason")
        until = data.draw(st.none() | st.sampled_from(TIMES), "until")
        self.run(c.BlockBed(bed_id=self.bed(data), reason=reason, until=until))

    def do_unblock_bed(self, data: st.DataObject) -> None:
        self.run(c.UnblockBed(bed_id=self.bed(data, lambda b: b.blocked is not None)))

    def check_cleaning(self, before: Hospital, events: list[Event]) -> None:
        """A bed a patient on isolation precautions leaves needs a terminal clean; an undone
        clean puts the bed back as it was before that clean."""
        beds = self.state[Beds].beds
        for event in events:
            if isinstance(event, BedMarkedDirty) and event.reason == "vacated":
                left_by = before[Stays].stays[before[Beds].beds[event.bed_id].encounter_id or ""]
                assert event.terminal == left_by.isolated, (event, left_by)
                assert beds[event.bed_id].terminal or not left_by.isolated
            if isinstance(event, BedCleanUndone):
                last = before[Beds].beds[event.bed_id].last_clean
                assert last is not None, event
                bed = beds[event.bed_id]
                now = (bed.cleanliness, bed.evs_priority, bed.terminal, bed.dirty_since)
                assert now == ("dirty", last.priority, last.terminal, last.dirty_since), bed

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """One command, the placement flow weighted above the rest."""
        name = data.draw(st.sampled_from(WEIGHTED_COMMANDS), "command")
        getattr(self, f"do_{name}")(data)

    # -- invariants -------------------------------------------------------------------

    @invariant()
    def a_bed_and_its_patient_agree_both_ways(self) -> None:
        state = self.state
        for bed in state[Beds].beds.values():
            if bed.occupancy == "vacant":
                assert bed.encounter_id is None, bed
                continue
            assert bed.encounter_id in state[Stays].stays, bed
            stay = state[Stays].stays[bed.encounter_id]
            if bed.occupancy == "occupied":
                assert stay.bed_id == bed.bed_id, (bed, stay)
            else:
                assert stay.reserved_bed_id == bed.bed_id, (bed, stay)
        for stay in state[Stays].stays.values():
            if stay.bed_id is not None:
                bed = state[Beds].beds[stay.bed_id]
                assert (bed.occupancy, bed.encounter_id) == ("occupied", stay.encounter_id)
                assert stay.unit_id == bed.unit_id, (stay, bed)
            if stay.reserved_bed_id is not None:
                bed = state[Beds].beds[stay.reserved_bed_id]
                assert (bed.occupancy, bed.encounter_id) == ("reserved", stay.encounter_id)
                assert stay.reserved_bed_id != stay.bed_id

    @invariant()
    def no_bed_holds_two_patients_and_no_patient_two_beds_of_a_kind(self) -> None:
        holding = Counter(
            (bed.encounter_id, bed.occupancy)
            for bed in self.state[Beds].beds.values()
            if bed.encounter_id is not None
        )
        assert all(n == 1 for n in holding.values()), holding

    @invariant()
    def only_clean_unblocked_beds_hold_patients(self) -> None:
        for bed in self.state[Beds].beds.values():
            if bed.occupancy == "occupied":
                assert bed.cleanliness == "clean" and bed.blocked is None, bed
            elif bed.occupancy == "reserved":
                # EVS may find a reserved bed soiled (MarkBedDirty); the arrival then
                # waits until it is clean. A reserved bed is never blocked.
                assert bed.blocked is None, bed

    @invariant()
    def cleaning_facts_agree_with_cleanliness(self) -> None:
        """Only a bed not yet clean needs a terminal clean; only one being cleaned has a
        cleaner; only a clean one remembers its last clean (which an undo restores)."""
        for bed in self.state[Beds].beds.values():
            if bed.cleanliness == "clean":
                assert not bed.terminal and bed.dirty_since is None, bed
            else:
                assert bed.last_clean is None and bed.dirty_since is not None, bed
            being_cleaned = bed.cleanliness == "cleaning"
            assert (bed.cleaning_since is not None) == being_cleaned, bed
            assert bed.cleaning_by == ("Casey Charge" if being_cleaned else None), bed

    @invariant()
    def stays_hold_beds_as_their_status_says(self) -> None:
        for stay in self.state[Stays].stays.values():
            if not stay.active:
                assert stay.bed_id is None and stay.reserved_bed_id is None, stay
                assert stay.transfer_to_unit_id is None and not stay.discharge_ordered, stay
            elif stay.status == "pending":
                assert stay.bed_id is None and stay.transfer_to_unit_id is None, stay
            else:
                assert stay.bed_id is not None, stay
                if stay.reserved_bed_id is not None:
                    # An admitted patient holds a second bed only for a pending transfer.
                    assert stay.transfer_to_unit_id is not None, stay
                    reserved_unit = self.state[Beds].beds[stay.reserved_bed_id].unit_id
                    assert reserved_unit == stay.transfer_to_unit_id, stay

    @invariant()
    def open_stays_are_exactly_the_active_ones(self) -> None:
        active = {e: s for e, s in self.state[Stays].stays.items() if s.active}
        assert self.state[Stays].open_stays == active
        assert all(self.state[Stays].open_stays[e] is s for e, s in active.items())

    @invariant()
    def one_active_stay_per_mrn(self) -> None:
        active = Counter(s.mrn for s in self.state[Stays].stays.values() if s.active)
        assert all(n == 1 for n in active.values()), active

    @invariant()
    def the_log_written_read_and_folded_from_scratch_equals_the_live_state(self) -> None:
        codec = EventCodec(self.state.registry)
        replayed = Hospital()
        for event, at in self.log:
            stored = codec.encode(event)
            read = codec.decode(event.type, event.VERSION, stored)
            assert read == event, (event, stored)
            evolve(replayed, read, at)
        assert replayed == self.state


TestBedBoard = BedBoard.TestCase
TestBedBoard.settings = settings(
    max_examples=200,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
