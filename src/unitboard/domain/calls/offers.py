"""What a call light allows now (answer while raised, clear while active), and what a bed
with a patient in it allows (raise a light for a patient who phoned the desk)."""

from __future__ import annotations

from unitboard.domain.beds.state import Beds
from unitboard.domain.calls.state import Calls
from unitboard.domain.calls.values import CALL_KINDS, KIND_LABELS
from unitboard.domain.context import Context
from unitboard.domain.hospital import Hospital
from unitboard.domain.offers import Choice, Offer


def call_offers(state: Hospital, call_id: str, ctx: Context) -> list[Offer]:
    call = state[Calls].active.get(call_id)
    if call is None:
        return []
    key = {"call_id": call_id}
    offers = [Offer("AnswerCallLight", key, inputs=("note",))] if call.status == "raised" else []
    return offers + [Offer("ClearCallLight", key)]


def raise_offers(state: Hospital, bed_id: str, ctx: Context) -> list[Offer]:
    """A light raised by hand: the kinds not already lit on the bed."""
    bed = state[Beds].beds.get(bed_id)
    if bed is None or bed.occupancy != "occupied":
        return []
    calls = state[Calls]
    kinds = tuple(
        Choice(kind, KIND_LABELS[kind]) for kind in CALL_KINDS if calls.on_bed(bed_id, kind) is None
    )
    return [Offer("RaiseCallLight", {"bed_id": bed_id}, {"kind": kinds})] if kinds else []
