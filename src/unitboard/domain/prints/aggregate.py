"""The declaration of this aggregate: registered once, in domain/aggregates.py."""

from __future__ import annotations

from unitboard.domain.context import Context
from unitboard.domain.errors import RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.prints.commands import PrintIdentification
from unitboard.domain.prints.events import EVENTS, IdentificationPrinted
from unitboard.domain.prints.state import Printed, Prints
from unitboard.domain.prints.values import DOCUMENT_LABELS
from unitboard.domain.registry import Aggregate, Evolver, command
from unitboard.domain.stays.state import Stays

PRINTING = {"secretary", "charge_nurse", "nurse"}


def print_identification(state: Hospital, cmd: PrintIdentification, ctx: Context) -> list[Event]:
    stay = state[Stays].stay(cmd.encounter_id)
    if stay.status != "admitted":
        raise RuleViolation(
            f"{DOCUMENT_LABELS[cmd.document]} is printed for an admitted patient; "
            f"{stay.encounter_id} is {stay.status}."
        )
    copies = cmd.copies if cmd.document == "labels_pdf" else 1
    return [
        IdentificationPrinted(
            encounter_id=stay.encounter_id,
            document=cmd.document,
            copies=copies,
            mrn=stay.mrn,
            by=ctx.actor,
        )
    ]


def printed(part: Prints, event: IdentificationPrinted, at: str) -> None:
    latest = part.latest.setdefault(event.encounter_id, {})
    latest[event.document] = Printed(event.document, event.by, at, event.copies)
    part.count += 1


EVOLVERS: dict[type[Event], Evolver] = {IdentificationPrinted: printed}

AGGREGATE = Aggregate(
    name="prints",
    part=Prints,
    commands=[command(PrintIdentification, print_identification, PRINTING, {"stay"})],
    events=EVENTS,
    evolvers=EVOLVERS,
)
"""Who printed which armband or label sheet for whom, and when."""
