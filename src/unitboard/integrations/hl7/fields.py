"""What the PID, PV1 and NPU segments of an ADT message say, as the board's values: the
patient (MRN, names, date of birth, sex), the visit (encounter, attending, source,
confidentiality) and a place of the layout (PV1-3 or NPU-1 to unit and bed ids). A field
missing or not readable is refused here, naming it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import hl7

from unitboard.domain.beds.state import Beds
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.values import Sex, Source
from unitboard.integrations.hl7.message import (
    NULL,
    first,
    repetition_text,
    repetitions,
    segment_text,
    text,
)
from unitboard.integrations.hl7.refusals import (
    DATA_TYPE_ERROR,
    REQUIRED_FIELD_MISSING,
    TABLE_VALUE_NOT_FOUND,
    Refused,
)


@dataclass(frozen=True)
class Location:
    """PV1-3 (or NPU-1) resolved against the layout: a unit, and a bed when one is named."""

    unit_id: str
    bed_id: str | None


SEXES: dict[str, Sex] = {"F": "F", "M": "M", "U": "U", "O": "X", "A": "X", "N": "X"}
"""PID-8 (HL7 table 0001) to the board's sex: other, ambiguous and not applicable are X."""


def required(value: str, what: str) -> str:
    if not value:
        raise Refused(f"{what} is empty; the message needs it.", REQUIRED_FIELD_MISSING)
    return value


MEDICAL_RECORD_TYPES = ("MR", "PI", "PT", "MRN")
"""PID-3 identifier types (CX.5, HL7 table 0203) that name the patient's record at the
hospital, the most telling first. Any other type (SS, DL, PPN, NI, NH, SB, PRC, ...) is a
national or personal id, never taken as the MRN; an identifier with no type is taken after
these, as many EHRs send the MRN alone."""


def mrn(pid: hl7.Segment | None) -> str:
    """PID-3: the identifier of the first type of MEDICAL_RECORD_TYPES given, else the first
    with no type code. A social security number or any other personal id is never the MRN:
    a board keyed on one would show it and could merge two patients' records."""
    found = [
        (repetition_text(pid, "3.1", n), repetition_text(pid, "3.5", n).upper())
        for n in range(1, repetitions(pid, 3) + 1)
    ]
    found = [(value, kind) for value, kind in found if value]
    for wanted in (*MEDICAL_RECORD_TYPES, ""):
        chosen = next((value for value, kind in found if kind == wanted), None)
        if chosen is not None:
            return chosen
    if not found:
        required("", "PID-3 (the patient's MRN)")
    raise Refused(
        "PID-3 has no medical record number (type MR, else PI, PT or MRN); unitboard does "
        "not take a social security or other personal id as the MRN.",
        REQUIRED_FIELD_MISSING,
    )


def names(pid: hl7.Segment | None) -> tuple[str, str]:
    """PID-5 family^given: the legal name (XPN.7 L) when several are given, else the first."""
    count = max(repetitions(pid, 5), 1)
    legal = next((n for n in range(1, count + 1) if repetition_text(pid, "5.7", n) == "L"), 1)
    family = repetition_text(pid, "5.1.1", legal)
    given = repetition_text(pid, "5.2", legal)
    return required(family, "PID-5.1 (family name)"), required(given, "PID-5.2 (given name)")


def hl7_date(value: str, what: str) -> dt.date:
    """The date of an HL7 DT/DTM (YYYYMMDD, then anything)."""
    digits = value[:8]
    try:
        if len(digits) != 8 or not digits.isdigit():
            raise ValueError
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise Refused(f"{what} is {value!r}, not a date as YYYYMMDD.", DATA_TYPE_ERROR) from None


def sex(pid: hl7.Segment | None) -> Sex:
    """PID-8 as the board's sex; empty or HL7 null ("") is unknown (U)."""
    code = segment_text(pid, "8").upper()
    if not code:
        return "U"
    if code not in SEXES:
        raise Refused(
            f"PID-8 (sex) is {code!r}; unitboard takes F, M, U, O, A and N (HL7 table 0001).",
            TABLE_VALUE_NOT_FOUND,
        )
    return SEXES[code]


def is_null(segment: hl7.Segment | None, path: str) -> bool:
    """The field at `path` is HL7's explicit null (""): the sender says it is empty now,
    which is not the same as leaving the field out."""
    if segment is None:
        return False
    numbers = [int(part) for part in path.split(".")]
    field, component, subcomponent = (numbers + [1, 1])[:3]
    try:
        value = segment.extract_field(1, field, 1, component, subcomponent)
    except Exception:  # a path deeper than the field
        return False
    return str(value).strip() == NULL


def carried(pid: hl7.Segment | None) -> dict[str, Any]:
    """The patient's fields an update (A08) carries: a field left out (empty) means "no
    change", so only those given are here. Names count when family or given is given (then
    both are needed); PID-8 as HL7 null ("") says the sex is not known now, so it is U."""
    found: dict[str, Any] = {}
    count = max(repetitions(pid, 5), 1)
    legal = next((n for n in range(1, count + 1) if repetition_text(pid, "5.7", n) == "L"), 1)
    if repetition_text(pid, "5.1.1", legal) or repetition_text(pid, "5.2", legal):
        found["family_name"], found["given_name"] = names(pid)
    birth = segment_text(pid, "7")
    if birth:
        found["birth_date"] = hl7_date(birth, "PID-7").isoformat()
    if segment_text(pid, "8") or is_null(pid, "8"):
        found["sex"] = sex(pid)
    return found


def patient(pid: hl7.Segment | None) -> dict[str, Any]:
    """The patient's fields of a command, from PID."""
    family, given = names(pid)
    birth = hl7_date(required(segment_text(pid, "7"), "PID-7 (date of birth)"), "PID-7")
    return {
        "mrn": mrn(pid),
        "family_name": family,
        "given_name": given,
        "birth_date": birth.isoformat(),
        "sex": sex(pid),
    }


def encounter_id(pv1: hl7.Segment | None) -> str:
    return required(segment_text(pv1, "19.1"), "PV1-19 (the visit number)")


def attending(pv1: hl7.Segment | None) -> str:
    """PV1-7 (an XCN: id^family^given^middle^suffix^prefix) as the board names attendings:
    "Dr. Adeyemi" (the prefix given, else Dr.); the id when no name is given."""
    family = segment_text(pv1, "7.2.1")
    if not family:
        return required(segment_text(pv1, "7.1"), "PV1-7 (the attending doctor)")
    prefix = segment_text(pv1, "7.6") or "Dr."
    if not prefix.endswith("."):
        prefix += "."
    return f"{prefix} {family}"


EMERGENCY_SOURCES = {"7", "E", "ER", "ED", "EMERGENCY"}
TRANSFER_SOURCES = {"4", "5", "6", "T", "TR", "TRANSFER"}
SURGERY_SOURCES = {"OR", "S", "SURG", "SURGERY"}


def source(pv1: hl7.Segment | None) -> Source:
    """Where the patient comes from: PV1-14 (admit source, table 0023: 7 emergency room;
    4, 5, 6 a transfer from another facility; surgery as the site codes it), else PV1-2
    (patient class E) or PV1-4 (admission type E, table 0007), emergency; anything else is
    a direct admission."""
    admit_source = segment_text(pv1, "14.1").upper()
    emergency = "E" in (segment_text(pv1, "2.1").upper(), segment_text(pv1, "4.1").upper())
    if admit_source in EMERGENCY_SOURCES or emergency:
        return "ed"
    if admit_source in TRANSFER_SOURCES:
        return "transfer"
    if admit_source in SURGERY_SOURCES:
        return "or"
    return "direct"


def confidential(message: hl7.Message, pv1: hl7.Segment | None) -> bool:
    """The board hides the patient's name: PD1-12 (protection indicator) is Y, the field
    HL7 made for it; or PV1-16 (VIP indicator, site table 0099) says VIP, which is how many
    EHRs still flag a patient whose presence is not disclosed."""
    if text(message, "PD1.12").upper() == "Y":
        return True
    return segment_text(pv1, "16.1").upper() not in ("", "N", "NO")


NOT_CONFIDENTIAL = ("N", "NO")


def confidentiality(message: hl7.Message, pv1: hl7.Segment | None) -> bool | None:
    """What a message says of confidentiality after the admission: True as `confidential`
    reads it; False only when PD1-12 or PV1-16 is given as N (or HL7 null ""), the sender
    saying the patient is no longer protected; None when both are left out, which changes
    nothing (a person may have set it at the board)."""
    if confidential(message, pv1):
        return True
    pd1 = first(message, "PD1")
    for segment, path in ((pd1, "12.1"), (pv1, "16.1")):
        if segment_text(segment, path).upper() in NOT_CONFIDENTIAL or is_null(segment, path):
            return False
    return None


def location(state: Hospital, place: hl7.Segment | None, path: str, what: str) -> Location:
    """A PL (point of care^room^bed, e.g. 4W^401^A) resolved to the layout's ids
    (unit 4W, bed 4W-401-A). Room and bed may also be given as the layout's ids."""
    unit_code = required(segment_text(place, f"{path}.1"), f"{what}.1 (the unit)")
    room_code = segment_text(place, f"{path}.2")
    bed_code = segment_text(place, f"{path}.3")
    layout = state[Layout]
    unit = layout.units.get(unit_code)
    if unit is None:
        raise Refused(
            f"Unit {unit_code!r} in {what} is not in unitboard's layout; add it to the layout "
            "or map the EHR's unit code to one of the layout's units.",
            TABLE_VALUE_NOT_FOUND,
        )
    if not room_code:
        if bed_code:
            raise Refused(f"{what} names bed {bed_code!r} but no room.", REQUIRED_FIELD_MISSING)
        return Location(unit.unit_id, None)
    room = next(
        (
            layout.rooms[room_id]
            for room_id in unit.room_ids
            if room_code in (room_id, layout.rooms[room_id].label)
        ),
        None,
    )
    if room is None:
        raise Refused(
            f"Room {room_code!r} of unit {unit.unit_id} in {what} is not in unitboard's layout.",
            TABLE_VALUE_NOT_FOUND,
        )
    if not bed_code:
        return Location(unit.unit_id, None)
    beds = state[Beds].beds
    bed_id = next(
        (b for b in room.bed_ids if bed_code in (b, beds[b].label if b in beds else "")), None
    )
    if bed_id is None:
        raise Refused(
            f"Bed {bed_code!r} of room {room.room_id} in {what} is not in unitboard's layout.",
            TABLE_VALUE_NOT_FOUND,
        )
    return Location(unit.unit_id, bed_id)


def visit_location(state: Hospital, pv1: hl7.Segment | None) -> Location:
    return location(state, pv1, "3", "PV1-3")


def bed_of(found: Location, event: str) -> str:
    if found.bed_id is None:
        raise Refused(
            f"{event} needs the bed in PV1-3 (point of care^room^bed).", REQUIRED_FIELD_MISSING
        )
    return found.bed_id
