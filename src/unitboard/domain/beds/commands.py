"""What housekeeping, the desk and the charge nurse ask of a bed."""

from __future__ import annotations

from pydantic import AwareDatetime

from unitboard.domain.commands import Command, Id, Reason
from unitboard.domain.values import BlockKind, EvsPriority


class MarkBedDirty(Command):
    bed_id: Id
    priority: EvsPriority | None = None


class StartCleaning(Command):
    bed_id: Id


class MarkBedClean(Command):
    bed_id: Id


class BlockBed(Command):
    """`kind` says why in one word the board can show (an isolation block shows the bed as
    isolated); left out, it is the reason when the reason is one of the kinds, else other."""

    bed_id: Id
    reason: Reason
    kind: BlockKind | None = None
    until: AwareDatetime | None = None


class UnblockBed(Command):
    bed_id: Id
