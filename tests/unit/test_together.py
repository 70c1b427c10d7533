"""Commands decided together (an ADT message's few commands): the same events as deciding
each on a copy of the hospital with the earlier ones folded in, the same first refusal, and
the hospital itself never touched."""

from __future__ import annotations

import copy
from typing import Any

import all_commands as c
from builders import CHARGE, admitted, given, marked_dirty, reserved
from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st

from hospital import admission
from unitboard.domain.commands import Command
from unitboard.domain.errors import DomainError
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide
from unitboard.domain.stays.state import Stays
from unitboard.domain.together import Overlay, decide_together

AT = "2026-12-01T10:00:00+00:00"
BEDS = ["4W-401-A", "4W-401-B", "4W-402-A", "4W-403-A", "4W-403-B", "4W-403-C", "4W-404-A"]
BEDS += ["ICU-1-A", "ICU-2-A", "ICU-3-A", "ICU-3-B"]
ENCOUNTERS = ["E1", "E2", "E3", "E9"]


def ward() -> Hospital:
    """E1 in 4W-401-A, E2 in ICU-3-A, E3 waiting for 4W-403-B; 4W-402-A dirty."""
    return given(
        admitted("E1", "4W-401-A"),
        admitted("E2", "ICU-3-A", unit_id="ICU", sex="M"),
        reserved("E3", "4W-403-B"),
        marked_dirty("4W-402-A"),
    )


def reference(state: Hospital, commands: list[Command]) -> list[Event]:
    """Deciding one by one on a whole copy, folding each command's events before the next."""
    scratch = copy.deepcopy(state)
    events: list[Event] = []
    for command in commands:
        decided = decide(scratch, command, CHARGE)
        events += decided
        for event in decided:
            scratch.evolve(event, AT)
    return events


def outcome(run: Any) -> tuple[str, Any]:
    try:
        return ("events", run())
    except DomainError as refusal:
        return ("refused", (type(refusal), refusal.message))


encounter = st.sampled_from(ENCOUNTERS)
bed = st.sampled_from(BEDS)
sex = st.sampled_from(["F", "M"])
commands = st.one_of(
    st.builds(
        lambda e, u, s: c.RequestAdmission(**admission(e, unit_id=u, sex=s, mrn=f"M-{e}")),
        encounter,
        st.sampled_from(["4W", "ICU"]),
        sex,
    ),
    st.builds(lambda e, b: c.AssignBed(encounter_id=e, bed_id=b), encounter, bed),
    st.builds(lambda e: c.MarkArrived(encounter_id=e), encounter),
    st.builds(lambda e, b: c.MovePatient(encounter_id=e, bed_id=b), encounter, bed),
    st.builds(
        lambda e, u: c.RequestTransfer(encounter_id=e, to_unit_id=u, reason="step up"),
        encounter,
        st.sampled_from(["4W", "ICU"]),
    ),
    st.builds(lambda e, o: c.SwapBeds(encounter_id=e, other_encounter_id=o), encounter, encounter),
    st.builds(lambda e: c.DischargePatient(encounter_id=e), encounter),
    st.builds(lambda b: c.MarkBedClean(bed_id=b), bed),
    st.builds(lambda b: c.MarkBedDirty(bed_id=b), bed),
)


@settings(max_examples=400, deadline=None)
@for_all(st.lists(commands, min_size=1, max_size=4))
def test_together_decides_as_one_by_one_and_never_touches_the_hospital(
    plan: list[Command],
) -> None:
    state = ward()
    before = copy.deepcopy(state)

    together = outcome(lambda: decide_together(state, plan, CHARGE, AT))

    assert together == outcome(lambda: reference(state, plan))
    assert state == before


def test_an_admission_with_its_bed_and_arrival_is_one_change() -> None:
    state = ward()
    plan: list[Command] = [
        c.RequestAdmission(**admission("E7", mrn="M-7")),
        c.AssignBed(encounter_id="E7", bed_id="4W-403-A"),
        c.MarkArrived(encounter_id="E7"),
    ]

    events = decide_together(state, plan, CHARGE, AT)

    assert [type(e).__name__ for e in events] == [
        "AdmissionRequested",
        "BedAssigned",
        "PatientArrived",
    ]
    assert "E7" not in state[Stays].stays


def test_a_refusal_of_a_later_command_refuses_the_whole_change() -> None:
    state = ward()
    before = copy.deepcopy(state)
    plan: list[Command] = [
        c.RequestAdmission(**admission("E7", mrn="M-7")),
        c.AssignBed(encounter_id="E7", bed_id="4W-402-A"),  # dirty
        c.MarkArrived(encounter_id="E7"),
    ]

    refused = outcome(lambda: decide_together(state, plan, CHARGE, AT))

    assert refused[0] == "refused"
    assert "4W-402-A" in refused[1][1]
    assert state == before


def test_an_overlay_reads_through_and_keeps_its_changes() -> None:
    base = {"a": [1], "b": [2]}
    overlay: Overlay[str, list[int]] = Overlay(base, {})

    overlay["a"].append(9)
    overlay["c"] = [3]
    del overlay["b"]

    assert base == {"a": [1], "b": [2]}
    assert dict(overlay.items()) == {"a": [1, 9], "c": [3]}
    assert list(overlay) == ["a", "c"] and len(overlay) == 2
    assert "b" not in overlay and "c" in overlay
    assert overlay.values() == [[1, 9], [3]]
