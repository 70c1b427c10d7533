"""What a stay allows now, with the choices the rules accept: legal beds, swap partners,
units to transfer to, nurses to assign."""

from __future__ import annotations

from collections.abc import Iterable

from unitboard.domain.beds.state import Bed, Beds
from unitboard.domain.context import Context
from unitboard.domain.errors import DomainError
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.offers import Choice, Offer
from unitboard.domain.stays import commands as c
from unitboard.domain.stays.decide import NURSING_ROLES, swap_beds
from unitboard.domain.stays.placement import accepts
from unitboard.domain.stays.state import Stay, Stays
from unitboard.domain.values import ISOLATION_LABELS, ISOLATIONS


def bed_label(state: Hospital, bed: Bed) -> str:
    return f"{state[Layout].rooms[bed.room_id].label}-{bed.label}"


def legal_beds(state: Hospital, stay: Stay, unit_ids: Iterable[str]) -> tuple[Choice, ...]:
    """The beds of these units that the placement rules let this patient take now."""
    layout, beds = state[Layout], state[Beds].beds
    choices = []
    for unit_id in unit_ids:
        if unit_id not in layout.units:
            continue
        for bed_id in layout.bed_ids(unit_id):
            bed = beds[bed_id]
            if bed_id not in (stay.bed_id, stay.reserved_bed_id) and accepts(state, stay, bed):
                choices.append(Choice(bed_id, bed_label(state, bed)))
    return tuple(choices)


def swap_partners(state: Hospital, stay: Stay) -> tuple[Choice, ...]:
    """Patients of the same unit this one may trade beds with now."""
    partners = []
    beds = state[Beds].beds
    for other in state[Stays].open_stays.values():
        if other is stay or other.bed_id is None or other.unit_id != stay.unit_id:
            continue
        swap = c.SwapBeds(encounter_id=stay.encounter_id, other_encounter_id=other.encounter_id)
        try:
            swap_beds(state, swap, Context())
        except DomainError:
            continue
        partners.append(Choice(other.encounter_id, bed_label(state, beds[other.bed_id])))
    return tuple(sorted(partners, key=lambda choice: choice.label))


def nurses(ctx: Context) -> tuple[Choice, ...]:
    """The active nurses and charge nurses, by name."""
    staff = [p for p in ctx.people.everyone() if p.active and p.role in NURSING_ROLES]
    return tuple(Choice(p.username, p.name) for p in sorted(staff, key=lambda p: p.name))


def stay_offers(state: Hospital, encounter_id: str, ctx: Context) -> list[Offer]:
    stay = state[Stays].stays.get(encounter_id)
    if stay is None or not stay.active:
        return []
    key = {"encounter_id": encounter_id}
    offers = [_update(stay)]
    if stay.reserved_bed_id is not None and accepts(
        state, stay, state[Beds].beds[stay.reserved_bed_id]
    ):
        offers.append(Offer("MarkArrived", key))
    if stay.status == "pending":
        offers += _choose(stay, "AssignBed", "bed_id", legal_beds(state, stay, [stay.unit_id]))
        offers.append(Offer("CancelAdmission", key, inputs=("reason",)))
        return offers
    offers += _admitted(state, stay, ctx)
    return offers


def _admitted(state: Hospital, stay: Stay, ctx: Context) -> list[Offer]:
    key = {"encounter_id": stay.encounter_id}
    offers: list[Offer] = []
    if stay.discharge_ordered:
        offers.append(Offer("CancelDischarge", key, inputs=("reason",)))
    else:
        offers.append(Offer("OrderDischarge", key, inputs=("expected_at",)))
    offers.append(Offer("DischargePatient", key))
    moves = legal_beds(state, stay, dict.fromkeys([stay.unit_id, stay.transfer_to_unit_id or ""]))
    offers += _choose(stay, "MovePatient", "bed_id", moves)
    if stay.transfer_to_unit_id is None:
        units = tuple(
            Choice(unit.unit_id, f"{unit.unit_id} — {unit.name}")
            for unit in state[Layout].units.values()
            if unit.unit_id != stay.unit_id
        )
        offers += _choose(stay, "RequestTransfer", "to_unit_id", units, ("reason",))
    else:
        # A bed on the receiving unit: reserved, or another one instead of the reserved one.
        incoming = legal_beds(state, stay, [stay.transfer_to_unit_id])
        offers += _choose(stay, "AssignBed", "bed_id", incoming)
        offers.append(Offer("CancelTransfer", key, inputs=("reason",)))
    offers += _choose(stay, "SwapBeds", "other_encounter_id", swap_partners(state, stay))
    offers += _choose(stay, "AssignNurse", "nurse", nurses(ctx), current={"nurse": stay.nurse})
    return offers


def _choose(
    stay: Stay,
    command: str,
    field: str,
    choices: tuple[Choice, ...],
    inputs: tuple[str, ...] = (),
    current: dict[str, object] | None = None,
) -> list[Offer]:
    """The offer, when there is at least one choice the rules accept; else nothing."""
    if not choices:
        return []
    key = {"encounter_id": stay.encounter_id}
    return [Offer(command, key, {field: choices}, inputs, current or {})]


def _update(stay: Stay) -> Offer:
    isolations = tuple(Choice(value, ISOLATION_LABELS[value]) for value in ISOLATIONS)
    current = {
        "isolation": stay.isolation,
        "fall_risk": stay.fall_risk,
        "confidential": stay.confidential,
        "attending": stay.attending,
    }
    return Offer(
        "UpdatePatient",
        {"encounter_id": stay.encounter_id},
        {"isolation": isolations},
        inputs=("fall_risk", "confidential", "attending"),
        current=current,
    )
