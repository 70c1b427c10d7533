"""Orders: enter (two identifiers, read-back, who may enter what), acknowledge, co-sign,
discontinue; and the scheduler's overdue mark, which checks again that it is still due and
records nothing when it is not. Each decider reads the hospital and returns the events, or
raises."""

from __future__ import annotations

from unitboard.domain.context import Context
from unitboard.domain.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.orders import commands as c
from unitboard.domain.orders import events as e
from unitboard.domain.orders.state import Orders
from unitboard.domain.orders.timing import cosign_due_at
from unitboard.domain.orders.values import (
    CATEGORY_LABELS,
    DIRECTING_ROLE,
    LICENSED_ONLY,
    MODE_LABELS,
    ORDER_ID,
    READ_BACK_MODES,
    made_id,
)
from unitboard.domain.pages.events import PageSent
from unitboard.domain.pages.sending import SYSTEM_SENDER, next_page_id, shortened
from unitboard.domain.stays.state import Stay, Stays

ENTERING_ROLES_FOR_MEDICATION = "a nurse, a charge nurse or the provider"


def enter_order(state: Hospital, cmd: c.EnterOrder, ctx: Context) -> list[Event]:
    stay = state[Stays].stay(cmd.encounter_id)
    if cmd.order_id is not None and (known := _own_id(state, cmd, ctx)) is not None:
        return known
    if not stay.active:
        raise RuleViolation(
            f"{stay.encounter_id} is {stay.status}: orders are entered only for a patient "
            "who is admitted or waiting for a bed."
        )
    _check_identifiers(stay, cmd)
    if cmd.category in LICENSED_ONLY and ctx.role == "secretary":
        raise NotAllowed(
            f"{CATEGORY_LABELS[cmd.category]} orders are entered by a licensed person "
            f"({ENTERING_ROLES_FOR_MEDICATION}), not by the unit secretary."
        )
    provider = _directing(ctx, cmd.directing_provider)
    if cmd.mode in READ_BACK_MODES and not cmd.read_back:
        raise InvalidInput(
            f"A {MODE_LABELS[cmd.mode].lower()} order must be read back to {provider} and "
            "confirmed before it is entered: read it back, then tick the read-back box."
        )
    received_by = cmd.received_by or ctx.actor
    if cmd.received_by is not None and ctx.people.person(cmd.received_by) is None:
        raise NotFound(f"There is no user {cmd.received_by!r} who could have received it.")
    return [
        e.OrderEntered(
            order_id=cmd.order_id or made_id(state[Orders].made + 1),
            encounter_id=stay.encounter_id,
            unit_id=stay.unit_id,
            mrn=cmd.mrn,
            birth_date=cmd.birth_date.isoformat(),
            category=cmd.category,
            detail=cmd.detail,
            priority=cmd.priority,
            mode=cmd.mode,
            directing_provider=cmd.directing_provider,
            received_by=received_by,
            read_back=cmd.read_back,
            by=ctx.actor,
        )
    ]


def _check_identifiers(stay: Stay, cmd: c.EnterOrder) -> None:
    """Both identifiers typed from the requisition must be this patient's: a wrong one is
    named, and nothing is recorded."""
    wrong = []
    if cmd.mrn != stay.mrn:
        wrong.append(f"the MRN {cmd.mrn}")
    if cmd.birth_date != stay.birth_date:
        wrong.append(f"the birth date {cmd.birth_date.isoformat()}")
    if wrong:
        named = " and ".join(wrong)
        raise InvalidInput(
            f"{named[0].upper()}{named[1:]} typed from the requisition "
            f"{'do' if len(wrong) > 1 else 'does'} not match encounter {stay.encounter_id}. "
            "Check the requisition is this patient's before entering the order."
        )


def _directing(ctx: Context, username: str) -> str:
    """The directing provider's name: an active user in the provider role."""
    person = ctx.people.person(username)
    if person is None or not person.active or person.role != DIRECTING_ROLE:
        raise NotFound(
            f"There is no active provider {username!r}: the directing provider must be one."
        )
    return person.name


def _own_id(state: Hospital, cmd: c.EnterOrder, ctx: Context) -> list[Event] | None:
    """A caller's own order id: [] when this very order was entered with it already (a
    retry), None when it is free; refused when another order has it or it has unitboard's
    form."""
    assert cmd.order_id is not None
    known = state[Orders].orders.get(cmd.order_id)
    if known is not None:
        same = (known.encounter_id, known.detail, known.entered_by) == (
            cmd.encounter_id,
            cmd.detail,
            ctx.actor,
        )
        if same:
            return []
        raise RuleViolation(f"Order id {cmd.order_id} is taken by another order.")
    if ORDER_ID.fullmatch(cmd.order_id):
        raise InvalidInput(
            f"Order ids of the form {cmd.order_id} are made by unitboard: leave order_id out."
        )
    return None


def acknowledge_order(state: Hospital, cmd: c.AcknowledgeOrder, ctx: Context) -> list[Event]:
    order = state[Orders].order(cmd.order_id)
    if not order.active:
        raise RuleViolation(
            f"Order {order.order_id} was discontinued ({order.discontinue_reason}): "
            "there is nothing to acknowledge; do not carry it out."
        )
    if order.acknowledged_by is not None:
        if order.acknowledged_by == ctx.actor:
            return []  # a second tap
        raise RuleViolation(
            f"Order {order.order_id} was acknowledged already by "
            f"{_name(ctx, order.acknowledged_by)}."
        )
    return [e.OrderAcknowledged(order_id=order.order_id, by=ctx.actor)]


def cosign_order(state: Hospital, cmd: c.CosignOrder, ctx: Context) -> list[Event]:
    order = state[Orders].order(cmd.order_id)
    if order.directing_provider != ctx.actor:
        raise NotAllowed(
            f"Only the directing provider, {_name(ctx, order.directing_provider)}, "
            f"co-signs order {order.order_id}."
        )
    if order.cosigned_by is not None:
        raise RuleViolation(
            f"Order {order.order_id} is co-signed already ({order.cosigned_at}); it is signed once."
        )
    return [e.OrderCosigned(order_id=order.order_id, by=ctx.actor)]


def discontinue_order(state: Hospital, cmd: c.DiscontinueOrder, ctx: Context) -> list[Event]:
    order = state[Orders].order(cmd.order_id)
    if not order.active:
        raise RuleViolation(
            f"Order {order.order_id} was discontinued already by "
            f"{_name(ctx, order.discontinued_by or '')} ({order.discontinue_reason})."
        )
    return [e.OrderDiscontinued(order_id=order.order_id, reason=cmd.reason, by=ctx.actor)]


def mark_order_overdue(state: Hospital, cmd: c.MarkOrderOverdue, ctx: Context) -> list[Event]:
    order = state[Orders].orders.get(cmd.order_id)
    if order is None or order.cosigned or order.overdue_at is not None:
        return []  # signed, or flagged already
    page_id = next_page_id(state)
    message = (
        f"Order {order.order_id} ({CATEGORY_LABELS[order.category]}, {order.unit_id}) "
        "awaits your co-signature: the deadline has passed."
    )
    return [
        e.OrderOverdue(
            order_id=order.order_id,
            due_at=cosign_due_at(state, order).isoformat(),
            page_id=page_id,
        ),
        PageSent(
            page_id=page_id,
            unit_id=order.unit_id,
            to=order.directing_provider,
            recipient="person",
            message=shortened(message),
            priority="urgent",
            sent_by=SYSTEM_SENDER,
            regarding=order.order_id,
            regarding_kind="order",
        ),
    ]


def _name(ctx: Context, username: str) -> str:
    person = ctx.people.person(username)
    return person.name if person is not None else username
