"""What housekeeping, the desk and the charge nurse ask of a bed."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, StringConstraints

from unitboard.domain.commands import Command, Id, Reason
from unitboard.domain.values import BlockKind, EvsPriority

ShortReason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class MarkBedDirty(Command):
    """`terminal`: it needs a terminal clean (isolation); once asked for, only a clean
    clears it."""

    bed_id: Id
    priority: EvsPriority | None = None
    terminal: bool = False


class StartCleaning(Command):
    bed_id: Id


class MarkBedClean(Command):
    bed_id: Id


class UndoBedClean(Command):
    """A clean recorded by mistake: the bed goes back to dirty as it was before."""

    bed_id: Id
    reason: ShortReason | None = None


class BlockBed(Command):
    """`kind` says why in one word the board can show (an isolation block shows the bed as
    isolated); left out, it is the reason when the reason is one of the kinds, else other."""

    bed_id: Id
    reason: Reason
    kind: BlockKind | None = None
    until: AwareDatetime | None = None


class UnblockBed(Command):
    bed_id: Id
