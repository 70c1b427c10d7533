"""HL7 v2.5.1 ADT messages as an EHR sends them, built from plain values: the demo's ADT
feed, the tests and the benchmark all speak to the MLLP listener through these. Pure: text
in, text out, no sockets.

Every message carries MSH-18 `UNICODE UTF-8` (names keep their accents) and escapes the
delimiters a value may hold (`|^~\\&`) with HL7 escape sequences, so a family name such as
"Smith & Jones" reaches the board as typed."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

SEGMENT_END = "\r"
VERSION = "2.5.1"
CHARSET = "UNICODE UTF-8"
SENDING_APPLICATION = "EHR"
RECEIVING_APPLICATION = "UNITBOARD"
ESCAPES = {"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\"}
"""HL7's escape sequences for its own delimiters (the escape character first)."""
SEXES = {"F": "F", "M": "M", "X": "O", "U": "U"}
"""The board's sex codes as HL7 table 0001 writes them (X, non-binary, is O: other)."""


def escape(value: str) -> str:
    """A value as it may stand inside a field: delimiters escaped, line breaks as spaces
    (a carriage return would end the segment)."""
    out = "".join(ESCAPES.get(char, char) for char in value)
    return out.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


def timestamp(at: dt.datetime) -> str:
    """HL7 DTM with its offset: 20261201223000+0000."""
    return at.strftime("%Y%m%d%H%M%S%z")


def new_control_id() -> str:
    """A message control id (MSH-10, at most 20 characters) unique to this message."""
    return uuid.uuid4().hex[:20].upper()


@dataclass(frozen=True, slots=True)
class Header:
    """Who sends, when, and the message's control id (the listener's idempotency key)."""

    facility: str = "RIVERSIDE"
    control_id: str = ""
    at: dt.datetime | None = None

    def stamped(self) -> tuple[str, str]:
        """(control id, timestamp), made now where the header left them out."""
        at = self.at or dt.datetime.now(dt.UTC)
        return self.control_id or new_control_id(), timestamp(at)


@dataclass(frozen=True, slots=True)
class Patient:
    mrn: str
    family_name: str
    given_name: str
    birth_date: dt.date
    sex: str
    """The board's code (F, M, X, U); written as HL7 table 0001 has it."""


@dataclass(frozen=True, slots=True)
class Location:
    """A bed as PV1-3 names it: point of care (the unit), room and bed labels."""

    unit_id: str
    room: str
    bed: str

    @classmethod
    def of(cls, bed_id: str) -> Location:
        """From a bed id of the layout ("4W-401-A"); unit ids hold no hyphen in the layouts
        this is used with (the demo's and the benchmark's)."""
        unit_id, room, bed = bed_id.rsplit("-", 2)
        return cls(unit_id, room, bed)

    @property
    def bed_id(self) -> str:
        return f"{self.unit_id}-{self.room}-{self.bed}"

    def field(self) -> str:
        return "^".join(escape(part) for part in (self.unit_id, self.room, self.bed))


def attending_field(attending: str) -> str:
    """PV1-7 (XCN) from the board's attending ("Dr. Park"): the name in the family name
    component (XCN.2), the title in the prefix (XCN.6)."""
    title, _, name = attending.partition(" ")
    if title in ("Dr.", "Dr") and name:
        return f"^{escape(name)}^^^^{escape(title)}"
    return f"^{escape(attending)}"


def msh(event: str, structure: str, header: Header) -> str:
    control_id, at = header.stamped()
    return (
        f"MSH|^~\\&|{SENDING_APPLICATION}|{escape(header.facility)}|{RECEIVING_APPLICATION}|"
        f"{escape(header.facility)}|{at}||ADT^{event}^{structure}|{escape(control_id)}|P|"
        f"{VERSION}||||||{CHARSET}"
    )


def evn(event: str, header: Header) -> str:
    return f"EVN|{event}|{timestamp(header.at or dt.datetime.now(dt.UTC))}"


def pid(patient: Patient, facility: str) -> str:
    identifier = f"{escape(patient.mrn)}^^^{escape(facility)}^MR"
    name = f"{escape(patient.family_name)}^{escape(patient.given_name)}"
    born = patient.birth_date.strftime("%Y%m%d")
    return f"PID|1||{identifier}||{name}||{born}|{SEXES.get(patient.sex, 'U')}"


def pv1(
    encounter_id: str,
    location: Location | None,
    attending: str = "",
    prior: Location | None = None,
    discharged_at: dt.datetime | None = None,
) -> str:
    """PV1 with the fields the board reads: 3 location, 6 prior location, 7 attending, 19
    visit number, 45 discharge time (the rest left empty)."""
    fields = [""] * 46
    fields[0] = "PV1"
    fields[1] = "1"
    fields[2] = "I"
    fields[3] = location.field() if location else ""
    fields[6] = prior.field() if prior else ""
    fields[7] = attending_field(attending) if attending else ""
    fields[19] = escape(encounter_id)
    fields[45] = timestamp(discharged_at) if discharged_at else ""
    return "|".join(fields).rstrip("|")


def message(*segments: str) -> str:
    return SEGMENT_END.join(segments) + SEGMENT_END


def a01(
    patient: Patient,
    encounter_id: str,
    bed: Location,
    attending: str,
    header: Header | None = None,
) -> str:
    """Admit: the patient arrives in `bed` (the board records admission, bed, arrival)."""
    header = header or Header()
    return message(
        msh("A01", "ADT_A01", header),
        evn("A01", header),
        pid(patient, header.facility),
        pv1(encounter_id, bed, attending),
    )


def a02(
    patient: Patient,
    encounter_id: str,
    bed: Location,
    prior: Location | None,
    attending: str,
    header: Header | None = None,
) -> str:
    """Transfer to `bed` (same unit or another) from `prior`."""
    header = header or Header()
    return message(
        msh("A02", "ADT_A02", header),
        evn("A02", header),
        pid(patient, header.facility),
        pv1(encounter_id, bed, attending, prior=prior),
    )


def a03(
    patient: Patient,
    encounter_id: str,
    bed: Location | None,
    attending: str,
    discharged_at: dt.datetime | None = None,
    header: Header | None = None,
) -> str:
    """Discharge (PV1-45 the discharge time, now when left out)."""
    header = header or Header()
    at = discharged_at or header.at or dt.datetime.now(dt.UTC)
    return message(
        msh("A03", "ADT_A03", header),
        evn("A03", header),
        pid(patient, header.facility),
        pv1(encounter_id, bed, attending, discharged_at=at),
    )


def a08(
    patient: Patient,
    encounter_id: str,
    bed: Location | None,
    attending: str,
    header: Header | None = None,
) -> str:
    """Update patient information (a new attending, a corrected name)."""
    header = header or Header()
    return message(
        msh("A08", "ADT_A01", header),
        evn("A08", header),
        pid(patient, header.facility),
        pv1(encounter_id, bed, attending),
    )


def a20(bed: Location, status: str, header: Header | None = None) -> str:
    """Bed status update (NPU-2, HL7 table 0116: H housekeeping, U clean, C closed, K
    contaminated, I isolated)."""
    header = header or Header()
    return message(
        msh("A20", "ADT_A20", header),
        evn("A20", header),
        f"NPU|{bed.field()}|{escape(status)}",
    )
