"""The declaration of this aggregate: registered once, in domain/aggregates.py."""

from unitboard.domain.beds import commands as c
from unitboard.domain.beds import decide, events
from unitboard.domain.beds.evolve import EVOLVERS
from unitboard.domain.beds.offers import bed_offers
from unitboard.domain.beds.state import Beds
from unitboard.domain.hospital import Hospital
from unitboard.domain.registry import Aggregate, command

CLEANING = {"evs", "secretary", "charge_nurse"}
BLOCKING = {"secretary", "charge_nurse"}
FEED = {"integration"}
"""The EHR's bed status message (A20) marks a bed dirty or clean (cleaning started and done,
as housekeeping reports it), and closes or reopens it."""


def units_of_bed(state: Hospital, bed_id: str) -> tuple[str, ...]:
    bed = state[Beds].beds.get(bed_id)
    return (bed.unit_id,) if bed is not None else ()


AGGREGATE = Aggregate(
    name="beds",
    part=Beds,
    commands=[
        command(c.MarkBedDirty, decide.mark_dirty, CLEANING | FEED, {"bed"}),
        command(c.StartCleaning, decide.start_cleaning, CLEANING | FEED, {"bed"}),
        command(c.MarkBedClean, decide.mark_clean, CLEANING | FEED, {"bed"}),
        command(c.UndoBedClean, decide.undo_clean, CLEANING, {"bed"}),
        command(c.BlockBed, decide.block, BLOCKING | FEED, {"bed"}),
        command(c.UnblockBed, decide.unblock, BLOCKING | FEED, {"bed"}),
    ],
    events=events.EVENTS,
    evolvers=EVOLVERS,
    locate={"bed": units_of_bed},
    offers={"bed": bed_offers},
)
