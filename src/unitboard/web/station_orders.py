"""The station's part of orders and prints, in a patient's bed panel: the orders entered
under a provider's direction for the patient (their state, what each is, who directed,
received and entered it, and what the role may do: acknowledge, discontinue with a reason,
the domain's offers), a form to enter one (the two identifiers typed from the requisition,
never prefilled; the read-back for a heard order; only the categories the role may enter),
and the armband and label downloads with the last print of each. What each order form did,
in words, is here too.

The panel is not part of a live push. Each bed's tile carries a digest of its patient's
orders and prints (`records_look`); when a push changes it for the open bed, the browser
fetches the orders list and the prints again (templates/_station_orders.html), never the
order being typed. Nothing of this reaches a wall display."""

from __future__ import annotations

import hashlib
from typing import Any

from unitboard.domain.context import Context
from unitboard.domain.hospital import Hospital
from unitboard.domain.orders.events import OrderEntered
from unitboard.domain.orders.state import Order, Orders
from unitboard.domain.orders.values import (
    CATEGORIES,
    CATEGORY_LABELS,
    DIRECTING_ROLE,
    LICENSED_ONLY,
    MODE_LABELS,
    MODES,
    PRIORITIES,
    PRIORITY_LABELS,
    READ_BACK_MODES,
)
from unitboard.domain.prints.state import Printed, Prints
from unitboard.domain.stays.offers import nurses
from unitboard.domain.stays.state import Stay, Stays
from unitboard.projections.orders import order_labels, order_view, stay_orders
from unitboard.service.roles import reads_of
from unitboard.store import StoredEvent
from unitboard.web.common import offers_by_command

ORDER_FORM = "order"
"""The form id of the order entry form (its refusal shows in the panel, as any panel form's)."""
ORDER_FORMS = ("orack-", "ordc-")
"""Form ids of the orders list's rows (acknowledge, discontinue): their answer is the list."""
UNLICENSED_ROLES = frozenset({"secretary"})
"""The roles refused a licensed-only category (domain/orders/decide.py): not offered it."""
RECEIVED_MODES = ("verbal",)
"""Modes whose order someone else may have heard: a verbal order relayed by a nurse."""
ENTRY_CHOICES: dict[str, Any] = {
    "priorities": [(p, PRIORITY_LABELS[p]) for p in PRIORITIES],
    "modes": [(m, MODE_LABELS[m]) for m in MODES],
    "read_back_modes": " ".join(m for m in MODES if m in READ_BACK_MODES),
    "received_modes": " ".join(RECEIVED_MODES),
}
"""The entry form's fixed lists, and the modes that show its read-back and its receiver."""
PRINTS = (
    ("armband_pdf", "armband.pdf", "Armband (PDF)"),
    ("armband_zpl", "armband.zpl", "Armband (Zebra)"),
    ("labels_pdf", "labels.pdf", "Labels (PDF)"),
)
"""Each download of a stay's identification: its document, its address, its button."""


def categories_for(role: str) -> list[tuple[str, str]]:
    """The categories a role may enter: a secretary is not offered medication."""
    return [
        (c, CATEGORY_LABELS[c])
        for c in CATEGORIES
        if not (c in LICENSED_ONLY and role in UNLICENSED_ROLES)
    ]


def providers(ctx: Context) -> list[tuple[str, str]]:
    """The active providers, by name: who may direct an order."""
    found = [p for p in ctx.people.everyone() if p.active and p.role == DIRECTING_ROLE]
    return [(p.username, p.name) for p in sorted(found, key=lambda p: p.name)]


def shows_records(stay: Stay, bed_id: str) -> bool:
    """Whether a bed's panel shows the stay's orders: the bed the patient lies in, or the
    one reserved for a patient waiting for admission (not the bed a transfer will take:
    the unit the patient is on enters and follows their orders until they arrive)."""
    if stay.bed_id is not None:
        return stay.bed_id == bed_id
    return stay.status == "pending" and stay.reserved_bed_id == bed_id


def records_look(hospital: Hospital, encounter_id: str) -> str:
    """A short digest of a stay's orders and prints: it changes whenever the panel's list
    or last prints would read differently; empty when there is nothing to show."""
    orders = hospital[Orders].of_stay(encounter_id)
    prints = hospital[Prints].of_stay(encounter_id)
    if not orders and not prints:
        return ""
    facts = [
        (o.order_id, o.state, o.acknowledged_at, o.cosigned_at, o.discontinued_at, o.overdue_at)
        for o in orders
    ]
    printed = sorted((p.document, p.at) for p in prints.values())
    return hashlib.blake2b(repr((facts, printed)).encode(), digest_size=6).hexdigest()


def order_row(hospital: Hospital, order: Order, ctx: Context) -> dict[str, Any]:
    """An order as the panel lists it: the contract's ORDER, its words and the people's
    names, since when it is overdue (the deadline the scheduler found passed: a policy
    changed since moves `cosign_due_at`, not that), and what the role may do to it now."""
    offers = hospital.registry.offered(hospital, "order", order.order_id, ctx)
    return (
        order_view(hospital, order)
        | order_labels(order, ctx.people)
        | {"overdue_at": order.overdue_at, "offers": offers_by_command(offers)}
    )


def order_rows(hospital: Hospital, encounter_id: str, ctx: Context) -> list[dict[str, Any]]:
    """A stay's orders: those overdue for their co-signature first, then the others in
    force, then the discontinued; newest first in each."""
    orders = stay_orders(hospital, encounter_id)  # newest first; the sort keeps that order
    ordered = sorted(orders, key=lambda o: (not o.active, not o.overdue))
    return [order_row(hospital, order, ctx) for order in ordered]


def last_print(prints: dict[str, Printed], documents: tuple[str, ...], ctx: Context) -> Any:
    """The latest of these documents' prints, with who printed it; None if never printed."""
    done = [prints[d] for d in documents if d in prints]
    if not done:
        return None
    latest = max(done, key=lambda p: p.at)
    person = ctx.people.person(latest.by)
    return {
        "document": latest.document,
        "at": latest.at,
        "by": person.name if person is not None else latest.by,
        "copies": latest.copies,
    }


def print_facts(hospital: Hospital, stay: Stay, ctx: Context) -> dict[str, Any]:
    """The downloads of the stay's armband and labels, and when each was last printed."""
    prints = hospital[Prints].of_stay(stay.encounter_id)
    return {
        "links": [(f"/api/stays/{stay.encounter_id}/{path}", label) for _, path, label in PRINTS],
        "armband": last_print(prints, ("armband_pdf", "armband_zpl"), ctx),
        "labels": last_print(prints, ("labels_pdf",), ctx),
    }


def entry_facts(ctx: Context) -> dict[str, Any]:
    """The choices of the entry form for this person: categories, providers, receivers."""
    me = ctx.people.person(ctx.actor)
    return ENTRY_CHOICES | {
        "categories": categories_for(ctx.role),
        "providers": providers(ctx),
        "receivers": [(c.value, c.label) for c in nurses(ctx) if c.value != ctx.actor],
        "me": me.name if me is not None else ctx.actor_name or ctx.actor,
    }


def panel_records(
    hospital: Hospital, stay: Stay, bed_id: str, ctx: Context
) -> dict[str, Any] | None:
    """What a bed's panel shows of the stay's orders and prints, for this person; None when
    the panel is not the patient's (see `shows_records`) or the role reads no orders."""
    reads = reads_of(ctx.role)
    if not shows_records(stay, bed_id) or not reads.orders:
        return None
    rows = order_rows(hospital, stay.encounter_id, ctx)
    active = [row for row in rows if row["status"] == "active"]
    may_enter = stay.active and hospital.registry.may(ctx.role, "EnterOrder")
    may_print = stay.status == "admitted" and reads.prints
    return {
        "encounter_id": stay.encounter_id,
        "rows": rows,
        "active": len(active),
        "new": sum(row["state"] == "new" for row in rows),
        "overdue": sum(row["state"] == "overdue" for row in rows),
        "actions": any(row["offers"] for row in rows),
        "entry": entry_facts(ctx) if may_enter else None,
        "prints": print_facts(hospital, stay, ctx) if may_print else None,
        "look": records_look(hospital, stay.encounter_id),
    }


# -- what each form did, in words ---------------------------------------------------------


def entered_words(hospital: Hospital, events: list[StoredEvent], ctx: Context) -> str:
    """What an entry did: the order's id, for whom, what, and whose co-signature it awaits."""
    entered = [s.event for s in events if isinstance(s.event, OrderEntered)]
    if not entered:
        return "Order entered."
    order = entered[0]
    stay = hospital[Stays].stays.get(order.encounter_id)
    who = f" for {stay.display_name}" if stay is not None else ""
    provider = ctx.people.person(order.directing_provider)
    signer = provider.name if provider is not None else order.directing_provider
    what = f"{CATEGORY_LABELS[order.category]}, {PRIORITY_LABELS[order.priority]}"
    read = ", read back" if order.read_back else ""
    return (
        f"Order {order.order_id} entered{who} ({what}, {MODE_LABELS[order.mode].lower()}"
        f"{read}): it awaits {signer}'s co-signature."
    )


def order_confirmation(hospital: Hospital, name: str, data: dict[str, Any]) -> str:
    """What a form of the orders list did, in words, for the person who sent it."""
    order = hospital[Orders].orders.get(str(data.get("order_id", "")))
    if order is None:
        return "Done."
    what = f"Order {order.order_id} ({CATEGORY_LABELS[order.category]}: {order.detail})"
    if name == "AcknowledgeOrder":
        return f"{what} acknowledged."
    if name == "DiscontinueOrder":
        return f"{what} discontinued ({order.discontinue_reason})."
    return "Done."
