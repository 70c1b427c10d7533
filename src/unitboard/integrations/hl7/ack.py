"""The ACK unitboard sends back for every message (HL7 v2 original mode): `AA` applied or
already applied, `AE` refused with the reason in ERR, `AR` not readable or not taken.

It is built for anything the sender sent, garbage included: the sender's interface engine
waits for one ACK per frame, and a readable ERR is how its analyst learns what to fix. From a
message that cannot be parsed, MSH-10 and the version are read from the first line as far as
they can be.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Literal

import hl7

from unitboard.integrations.hl7.message import Unparseable, parse, text

AckCode = Literal["AA", "AE", "AR"]

DEFAULT_VERSION = "2.5.1"
CHARACTER_SET = "UNICODE UTF-8"
ERROR_NAMES = {
    # HL7 table 0357, as ERR-3.2 names each code
    "0": "Message accepted",
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "104": "Value too long",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "202": "Unsupported processing id",
    "203": "Unsupported version id",
    "204": "Unknown key identifier",
    "205": "Duplicate key identifier",
    "206": "Application record locked",
    "207": "Application internal error",
}
ESCAPES = {"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\"}
"""Our separators in text, as HL7 escapes them (the ACK always uses |^~\\&)."""
VERSION = re.compile(r"2\.\d+(\.\d+)?")


@dataclass(frozen=True)
class Header:
    """What the ACK takes from the message's MSH, already escaped for |^~\\&."""

    sending_application: str = ""
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    trigger: str = ""
    control_id: str = ""
    version: str = DEFAULT_VERSION


def escape(value: str) -> str:
    """`value` safe inside one field of our ACK: separators and the escape character
    escaped, line breaks as spaces (one segment per line)."""
    flat = " ".join(value.splitlines())
    return "".join(ESCAPES.get(ch, ch) for ch in flat)


def acknowledgement(
    raw: bytes | str | hl7.Message | None,
    code: AckCode,
    text: str | None = None,
    error_code: str = "207",
    *,
    control: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """The ACK for `raw` (segments joined by \\r, no MLLP framing): `code`, and for AE and AR
    an ERR with `error_code` (HL7 table 0357) and `text` for a person. `control` (the ACK's
    own MSH-10) and `now` (MSH-7) are made when not given."""
    header = read_header(raw)
    at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%d%H%M%S+0000")
    msh = [
        "MSH",
        "^~\\&",
        header.receiving_application or "UNITBOARD",
        header.receiving_facility,
        header.sending_application,
        header.sending_facility,
        at,
        "",
        f"ACK^{header.trigger}^ACK" if header.trigger else "ACK",
        escape(control) if control else new_control_id(),
        "P",
        header.version,
        "",
        "",
        "",
        "",
        "",
        CHARACTER_SET,
    ]
    refused = code != "AA"
    message = text or ("Not applied." if refused else "")
    msa = ["MSA", code, header.control_id]
    err_code = error_code if error_code in ERROR_NAMES else "207"
    condition = f"{err_code}^{ERROR_NAMES[err_code]}^HL70357"
    if refused:
        msa.append(escape(message))
        if before_2_5(header.version):
            # 2.3 and 2.4 have no ERR-3 nor ERR-8: their readers look at MSA-3 and MSA-6
            msa += ["", "", condition]
    lines = ["|".join(msh), "|".join(msa)]
    if refused:
        lines.append("|".join(["ERR", "", "", condition, "E", "", "", "", escape(message)]))
    return "\r".join(lines) + "\r"


def new_control_id() -> str:
    """A fresh MSH-10 for our ACK (20 characters, as HL7 2.5 allows)."""
    return uuid.uuid4().hex[:20].upper()


def control_id(raw: bytes | str | hl7.Message | None) -> str | None:
    """The message's MSH-10 (its idempotency key), read from garbage too as far as the first
    line allows; None when there is none."""
    found = read_header(raw, escaped=False).control_id
    return found or None


def read_header(raw: bytes | str | hl7.Message | None, escaped: bool = True) -> Header:
    """The message's MSH as the ACK needs it: parsed when the message parses, else read
    from its first line, else defaults."""
    if raw is None:
        return Header()
    message: hl7.Message | None
    if isinstance(raw, hl7.Message):
        message = raw
    else:
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
        try:
            message = parse(data)
        except Unparseable:
            return first_line_header(data, escaped)
    return parsed_header(message, escaped)


def parsed_header(message: hl7.Message, escaped: bool) -> Header:
    def field(number: int) -> str:
        """Field `number` of MSH, its components joined again with our separators."""
        parts = [text(message, f"MSH.{number}.{n}") for n in range(1, 4)]
        while parts and not parts[-1]:
            parts.pop()
        return "^".join(escape(part) for part in parts) if escaped else "^".join(parts)

    return Header(
        sending_application=field(3),
        sending_facility=field(4),
        receiving_application=field(5),
        receiving_facility=field(6),
        trigger=escape(text(message, "MSH.9.2")),
        control_id=field(10),
        version=version_of(text(message, "MSH.12.1")),
    )


def first_line_header(data: bytes, escaped: bool) -> Header:
    """Best effort from bytes that did not parse: MSH-n from the first line, split on the
    separator it names."""
    line = re.split(r"[\r\n]", data.decode("utf-8", "replace").lstrip("\ufeff"), maxsplit=1)[0]
    if not line.startswith("MSH") or len(line) < 4:
        return Header()
    fields = line.split(line[3])
    encoding = fields[1] if len(fields) > 1 else ""
    component = encoding[0] if encoding else "^"

    def field(number: int, whole: bool = True) -> str:
        # fields[0] is "MSH" and fields[1] is MSH-2: MSH-n is fields[n - 1]
        value = fields[number - 1].strip() if len(fields) >= number else ""
        if not whole:
            value = value.split(component)[0]
        return escape(value) if escaped else value

    trigger_parts = (fields[8] if len(fields) >= 9 else "").split(component)
    trigger = trigger_parts[1] if len(trigger_parts) > 1 else ""
    return Header(
        sending_application=field(3, whole=False),
        sending_facility=field(4, whole=False),
        receiving_application=field(5, whole=False),
        receiving_facility=field(6, whole=False),
        trigger=escape(trigger.strip()) if escaped else trigger.strip(),
        control_id=field(10),
        version=version_of(field(12, whole=False)),
    )


def before_2_5(version: str) -> bool:
    return tuple(int(part) for part in version.split(".")[:2]) < (2, 5)


def version_of(value: str) -> str:
    """The message's version when it reads as one (2.x), else the one unitboard speaks."""
    return value if VERSION.fullmatch(value) else DEFAULT_VERSION
