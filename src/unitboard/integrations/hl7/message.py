"""Reading an HL7 v2 message: the bytes of one MLLP frame to a python-hl7 `Message`, and its
fields as plain text with the escape sequences decoded.

Interface engines differ in small ways (line feeds instead of carriage returns between
segments, a trailing blank line), so those are forgiven; what cannot be read as one HL7
message (not UTF-8, no MSH first, broken separators) raises `Unparseable`, which the
listener answers with `AR`.

Paths name fields the way HL7's documentation does: `PID.5.1` is component 1 of field 5
of the first PID segment (its first repetition), `PID.5.1.1` its first subcomponent.
"""

from __future__ import annotations

import logging

import hl7
import hl7.util

logging.getLogger(hl7.util.__file__).setLevel(logging.CRITICAL)
# python-hl7 logs the whole field (a patient's name, say) when it meets an escape sequence
# it does not know; unitboard keeps patient identity out of its logs, and drops the
# sequence all the same.

NULL = '""'
"""HL7's explicit null: the sender says the field is empty (or is to be emptied)."""


class Unparseable(ValueError):
    """Bytes that are not one HL7 v2 message unitboard can read; `text` says why in words
    the sender's interface analyst can act on."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def parse(raw: bytes) -> hl7.Message:
    """The message in `raw` (UTF-8, segments ended by \\r, \\n or \\r\\n)."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unparseable(
            f"The message is not UTF-8 text (byte {exc.start} is not); send it as UTF-8 "
            "and say so in MSH-18 (UNICODE UTF-8)."
        ) from None
    text = _segments_joined(decoded.removeprefix("\ufeff"))
    if not text.startswith("MSH"):
        raise Unparseable("The message does not start with an MSH segment.")
    _check_separators(text)
    if text.count("\rMSH" + text[3]) > 0:
        raise Unparseable("The frame holds more than one message; send one message per frame.")
    try:
        message = hl7.parse(text)
    except Exception:  # python-hl7 raises whatever its splitting hits
        raise Unparseable("The message could not be read as HL7 v2.") from None
    if not isinstance(message, hl7.Message):
        raise Unparseable("The message could not be read as HL7 v2.")
    return message


def _segments_joined(decoded: str) -> str:
    """The segments, each on its own, joined by \\r as HL7 wants (blank lines dropped)."""
    lines = decoded.replace("\r\n", "\r").replace("\n", "\r").split("\r")
    return "\r".join(line for line in lines if line.strip())


def _check_separators(text: str) -> None:
    """MSH-1 and MSH-2: a field separator and at least four distinct encoding characters
    (component, repetition, escape, subcomponent), none a letter, digit or space."""
    if len(text) < 8:
        raise Unparseable("The MSH segment is too short to name its separators.")
    field = text[3]
    end = text.find(field, 4)
    encoding = text[4:end] if end != -1 else ""
    wanted = [field, *encoding]
    if (
        len(encoding) < 4
        or len(set(wanted)) != len(wanted)
        or any(ch.isalnum() or ch.isspace() for ch in wanted)
    ):
        raise Unparseable(
            "The separators in MSH-1 and MSH-2 are not valid; use the standard |^~\\&."
        )


def segments(message: hl7.Message, segment_id: str) -> list[hl7.Segment]:
    """Every `segment_id` segment, in message order (none: empty)."""
    return [segment for segment in message if str(segment[0][0]) == segment_id]


def segment_text(segment: hl7.Segment | None, path: str) -> str:
    """The text at `path` ("5.1": field 5, component 1; "3.1.4": subcomponent 4) of
    `segment`'s first repetition, escapes decoded, stripped; "" when absent or null."""
    return repetition_text(segment, path, 1)


def repetition_text(segment: hl7.Segment | None, path: str, repetition: int) -> str:
    """As `segment_text`, in repetition `repetition` of the field."""
    if segment is None:
        return ""
    numbers = [int(part) for part in path.split(".")]
    field, component, subcomponent = (numbers + [1, 1])[:3]
    try:
        value = segment.extract_field(1, field, repetition, component, subcomponent)
    except Exception:  # a path deeper than the field, or a malformed escape
        return ""
    found = str(value).strip()
    return "" if found == NULL else found


def repetitions(segment: hl7.Segment | None, field: int) -> int:
    """How many repetitions field `field` of `segment` has (0 when absent or empty)."""
    if segment is None or field >= len(segment):
        return 0
    value = segment(field)
    if not str(value):
        return 0
    return len(value) if isinstance(value, hl7.Field) else 1


def first(message: hl7.Message, segment_id: str) -> hl7.Segment | None:
    found = segments(message, segment_id)
    return found[0] if found else None


def text(message: hl7.Message, path: str) -> str:
    """The text at `path` ("PID.5.1"): the first such segment, field, component,
    subcomponent; escapes (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\) decoded by the message's own
    rules; "" when absent or null. MSH-1 and MSH-2 are the separators themselves."""
    segment_id, _, rest = path.partition(".")
    segment = first(message, segment_id)
    if segment_id == "MSH" and rest in ("1", "2") and segment is not None:
        return str(segment(int(rest)))
    return segment_text(segment, rest or "0")
