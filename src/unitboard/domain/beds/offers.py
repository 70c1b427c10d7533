"""What a bed allows now: cleaning steps, a block or its lifting."""

from __future__ import annotations

from unitboard.domain.beds.state import Beds
from unitboard.domain.context import Context
from unitboard.domain.hospital import Hospital
from unitboard.domain.offers import Choice, Offer
from unitboard.domain.values import BLOCK_KINDS, BLOCK_LABELS


def bed_offers(state: Hospital, bed_id: str, ctx: Context) -> list[Offer]:
    bed = state[Beds].beds.get(bed_id)
    if bed is None:
        return []
    key = {"bed_id": bed_id}
    offers: list[Offer] = []
    if bed.occupancy != "occupied":
        if bed.cleanliness == "dirty":
            offers.append(Offer("StartCleaning", key))
        elif bed.cleanliness == "cleaning":
            offers.append(Offer("MarkBedClean", key))
        else:
            offers.append(Offer("MarkBedDirty", key))
    if bed.encounter_id is None:
        if bed.blocked is not None:
            offers.append(Offer("UnblockBed", key))
        else:
            kinds = tuple(Choice(kind, BLOCK_LABELS[kind]) for kind in BLOCK_KINDS)
            offers.append(Offer("BlockBed", key, {"kind": kinds}, inputs=("reason", "until")))
    return offers
