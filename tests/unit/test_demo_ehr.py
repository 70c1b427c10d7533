"""The demo's EHR (`serve --demo --adt`) composes messages that fit the board: run on the demo
hospital, each message is planned by the feed's own mapping and applied through the real
domain, and none is refused; the house settles between 60 and 80% occupied; every kind of
message goes out, and a resent one changes nothing. It moves only its own patients: one a
newcomer admitted at the desk is never named."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from hl7_samples import EHR, run

from unitboard.demo.adt import OCCUPANCY, Ehr, held
from unitboard.demo.seed import demo_layout
from unitboard.domain.beds.state import Beds
from unitboard.domain.context import Context
from unitboard.domain.hospital import Hospital, decide, evolve
from unitboard.domain.layout.commands import LoadLayout
from unitboard.domain.stays.commands import AssignBed, MarkArrived, RequestAdmission
from unitboard.integrations.hl7.adt import plan
from unitboard.integrations.hl7.message import parse

AT = "2026-12-01T08:00:00+00:00"
STEPS = 1200
SETTLED = 300
"""Steps before the house is judged: it starts empty and fills at the feed's own pace."""


def demo_hospital() -> Hospital:
    state = Hospital()
    for event in decide(state, LoadLayout(toml=demo_layout()), Context("demo", "admin")):
        evolve(state, event, AT)
    return state


def occupancy(state: Hospital) -> float:
    beds = state[Beds].beds.values()
    return sum(1 for bed in beds if held(bed)) / len(beds)


def test_the_ehrs_messages_fit_the_board_and_keep_the_house_between_60_and_80_percent() -> None:
    state = demo_hospital()
    ehr = Ehr(random.Random(14))
    kinds: Counter[str] = Counter()
    shares: list[float] = []
    for step in range(STEPS):
        outgoing = ehr.next(state)
        if outgoing is None:  # nothing it drew fits the board this time
            kinds["nothing"] += 1
            continue
        kinds[outgoing.kind] += 1
        planned = plan(parse(outgoing.text.encode("utf-8")), state)
        events = run(state, planned)
        if outgoing.kind.endswith("(resent)"):
            assert events == [], "a resent message changed the board"
        else:
            assert events, f"{outgoing.kind} on {outgoing.where} changed nothing"
        if step >= SETTLED:
            shares.append(occupancy(state))

    low, high = OCCUPANCY
    assert low - 0.05 <= min(shares) and max(shares) <= high, (min(shares), max(shares))
    assert low <= sum(shares) / len(shares) <= high
    sent = {kind.removesuffix(" (resent)") for kind in kinds}
    assert sent >= {"ADT^A01", "ADT^A02", "ADT^A03", "ADT^A08", "ADT^A20 U", "ADT^A20 H"}
    assert any(kind.endswith("(resent)") for kind in kinds)
    assert kinds["nothing"] < STEPS // 10


def test_a_patient_the_newcomer_admitted_is_left_to_them() -> None:
    state = demo_hospital()
    desk = Context("secretary", "secretary")
    admission = RequestAdmission(
        encounter_id="E-NEW", mrn="MRN-NEW", family_name="Newcomer", given_name="Nia",
        birth_date=dt.date(1980, 1, 1), sex="F", unit_id="4W", source="ed",
        attending="Dr. Park",
    )  # fmt: skip
    for command in (
        admission,
        AssignBed(encounter_id="E-NEW", bed_id="4W-409-A"),
        MarkArrived(encounter_id="E-NEW"),
    ):
        for event in decide(state, command, desk):
            evolve(state, event, AT)
    ehr = Ehr(random.Random(7))
    own: set[str] = set()
    for _ in range(300):
        outgoing = ehr.next(state, own)
        if outgoing is None:
            continue
        assert (
            "E-NEW" not in outgoing.text
            and outgoing.where != "4W-409-A"
            or (outgoing.kind.startswith("ADT^A20"))
        )
        planned = plan(parse(outgoing.text.encode("utf-8")), state)
        for event in run(state, planned, EHR):
            if type(event).__name__ == "AdmissionRequested":
                own.add(event.encounter_id)  # type: ignore[attr-defined]
    assert state[Beds].beds["4W-409-A"].encounter_id == "E-NEW"
