"""The EHR's ADT feed: one HL7 v2 message in, its commands applied together under the
integration role, one ACK out.

The ACK goes out only after the commands are durable in the log (AA), or once nothing was
recorded (AE for a rule's refusal, AR for what cannot be read or is not supported). MSH-10,
the sender's control id, is the idempotency key: a message sent again gets the same ACK and
records nothing, so an interface engine may resend whatever it did not see acknowledged.

When the database does not answer, there is no ACK at all: `receive` raises, the listener
closes the connection, and the engine sends the message again (queued, as engines do for a
message never answered), where an AE would park it in an error queue for a person.

Reading a message (python-hl7, pure Python) costs about a millisecond per kilobyte, so it
is done off the event loop, as is everything else but the wait for the writer."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import hl7

from unitboard import telemetry
from unitboard.domain.errors import DomainError
from unitboard.domain.hospital import Hospital
from unitboard.integrations.hl7 import adt
from unitboard.integrations.hl7.ack import acknowledgement
from unitboard.integrations.hl7.message import Unparseable, parse, text
from unitboard.integrations.hl7.refusals import DUPLICATE_KEY
from unitboard.service.auth import Actor
from unitboard.service.errors import KeyReused
from unitboard.service.handler import Step

if TYPE_CHECKING:
    from unitboard.runtime import Runtime

log = logging.getLogger(__name__)
Code = Literal["AA", "AE", "AR"]
ACTOR_PREFIX = "hl7:"
NOTHING_RECORDED = "Nothing from this message was recorded."


def sender(facility: str) -> Actor:
    """Who a message's changes are recorded as: the EHR feed of the sending facility (MSH-4),
    with the integration role."""
    return Actor(f"{ACTOR_PREFIX}{facility}", "integration", None, f"EHR feed ({facility})")


def by_feed(actor: object) -> bool:
    """Whether an event's recorded actor is the EHR feed."""
    return isinstance(actor, str) and actor.startswith(ACTOR_PREFIX)


@dataclass(frozen=True)
class Answer:
    """A message answered without touching the log (it could not be read, say)."""

    event: str
    code: Code
    ack: str


@dataclass(frozen=True)
class Ready:
    """A message read and ready to apply: what the log will keep beside its events."""

    message: hl7.Message
    event: str
    key: str
    content: str
    details: dict[str, Any] = field(default_factory=dict)


class Hl7Feed:
    """Turns one raw message (the bytes between MLLP's frame marks) into its ACK."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def receive(self, raw: bytes, peer: str) -> str:
        """The ACK for `raw`, whatever a sender sends; raises only when the database does
        not answer (a StorageFault), so that no ACK goes out and the message comes again."""
        started = time.perf_counter()
        read = await asyncio.to_thread(read_message, raw)
        if isinstance(read, Answer):
            event, code, ack = read.event, read.code, read.ack
        else:
            event = read.event
            code, ack = await self._apply(read)
        telemetry.count_hl7_message(event, code)
        telemetry.observe_hl7_seconds(event, time.perf_counter() - started)
        return ack

    async def _apply(self, ready: Ready) -> tuple[Code, str]:
        message = ready.message

        def plan(state: Hospital) -> list[Step]:
            return list(adt.plan(message, state).steps)

        facility = ready.details["sending_facility"]
        service = self.runtime.service
        try:
            await self.runtime.write(
                service.execute_together,
                sender(facility),
                ready.event,
                plan,
                ready.content,
                ready.key,
                ready.details,
            )
        except adt.Unsupported as reason:
            return "AR", acknowledgement(message, "AR", reason.text, reason.error_code)
        except adt.Refused as refusal:
            return "AE", acknowledgement(message, "AE", refusal.text, refusal.error_code)
        except KeyReused:
            why = (
                f"MSH-10 {ready.details['hl7_control_id']} from "
                f"{ready.details['sending_application']} at {facility} was used before for a "
                f"different message; each message needs a control id of its own. "
                f"{NOTHING_RECORDED}"
            )
            return "AE", acknowledgement(message, "AE", why, DUPLICATE_KEY)
        except DomainError as refusal:
            why = f"{refusal.message} {NOTHING_RECORDED}"
            return "AE", acknowledgement(message, "AE", why, error_code(refusal))
        return "AA", acknowledgement(message, "AA")


def read_message(raw: bytes) -> Answer | Ready:
    """Read `raw` (off the event loop): an AR for what cannot be read, else what applying
    it needs."""
    try:
        message = parse(raw)
    except Unparseable as reason:
        return Answer("unknown", "AR", acknowledgement(raw, "AR", reason.text, "102"))
    event = message_type(message)
    control_id = text(message, "MSH.10")
    if not control_id:
        why = "MSH-10 (the message control id) is empty: every message needs its own."
        return Answer(event, "AR", acknowledgement(message, "AR", why, "101"))
    application, facility = text(message, "MSH.3"), text(message, "MSH.4")
    details = {
        "hl7_event": event,
        "hl7_control_id": control_id,
        "sending_application": application,
        "sending_facility": facility,
    }
    # When things happened, as the EHR says (the log records when it heard of them).
    for name, path in (
        ("hl7_event_occurred", "EVN.6"),
        ("hl7_recorded", "EVN.2"),
        ("hl7_discharged", "PV1.45"),
    ):
        if value := text(message, path):
            details[name] = value
    key = f"hl7:{application}:{facility}:{control_id}"
    return Ready(message, event, key, content_of(message), details)


def message_type(message: hl7.Message) -> str:
    """`ADT^A01`, as MSH-9 says it (its first two components)."""
    kind = text(message, "MSH.9.1") or "?"
    trigger = text(message, "MSH.9.2")
    return f"{kind}^{trigger}" if trigger else kind


def content_of(message: hl7.Message) -> str:
    """What the control id stands for: the message without MSH-7 (its time), which an
    interface engine may stamp afresh when it resends."""
    segments = str(message).split("\r")
    separator = segments[0][3:4] or "|"
    msh = segments[0].split(separator)
    if len(msh) > 6:
        msh[6] = ""
    body = "\r".join([separator.join(msh), *segments[1:]])
    return hashlib.sha256(body.encode()).hexdigest()


def error_code(refusal: DomainError) -> str:
    """HL7 table 0357 for a domain refusal: an unknown key, a value of the wrong kind, or
    (for a rule's refusal) an application error."""
    return {"not_found": "204", "invalid_input": "102"}.get(refusal.code, "207")
