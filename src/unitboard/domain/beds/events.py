"""What happened to a bed: it turned dirty, was cleaned (or a clean was undone), was blocked
or unblocked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar, Literal

from unitboard.domain.events import BedEvent, Data, Upcaster
from unitboard.domain.values import BlockKind, EvsPriority


class BedMarkedDirty(BedEvent, frozen=True, kw_only=True):
    """`vacated`: its patient left (it joins the EVS queue at once); `evs`: marked by hand;
    `unblocked`: its isolation or contaminated block was lifted before it was clean.
    `terminal`: it needs a terminal clean (its patient was on isolation precautions, or it
    was isolated or contaminated); logs from before this was recorded read False."""

    reason: Literal["evs", "vacated", "unblocked"]
    priority: EvsPriority | None = None
    terminal: bool = False


class CleaningStarted(BedEvent, frozen=True, kw_only=True):
    """`by`: who started, as the screens name them (a person's name, a system's token
    name), so the tablet says who is cleaning after any restart; None in older logs."""

    by: str | None = None


class BedCleaned(BedEvent, frozen=True, kw_only=True):
    """`by`: who finished, as the screens name them; None in older logs."""

    by: str | None = None


class BedCleanUndone(BedEvent, frozen=True, kw_only=True):
    """A clean recorded by mistake: the bed is dirty again, with the priority and the
    terminal flag it had before that clean, and dirty since it was before."""

    reason: str | None = None
    priority: EvsPriority | None = None
    terminal: bool = False


def _block_kind_from_reason(data: Data) -> Data:
    """Version 1 had only a free-text reason, and the board showed a bed as isolated when
    the reason said "isolation": keep that reading for the blocks recorded then."""
    words = str(data.get("reason", "")).lower()
    kind: BlockKind = "other"
    for candidate in ("isolation", "maintenance", "staffing"):
        if candidate in words:
            kind = candidate
            break
    return {**data, "kind": kind}


class BedBlocked(BedEvent, frozen=True, kw_only=True):
    """Version 2 adds `kind` (version 1: reason text only) and reads `until` as a time."""

    VERSION: ClassVar[int] = 2
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {1: _block_kind_from_reason}
    kind: BlockKind
    reason: str
    until: dt.datetime | None = None


class BedUnblocked(BedEvent, frozen=True, kw_only=True):
    pass


def vacated(bed_id: str, terminal: bool = False) -> BedMarkedDirty:
    """A bed a patient leaves turns dirty at once and joins the EVS queue; one left by a
    patient on isolation precautions needs a terminal clean."""
    return BedMarkedDirty(bed_id=bed_id, reason="vacated", terminal=terminal)


EVENTS = (
    BedMarkedDirty,
    CleaningStarted,
    BedCleaned,
    BedCleanUndone,
    BedBlocked,
    BedUnblocked,
)
