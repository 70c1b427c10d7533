"""What a bed allows now: cleaning steps (a terminal clean, undoing a clean), a block or its
lifting."""

from __future__ import annotations

from unitboard.domain.beds.state import Bed, Beds
from unitboard.domain.context import Context
from unitboard.domain.hospital import Hospital
from unitboard.domain.offers import Choice, Offer
from unitboard.domain.values import BLOCK_KINDS, BLOCK_LABELS, TERMINAL_LABEL

CLEAN_KINDS = (Choice("false", "Routine"), Choice("true", TERMINAL_LABEL))


def bed_offers(state: Hospital, bed_id: str, ctx: Context) -> list[Offer]:
    bed = state[Beds].beds.get(bed_id)
    if bed is None:
        return []
    key = {"bed_id": bed_id}
    offers: list[Offer] = []
    if bed.occupancy != "occupied":
        offers += cleaning_offers(bed)
    if bed.encounter_id is None:
        if bed.blocked is not None:
            offers.append(Offer("UnblockBed", key))
        else:
            kinds = tuple(Choice(kind, BLOCK_LABELS[kind]) for kind in BLOCK_KINDS)
            offers.append(Offer("BlockBed", key, {"kind": kinds}, inputs=("reason", "until")))
    return offers


def cleaning_offers(bed: Bed) -> list[Offer]:
    """The next cleaning step; on a clean bed, marking it dirty (routine or terminal) and
    undoing its last clean; on a bed not yet clean, asking for a terminal clean."""
    key = {"bed_id": bed.bed_id}
    if bed.cleanliness == "clean":
        offers = [
            Offer("MarkBedDirty", key, {"terminal": CLEAN_KINDS}, current={"terminal": "false"})
        ]
        if bed.last_clean is not None:
            offers.append(Offer("UndoBedClean", key, inputs=("reason",)))
        return offers
    step = "StartCleaning" if bed.cleanliness == "dirty" else "MarkBedClean"
    offers = [Offer(step, key)]
    if not bed.terminal:
        terminal = {**key, "terminal": "true"}
        if bed.evs_priority is not None:
            terminal["priority"] = bed.evs_priority
        offers.append(Offer("MarkBedDirty", terminal))
    return offers
