"""The ADT feed as commands: what an admit, transfer, discharge or correction from the EHR
asks of the board, chosen from the hospital as it stands.

`plan` reads one message and the write model and returns the commands (the same the API
takes) that make the board say what the message says. It does not apply them: they go
through the command service with the integration role, so every domain rule refuses a
message exactly as it refuses a person. What `plan` refuses itself is what only the message
can tell: a field missing or unreadable, a place not in the layout, a message that comes
before the one it follows (an A02 for an encounter the board never saw).

An empty plan means the board already says what the message says (a resent A01, an A03 for
a discharged encounter): the ACK is `AA` and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hl7
from pydantic import ValidationError

from unitboard.domain.aggregates import HOUSE
from unitboard.domain.beds.state import Bed, Beds
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.stays.state import Stay, Stays
from unitboard.domain.values import BlockKind
from unitboard.integrations.hl7.fields import (
    Location,
    attending,
    bed_of,
    carried,
    confidential,
    confidentiality,
    encounter_id,
    location,
    mrn,
    patient,
    required,
    source,
    visit_location,
)
from unitboard.integrations.hl7.message import first, segment_text, segments, text
from unitboard.integrations.hl7.refusals import (
    APPLICATION_ERROR,
    DATA_TYPE_ERROR,
    DUPLICATE_KEY,
    REQUIRED_FIELD_MISSING,
    TABLE_VALUE_NOT_FOUND,
    UNKNOWN_KEY,
    UNSUPPORTED_EVENT,
    UNSUPPORTED_MESSAGE_TYPE,
    UNSUPPORTED_VERSION,
    Refused,
    Unsupported,
)

__all__ = ["COMMANDS", "EVENTS", "Plan", "Refused", "Step", "Unsupported", "plan"]

Step = tuple[str, dict[str, Any]]

OLDEST_VERSION = (2, 3)
NEWEST_VERSION = (2, 8)


COMMANDS = frozenset(
    {
        "RequestAdmission",
        "AssignBed",
        "MarkArrived",
        "MovePatient",
        "SwapBeds",
        "RequestTransfer",
        "CancelTransfer",
        "DischargePatient",
        "CancelAdmission",
        "CancelDischarge",
        "UpdatePatient",
        "MarkBedDirty",
        "StartCleaning",
        "MarkBedClean",
        "BlockBed",
        "UnblockBed",
    }
)
"""Every command a plan may hold: the integration role must be allowed each."""


@dataclass(frozen=True)
class Plan:
    event: str
    """The message type and trigger, as "ADT^A01"."""
    steps: list[Step]
    """(command name, JSON-ready data), applied together in this order; empty when the board
    already says what the message says."""
    note: str
    """What the plan does, for the log: encounter and bed ids, never a patient's name."""


# -- the message as a whole ----------------------------------------------------------------


def plan(message: hl7.Message, state: Hospital) -> Plan:
    """The commands that make the board say what `message` says; raises `Unsupported` or
    `Refused`."""
    kind, trigger = text(message, "MSH.9.1").upper(), text(message, "MSH.9.2").upper()
    trigger = trigger or text(message, "EVN.1").upper()
    if kind == "ACK":
        raise Unsupported(
            "unitboard takes ADT messages; an ACK needs no answer.", UNSUPPORTED_MESSAGE_TYPE
        )
    if kind != "ADT":
        raise Unsupported(
            f"unitboard takes ADT messages only, not {kind or 'a message with no type in MSH-9'}.",
            UNSUPPORTED_MESSAGE_TYPE,
        )
    check_version(text(message, "MSH.12.1"))
    handler = EVENTS.get(trigger)
    if handler is None:
        raise Unsupported(
            f"unitboard does not take ADT^{trigger or '(no trigger event)'}; it takes "
            f"{', '.join(EVENTS)}.",
            UNSUPPORTED_EVENT,
        )
    event = f"ADT^{trigger}"
    steps, note = handler(message, state)
    return Plan(event=event, steps=[validated(step) for step in steps], note=f"{event}: {note}")


def check_version(version: str) -> None:
    parts = version.split(".")
    try:
        major_minor = (int(parts[0]), int(parts[1]))
    except (IndexError, ValueError):
        raise Unsupported(
            f"MSH-12 gives no HL7 version unitboard can read ({version or 'empty'}); "
            "send 2.5.1 (2.3 to 2.8 are taken).",
            UNSUPPORTED_VERSION,
        ) from None
    if not OLDEST_VERSION <= major_minor <= NEWEST_VERSION:
        raise Unsupported(
            f"HL7 version {version} is not taken; send 2.5.1 (2.3 to 2.8 are taken).",
            UNSUPPORTED_VERSION,
        )


def validated(step: Step) -> Step:
    """`step` as the command service will check it, so a value too long or a date that does
    not exist is refused here with the field named, before anything is applied."""
    name, data = step
    spec = HOUSE.spec(name)
    assert spec is not None and name in COMMANDS, name
    try:
        spec.model.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise Refused(
            f"The message gives {name} an invalid {where}: {problem['msg']}.", DATA_TYPE_ERROR
        ) from None
    return step


# -- the stay a message is about -----------------------------------------------------------


def known_stay(state: Hospital, encounter: str, event: str) -> Stay:
    """The stay the message is about; a message about an encounter the board never saw came
    before the one that admits it (or is for another system)."""
    stay = state[Stays].stays.get(encounter)
    if stay is None:
        raise Refused(
            f"Encounter {encounter} is not on the board, so the {event} cannot apply; "
            "send its admission (A01, A04 or A05) first.",
            UNKNOWN_KEY,
        )
    return stay


def same_patient(stay: Stay, message_mrn: str) -> None:
    if stay.mrn != message_mrn:
        raise Refused(
            f"Encounter {stay.encounter_id} belongs to another patient than the one in PID-3; "
            "unitboard does not move an encounter between patients.",
            DUPLICATE_KEY,
        )


def closed(stay: Stay, event: str) -> Refused:
    how = "was discharged" if stay.status == "discharged" else "was cancelled"
    return Refused(
        f"Encounter {stay.encounter_id} {how}, so the {event} cannot apply; "
        + (
            "send A13 to cancel the discharge first."
            if stay.status == "discharged"
            else "admit the patient under a new visit number."
        ),
        APPLICATION_ERROR,
    )


# -- the events ------------------------------------------------------------------------------


Handler = Callable[[hl7.Message, Hospital], tuple[list[Step], str]]


def admit(message: hl7.Message, state: Hospital) -> tuple[list[Step], str]:
    """A01: the admission, the bed and the arrival; for an encounter already pending (from
    A04 or A05), the bed and the arrival."""
    pid, pv1 = first(message, "PID"), first(message, "PV1")
    encounter, who = encounter_id(pv1), patient(pid)
    where = visit_location(state, pv1)
    stay = state[Stays].stays.get(encounter)
    if stay is None:
        steps: list[Step] = [("RequestAdmission", admission(message, encounter, who, where))]
        if where.bed_id is None:
            return steps, f"admit {encounter} to {where.unit_id}, no bed named yet"
        steps += [
            ("AssignBed", {"encounter_id": encounter, "bed_id": where.bed_id}),
            ("MarkArrived", {"encounter_id": encounter}),
        ]
        return steps, f"admit {encounter} to bed {where.bed_id}"
    same_patient(stay, who["mrn"])
    if stay.status == "admitted":
        if where.bed_id in (None, stay.bed_id):
            return [], f"{encounter} is already admitted in bed {stay.bed_id}"
        raise Refused(
            f"Encounter {encounter} is already admitted in bed {stay.bed_id}; send an A02 "
            f"transfer to move the patient to bed {where.bed_id}.",
            APPLICATION_ERROR,
        )
    if stay.status != "pending":
        raise closed(stay, "A01")
    bed_id = where.bed_id or stay.reserved_bed_id
    if bed_id is None:
        raise Refused(
            f"Encounter {encounter} is waiting for a bed; the A01 needs the bed in PV1-3.",
            REQUIRED_FIELD_MISSING,
        )
    steps = protection(message, pv1, stay)
    if stay.reserved_bed_id != bed_id:
        steps.append(("AssignBed", assignment(encounter, bed_id)))
    steps.append(("MarkArrived", {"encounter_id": encounter}))
    return steps, f"{encounter} arrives in bed {bed_id}"


def protection(message: hl7.Message, pv1: hl7.Segment | None, stay: Stay) -> list[Step]:
    """An UpdatePatient when the message says the patient is (or no longer is) confidential
    and the board says otherwise; nothing when the message leaves it out."""
    wanted = confidentiality(message, pv1)
    if wanted is None or wanted == stay.confidential:
        return []
    return [("UpdatePatient", {"encounter_id": stay.encounter_id, "confidential": wanted})]


def assignment(encounter: str, bed_id: str) -> dict[str, Any]:
    return {"encounter_id": encounter, "bed_id": bed_id}


def admission(
    message: hl7.Message, encounter: str, who: dict[str, Any], where: Location
) -> dict[str, Any]:
    pv1 = first(message, "PV1")
    return {
        "encounter_id": encounter,
        **who,
        "unit_id": where.unit_id,
        "source": source(pv1),
        "attending": attending(pv1),
        "confidential": confidential(message, pv1),
    }


def preadmit(message: hl7.Message, state: Hospital) -> tuple[list[Step], str]:
    """A04 (register) and A05 (pre-admit): a pending admission; a bed in PV1-3 is reserved."""
    pid, pv1 = first(message, "PID"), first(message, "PV1")
    encounter, who = encounter_id(pv1), patient(pid)
    where = visit_location(state, pv1)
    stay = state[Stays].stays.get(encounter)
    if stay is None:
        steps: list[Step] = [("RequestAdmission", admission(message, encounter, who, where))]
        if where.bed_id is not None:
            steps.append(("AssignBed", assignment(encounter, where.bed_id)))
            return steps, f"pending admission of {encounter}, bed {where.bed_id} reserved"
        return steps, f"pending admission of {encounter} to {where.unit_id}"
    same_patient(stay, who["mrn"])
    if stay.status == "admitted":
        raise Refused(
            f"Encounter {encounter} is already admitted in bed {stay.bed_id}; a pre-admission "
            "no longer applies (send A08 to update the patient).",
            APPLICATION_ERROR,
        )
    if stay.status != "pending":
        raise closed(stay, "pre-admission")
    if where.bed_id is None or where.bed_id == stay.reserved_bed_id:
        return [], f"{encounter} is already pending"
    return [("AssignBed", assignment(encounter, where.bed_id))], (
        f"bed {where.bed_id} reserved for {encounter}"
    )


def move_to(
    state: Hospital, stay: Stay, bed_id: str, why: str, *, cancelled: bool = False
) -> list[Step]:
    """The commands that put an admitted patient in `bed_id`: a move within the unit (or into
    the unit a transfer is pending to); to another unit, a transfer requested first (one
    pending elsewhere cancelled). `cancelled`: an earlier step cancels the pending transfer."""
    pending = None if cancelled else stay.transfer_to_unit_id
    encounter = stay.encounter_id
    move: Step = ("MovePatient", {"encounter_id": encounter, "bed_id": bed_id})
    unit_id = state[Beds].beds[bed_id].unit_id
    if unit_id in (stay.unit_id, pending):
        return [move]
    reason = f"{why}, to {state[Layout].units[unit_id].name}"
    steps: list[Step] = []
    if pending is not None:
        steps.append(("CancelTransfer", {"encounter_id": encounter, "reason": reason}))
    transfer = {"encounter_id": encounter, "to_unit_id": unit_id, "reason": reason}
    return [*steps, ("RequestTransfer", transfer), move]


def in_a_bed(stay: Stay, event: str) -> None:
    if stay.status == "pending":
        raise Refused(
            f"Encounter {stay.encounter_id} has not arrived in a bed yet, so the {event} "
            "cannot apply; send the A01 first.",
            APPLICATION_ERROR,
        )
    if stay.status != "admitted":
        raise closed(stay, event)


def transfer(message: hl7.Message, state: Hospital) -> tuple[list[Step], str]:
    """A02: the patient is in the bed PV1-3 names now, in this unit or another."""
    pv1 = first(message, "PV1")
    encounter = encounter_id(pv1)
    bed_id = bed_of(visit_location(state, pv1), "A02")
    stay = known_stay(state, encounter, "A02 transfer")
    same_patient(stay, mrn(first(message, "PID")))
    in_a_bed(stay, "A02 transfer")
    if stay.bed_id == bed_id:
        return [], f"{encounter} is already in bed {bed_id}"
    return move_to(state, stay, bed_id, "Transferred in the EHR (A02)"), (
        f"move {encounter} from bed {stay.bed_id} to bed {bed_id}"
    )


def discharge(message: hl7.Message, state: Hospital) -> tuple[list[Step], str]:
    """A03: the patient left; PV1-45 (discharge time) is noted, the board records now."""
    pv1 = first(message, "PV1")
    encounter = encounter_id(pv1)
    stay = known_stay(state, encounter, "A03 discharge")
    same_patient(stay, mrn(first(message, "PID")))
    if stay.status == "discharged":
        return [], f"{encounter} is already discharged"
    if stay.status == "cancelled":
        raise closed(stay, "A03 discharge")
    left_at = segment_text(pv1, "45.1")
    at = f" (PV1-45 {left_at})" if left_at else ""
    return [("DischargePatient", {"encounter_id": encounter})], f"discharge {encounter}{at}"


def update(message: hl7.Message, state: Hospital) -> tuple[list[Step], str]:
    """A08: the patient's names, date of birth, sex, attending and confidentiality, those the
    message carries and that changed; a field left out changes nothing."""
    pid, pv1 = first(message, "PID"), first(message, "PV1")
    encounter = encounter_id(pv1)
    stay = known_stay(state, encounter, "A08 update")
    same_patient(stay, mrn(pid))
    now = {
        "family_name": stay.family_name,
        "given_name": stay.given_name,
        "birth_date": stay.birth_date.isoformat(),
        "sex": stay.sex,
        "attending": stay.attending,
        "confidential": stay.confidential,
    }
    wanted = carried(pid)
    if segment_text(pv1, "7.1") or segment_text(pv1, "7.2.1"):
        wanted["attending"] = attending(pv1)
    protected = confidentiality(message, pv1)
    if protected is not None:
        wanted["confidential"] = protected
    changes = {key: value for key, value in wanted.items() if now[key] != value}
    if not changes:
        return [], f"{encounter} already reads as the A08 says"
    return [("UpdatePatient", {"encounter_id": encounter, **changes})], (
        f"update {encounter}: {', '.join(sorted(changes))}"
    )


def cancel_admit(message: hl7.Message, state: Hospital) -> tuple[list[Step], str]:
    """A11: the admission (pending or arrived) is cancelled."""
    encounter = encounter_id(first(message, "PV1"))
    stay = known_stay(state, encounter, "A11 cancel admit")
    same_patient(stay, mrn(first(message, "PID")))
    if stay.status == "cancelled":
        return [], f"{encounter} is already cancelled"
    if stay.status == "discharged":
        raise Refused(
            f"Encounter {encounter} was discharged; an A11 cancels an admission still open "
            "(send A13 to cancel the discharge first).",
            APPLICATION_ERROR,
        )
    reason = "Cancelled in the EHR (A11)"
    return [("CancelAdmission", {"encounter_id": encounter, "reason": reason})], (
        f"cancel the admission of {encounter}"
    )


def cancel_transfer(message: hl7.Message, state: Hospital) -> tuple[list[Step], str]:
    """A12: per HL7 2.5, PV1-3 holds the location the patient returns to. A transfer still
    pending is cancelled; a patient already moved goes back, as an A02 would move them."""
    pv1 = first(message, "PV1")
    encounter = encounter_id(pv1)
    where = visit_location(state, pv1)
    stay = known_stay(state, encounter, "A12 cancel transfer")
    same_patient(stay, mrn(first(message, "PID")))
    in_a_bed(stay, "A12 cancel transfer")
    other_convention(state, stay, where, prior_bed(state, pv1))
    reason = "Transfer cancelled in the EHR (A12)"
    steps: list[Step] = []
    if stay.transfer_to_unit_id is not None:
        steps.append(("CancelTransfer", {"encounter_id": encounter, "reason": reason}))
        if where.bed_id in (None, stay.bed_id):
            return steps, f"cancel the transfer of {encounter} to {stay.transfer_to_unit_id}"
    bed_id = bed_of(where, "A12")
    if stay.bed_id == bed_id:
        return [], f"{encounter} is already back in bed {bed_id}"
    steps += move_to(state, stay, bed_id, reason, cancelled=bool(steps))
    return steps, f"move {encounter} back to bed {bed_id}"


def other_convention(state: Hospital, stay: Stay, where: Location, prior: str | None) -> None:
    """Refuses an A12 written the other way round: PV1-3 naming the bed the patient is in now
    and PV1-6 another bed reads as "back to PV1-6" in that convention, and as "already back"
    in HL7's, so answering AA would leave the patient where the EHR says they are not. A bed
    in PV1-6 in the unit of the board's pending transfer is HL7's reading (the transfer is
    cancelled before the move)."""
    if where.bed_id != stay.bed_id or prior in (None, stay.bed_id):
        return
    if stay.transfer_to_unit_id == state[Beds].beds[prior].unit_id:
        return
    raise Refused(
        f"The A12 names bed {stay.bed_id}, where encounter {stay.encounter_id} is now, in "
        f"PV1-3 and bed {prior} in PV1-6; per HL7 2.5, PV1-3 holds the location the patient "
        "returns to and PV1-6 the location of the transfer being cancelled. To bring the "
        f"patient back to bed {prior}, send the A12 with bed {prior} in PV1-3.",
        APPLICATION_ERROR,
    )


def prior_bed(state: Hospital, pv1: hl7.Segment | None) -> str | None:
    """PV1-6 (prior patient location) as a bed of the layout; None when it names no bed, or
    a place the layout does not have (it is only read to catch the other A12 convention)."""
    if not segment_text(pv1, "6.1"):
        return None
    try:
        return location(state, pv1, "6", "PV1-6").bed_id
    except Refused:
        return None


def cancel_discharge(message: hl7.Message, state: Hospital) -> tuple[list[Step], str]:
    """A13: the discharge did not happen; the patient goes back to the bed they left."""
    encounter = encounter_id(first(message, "PV1"))
    stay = known_stay(state, encounter, "A13 cancel discharge")
    same_patient(stay, mrn(first(message, "PID")))
    if stay.status == "admitted":
        return [], f"{encounter} is already admitted"
    if stay.status != "discharged":
        raise Refused(
            f"Encounter {encounter} was never discharged ({stay.status}), so there is no "
            "discharge to cancel.",
            APPLICATION_ERROR,
        )
    reason = "Discharge cancelled in the EHR (A13)"
    return [("CancelDischarge", {"encounter_id": encounter, "reason": reason})], (
        f"cancel the discharge of {encounter}"
    )


def swap(message: hl7.Message, state: Hospital) -> tuple[list[Step], str]:
    """A17: two PID/PV1 groups, each patient with the bed they move to in PV1-3 (the other's
    bed until now). Each PV1-3 must name the bed: with only the unit, a resent A17 could not
    be told from a new one and would swap the patients back."""
    pids, pv1s = segments(message, "PID"), segments(message, "PV1")
    if len(pids) < 2 or len(pv1s) < 2:
        raise Refused(
            "An A17 swap needs two PID/PV1 groups, one for each patient.", REQUIRED_FIELD_MISSING
        )
    pairs: list[tuple[Stay, str]] = []
    for pid, pv1 in zip(pids[:2], pv1s[:2], strict=True):
        stay = known_stay(state, encounter_id(pv1), "A17 swap")
        same_patient(stay, mrn(pid))
        in_a_bed(stay, "A17 swap")
        pairs.append((stay, bed_of(visit_location(state, pv1), "An A17 swap")))
    (one, one_to), (two, two_to) = pairs
    ids = f"{one.encounter_id} and {two.encounter_id}"
    if (one.bed_id, two.bed_id) == (one_to, two_to):
        return [], f"{ids} are already swapped"
    if one_to != two.bed_id or two_to != one.bed_id:
        raise Refused(
            f"The A17 swaps {ids} into beds {one_to} and {two_to}, but the board has them in "
            f"beds {one.bed_id} and {two.bed_id}; send A02 transfers instead.",
            APPLICATION_ERROR,
        )
    data = {"encounter_id": one.encounter_id, "other_encounter_id": two.encounter_id}
    return [("SwapBeds", data)], f"swap the beds of {ids}"


BLOCKS: dict[str, tuple[BlockKind, str, frozenset[BlockKind]]] = {
    # status: (the kind blocked as, the reason written, the kinds already showing it)
    "C": ("other", "Closed in the EHR (A20)", frozenset({"maintenance", "staffing", "other"})),
    "K": ("contaminated", "Contaminated, per the EHR (A20)", frozenset({"contaminated"})),
    "I": ("isolation", "Isolated, per the EHR (A20)", frozenset({"isolation"})),
}
"""HL7 table 0116. K is blocked as contaminated: the board shows that bed as K again (FHIR,
the wall), and lifting the block asks for a terminal clean as an isolation block does."""

FEED_REASONS = frozenset(reason for _, reason, _ in BLOCKS.values())
"""The reasons the feed writes when it blocks a bed: a block with another reason was set by
a person at unitboard (maintenance, staffing, ...) and the feed does not lift it."""


def bed_status(message: hl7.Message, state: Hospital) -> tuple[list[Step], str]:
    """A20: NPU-1 names the bed, NPU-2 its status (HL7 table 0116): H housekeeping (dirty),
    U unoccupied (clean, and unblocked), C closed, K contaminated, I isolated (blocked)."""
    npu = first(message, "NPU")
    if npu is None:
        raise Refused("An A20 needs an NPU segment.", REQUIRED_FIELD_MISSING)
    where = location(state, npu, "1", "NPU-1")
    if where.bed_id is None:
        raise Refused("NPU-1 needs the bed (point of care^room^bed).", REQUIRED_FIELD_MISSING)
    bed = state[Beds].beds[where.bed_id]
    code = required(segment_text(npu, "2.1").upper(), "NPU-2 (bed status)")
    steps = bed_steps(bed, code)
    if not steps:
        return [], f"bed {bed.bed_id} is already {code}"
    return steps, f"bed {bed.bed_id} to {code}"


def bed_steps(bed: Bed, code: str) -> list[Step]:
    one: dict[str, Any] = {"bed_id": bed.bed_id}
    if code in BLOCKS:
        kind, reason, showing = BLOCKS[code]
        if bed.blocked is not None and bed.blocked.kind in showing:
            return []
        return [("BlockBed", {**one, "reason": reason, "kind": kind})]
    if code == "O":
        return occupied(bed)
    if code not in ("H", "U"):
        raise Refused(
            f"NPU-2 (bed status) is {code!r}; unitboard takes H, U, O, C, K and I (HL7 table "
            "0116).",
            TABLE_VALUE_NOT_FOUND,
        )
    if bed.occupancy == "occupied":
        raise Refused(
            f"Bed {bed.bed_id} has a patient on the board; send the A02 or A03 that moves them "
            "out first.",
            APPLICATION_ERROR,
        )
    if bed.blocked is not None and bed.blocked.reason not in FEED_REASONS:
        raise Refused(
            f"Bed {bed.bed_id} was closed at unitboard ({bed.blocked.reason}), not by the EHR; "
            "it is reopened at unitboard, by the person who closed it or the charge nurse.",
            APPLICATION_ERROR,
        )
    steps: list[Step] = [("UnblockBed", one)] if bed.blocked is not None else []
    if code == "H" and bed.cleanliness == "clean":
        steps.append(("MarkBedDirty", one))
    if code == "U" and bed.cleanliness == "dirty":
        steps.append(("StartCleaning", one))
    if code == "U" and bed.cleanliness != "clean":
        steps.append(("MarkBedClean", one))
    return steps


def occupied(bed: Bed) -> list[Step]:
    """A20 O: the board shows a bed occupied from the admissions and transfers, so an O for
    an occupied bed needs nothing; for an empty one the message that put a patient there is
    missing."""
    if bed.occupancy == "occupied":
        return []
    raise Refused(
        f"Bed {bed.bed_id} has no patient on the board, so it cannot be occupied (O); send the "
        "A01 or A02 that puts the patient in it.",
        APPLICATION_ERROR,
    )


EVENTS: dict[str, Handler] = {
    "A01": admit,
    "A02": transfer,
    "A03": discharge,
    "A04": preadmit,
    "A05": preadmit,
    "A08": update,
    "A11": cancel_admit,
    "A12": cancel_transfer,
    "A13": cancel_discharge,
    "A17": swap,
    "A20": bed_status,
}
"""The trigger events unitboard takes, and what each does."""
