"""What a job allows now and for whom (accept, decline, pick up and complete are the
transporter's own steps; assign offers the transporters free to take it), and what a stay
allows: a transport request prefilled from the stay (origin its bed, destination its
reserved bed or the unit it is going to, isolation from its precautions)."""

from __future__ import annotations

from unitboard.domain.beds.state import Beds
from unitboard.domain.context import Context
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.offers import Choice, Offer
from unitboard.domain.stays.state import Stays
from unitboard.domain.transport.state import Transport


def job_offers(state: Hospital, transport_id: str, ctx: Context) -> list[Offer]:
    part = state[Transport]
    job = part.jobs.get(transport_id)
    if job is None:
        return []
    key = {"transport_id": transport_id}
    me = part.transporter(ctx.actor)
    mine = job.transporter == ctx.actor
    offers: list[Offer] = []
    free_to_take = me is not None and me.status == "available" and me.job is None
    if free_to_take and (job.waiting or (job.status == "offered" and mine)):
        offers.append(Offer("AcceptTransport", key))
    if mine and job.status in ("offered", "assigned"):
        offers.append(Offer("DeclineTransport", key))
    if mine and job.status == "assigned":
        offers.append(Offer("PickUpTransport", key))
    if mine and job.status == "picked_up":
        offers.append(Offer("CompleteTransport", key))
    if job.status != "picked_up":
        takers = tuple(
            Choice(t.username, t.name)
            for t in sorted(part.transporters.values(), key=lambda t: t.name)
            if t.status == "available" and t.job is None and t.username != job.transporter
        )
        if takers:
            offers.append(Offer("AssignTransport", key, {"transporter": takers}))
    offers.append(Offer("CancelTransport", key, inputs=("reason",)))
    return offers


def request_offers(state: Hospital, encounter_id: str, ctx: Context) -> list[Offer]:
    """A transport for a patient in a bed, its form prefilled: the destination one of the
    bed reserved for them, another unit or a place (the ones no open job of theirs goes to
    already); priority, mode and needs typed in, starting from routine, wheelchair and the
    isolation their precautions need."""
    stay = state[Stays].stays.get(encounter_id)
    if stay is None or not stay.active or stay.bed_id is None:
        return []
    layout = state[Layout]
    taken = {job.destination for job in state[Transport].of_stay(encounter_id)}
    ends: list[Choice] = []
    if stay.reserved_bed_id is not None:
        ends.append(Choice(stay.reserved_bed_id, f"Bed {stay.reserved_bed_id} (reserved)"))
    here = state[Beds].beds[stay.bed_id].unit_id
    ends += [Choice(u.unit_id, u.name) for u in layout.units.values() if u.unit_id != here]
    ends += [Choice(p.place_id, p.name) for p in layout.places.values()]
    ends = [end for end in ends if end.value not in taken]
    if not ends:
        return []
    suggested = stay.reserved_bed_id or stay.transfer_to_unit_id
    current = {
        "origin": stay.bed_id,
        "destination": suggested if suggested not in taken else None,
        "priority": "routine",
        "mode": "wheelchair",
        "needs": ["isolation"] if stay.isolated else [],
    }
    return [
        Offer(
            "RequestTransport",
            {"encounter_id": encounter_id},
            {"destination": tuple(ends)},
            inputs=("priority", "mode", "needs", "scheduled_for"),
            current=current,
        )
    ]
