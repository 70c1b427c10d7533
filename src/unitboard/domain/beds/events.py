"""What happened to a bed: it turned dirty, was cleaned, was blocked or unblocked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar, Literal

from unitboard.domain.events import BedEvent, Data, Upcaster
from unitboard.domain.values import BlockKind, EvsPriority


class BedMarkedDirty(BedEvent, frozen=True, kw_only=True):
    """`vacated`: its patient left (it joins the EVS queue at once); `evs`: marked by hand."""

    reason: Literal["evs", "vacated"]
    priority: EvsPriority | None = None


class CleaningStarted(BedEvent, frozen=True, kw_only=True):
    pass


class BedCleaned(BedEvent, frozen=True, kw_only=True):
    pass


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


def vacated(bed_id: str) -> BedMarkedDirty:
    """A bed a patient leaves turns dirty at once and joins the EVS queue."""
    return BedMarkedDirty(bed_id=bed_id, reason="vacated")


EVENTS = (BedMarkedDirty, CleaningStarted, BedCleaned, BedBlocked, BedUnblocked)
