"""The EHR's ADT feed: one HL7 v2 message in, its commands applied together under the
integration role, one ACK out.

The ACK goes out only after the commands are durable in the log (AA), or once nothing was
recorded (AE for a rule's refusal, AR for what cannot be read or is not supported). MSH-10,
the sender's control id, is the idempotency key: a message sent again gets the same ACK and
records nothing, so an interface engine may resend whatever it did not see acknowledged."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING, Literal

import hl7

from unitboard import telemetry
from unitboard.domain.errors import DomainError
from unitboard.domain.hospital import Hospital
from unitboard.integrations.hl7 import adt
from unitboard.integrations.hl7.ack import acknowledgement
from unitboard.integrations.hl7.message import Unparseable, parse, text
from unitboard.service.auth import Actor
from unitboard.service.handler import Step
from unitboard.store.faults import LogUnreachable, OutcomeUnknown

if TYPE_CHECKING:
    from unitboard.runtime import Runtime

log = logging.getLogger(__name__)
Code = Literal["AA", "AE", "AR"]


ACTOR_PREFIX = "hl7:"


def sender(facility: str) -> Actor:
    """Who a message's changes are recorded as: the EHR feed of the sending facility (MSH-4),
    with the integration role."""
    return Actor(f"{ACTOR_PREFIX}{facility}", "integration", None, f"EHR feed ({facility})")


def by_feed(actor: object) -> bool:
    """Whether an event's recorded actor is the EHR feed."""
    return isinstance(actor, str) and actor.startswith(ACTOR_PREFIX)


NOTHING_RECORDED = "Nothing from this message was recorded."
UNREACHABLE = (
    "unitboard could not record this message: its database did not answer. Nothing was "
    "recorded; send the message again."
)
UNKNOWN = (
    "unitboard could not confirm this message was recorded: its database stopped answering "
    "while it was written. Send it again with the same MSH-10; it will not be recorded twice."
)


class Hl7Feed:
    """Turns one raw message (the bytes between MLLP's frame marks) into its ACK."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def receive(self, raw: bytes, peer: str) -> str:
        """The ACK for `raw`; never raises for anything a sender may send."""
        started = time.perf_counter()
        event = "unknown"
        try:
            message = parse(raw)
            event = message_type(message)
            code, answer = await self._apply(message, event)
        except Unparseable as reason:
            code, answer = "AR", acknowledgement(raw, "AR", reason.text, "102")
        except adt.Unsupported as reason:
            code, answer = "AR", acknowledgement(raw, "AR", reason.text, reason.error_code)
        telemetry.count_hl7_message(event, code)
        telemetry.observe_hl7_seconds(event, time.perf_counter() - started)
        log.info("%s from %s: %s", event, peer, code)
        return answer

    async def _apply(self, message: hl7.Message, event: str) -> tuple[Code, str]:
        control_id = text(message, "MSH.10")
        if not control_id:
            why = "MSH-10 (the message control id) is empty: every message needs its own."
            return "AR", acknowledgement(message, "AR", why, "101")

        def plan(state: Hospital) -> list[Step]:
            return list(adt.plan(message, state).steps)

        details = {
            "hl7_event": event,
            "hl7_control_id": control_id,
            "sending_application": text(message, "MSH.3"),
            "sending_facility": text(message, "MSH.4"),
        }
        key = f"hl7:{details['sending_application']}:{details['sending_facility']}:{control_id}"
        service = self.runtime.service
        try:
            await self.runtime.write(
                service.execute_together,
                sender(details["sending_facility"]),
                event,
                plan,
                content_of(message),
                key,
                details,
            )
        except adt.Refused as refusal:
            return "AE", acknowledgement(message, "AE", refusal.text, refusal.error_code)
        except DomainError as refusal:
            why = f"{refusal.message} {NOTHING_RECORDED}"
            return "AE", acknowledgement(message, "AE", why, error_code(refusal))
        except OutcomeUnknown:
            return "AE", acknowledgement(message, "AE", UNKNOWN, "207")
        except LogUnreachable:
            return "AE", acknowledgement(message, "AE", UNREACHABLE, "207")
        return "AA", acknowledgement(message, "AA")


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
