"""What the board shows housekeeping: the EVS queue of one unit, who is cleaning a bed and
since when (named in full at the station, "Eva H." on a wall), a terminal clean, the beds
cleaned lately (those an undo can still put back), and a bed's history in words."""

from __future__ import annotations

import datetime as dt

from builders import (
    admitted,
    clean_undone,
    cleaned,
    cleaning_started,
    marked_dirty,
    reserved,
    vacated,
)
from test_board_views import bed, board

from unitboard.domain.beds import events as b
from unitboard.domain.events import Event
from unitboard.projections.board import WALL
from unitboard.projections.history import describe

EVA = "Eva Housekeeping"


def at(minute: int) -> dt.datetime:
    """A time of the test board's morning: `board` records the n-th event at 08:n."""
    return dt.datetime(2026, 3, 1, 8, minute, tzinfo=dt.UTC)


def test_the_evs_queue_of_one_unit_holds_only_that_units_beds_in_the_same_order() -> None:
    projection = board(
        vacated("ICU-3-A"),
        vacated("4W-403-A"),
        reserved("E1", "4W-402-A"),
        marked_dirty("4W-402-A"),
        vacated("ICU-2-A"),
    )
    everyone = [x.bed_id for x in projection.evs_queue()]
    assert everyone == ["4W-402-A", "ICU-3-A", "4W-403-A", "ICU-2-A"]
    assert [x.bed_id for x in projection.evs_queue("4W")] == ["4W-402-A", "4W-403-A"]
    assert [x.bed_id for x in projection.evs_queue("ICU")] == ["ICU-3-A", "ICU-2-A"]


def test_a_bed_being_cleaned_says_who_cleans_it_and_since_when() -> None:
    projection = board(vacated("4W-403-A"), cleaning_started("4W-403-A", by=EVA))
    view = bed(projection, "4W-403-A")
    since = projection.beds["4W-403-A"].cleaning_since
    assert since is not None and since.startswith("2026-03-01T08:")
    assert view["cleaning"] == {"by": EVA, "since": since}
    assert bed(projection, "4W-403-A", WALL)["cleaning"] == {"by": "Eva H.", "since": since}


def test_a_cleaning_recorded_before_names_were_kept_shows_no_name_but_its_age() -> None:
    projection = board(vacated("4W-403-A"), cleaning_started("4W-403-A", by=None))
    cleaning = bed(projection, "4W-403-A")["cleaning"]
    assert cleaning["by"] is None and cleaning["since"] is not None


def test_a_dirty_or_clean_bed_has_nobody_cleaning_it() -> None:
    projection = board(vacated("4W-403-A"))
    assert bed(projection, "4W-403-A")["cleaning"] is None
    assert bed(projection, "4W-402-A")["cleaning"] is None


def test_a_terminal_clean_shows_on_the_bed_until_it_is_clean() -> None:
    projection = board(vacated("4W-404-A", terminal=True), cleaning_started("4W-404-A"))
    assert bed(projection, "4W-404-A")["terminal"] is True
    assert bed(projection, "4W-404-A", WALL)["terminal"] is True
    projection = board(
        vacated("4W-404-A", terminal=True), cleaning_started("4W-404-A"), cleaned("4W-404-A")
    )
    assert bed(projection, "4W-404-A")["terminal"] is False


def test_recently_cleaned_lists_free_beds_cleaned_since_the_time_asked_latest_first() -> None:
    events: list[Event | list[Event]] = [
        *(vacated(x) for x in ("4W-403-A", "4W-403-B", "ICU-3-A", "4W-402-A")),
        *(cleaning_started(x) for x in ("4W-403-A", "4W-403-B", "ICU-3-A", "4W-402-A")),
        cleaned("4W-403-A", by=EVA),
        cleaned("ICU-3-A", by=EVA),
        cleaned("4W-403-B", by=EVA),
        cleaned("4W-402-A", by=EVA),
        admitted("E1", "4W-402-A"),  # a patient lies in it now: no undo any more
    ]
    projection = board(*events)
    first_clean = projection.beds["4W-403-A"].last_clean
    assert first_clean is not None
    since = dt.datetime.fromisoformat(first_clean.at)
    recent = [x.bed_id for x in projection.recently_cleaned(since)]
    assert recent == ["4W-403-B", "ICU-3-A", "4W-403-A"]
    assert [x.bed_id for x in projection.recently_cleaned(since, "4W")] == ["4W-403-B", "4W-403-A"]
    later = since + dt.timedelta(minutes=1)
    assert [x.bed_id for x in projection.recently_cleaned(later, "4W")] == ["4W-403-B"]
    last = projection.beds["4W-403-B"].last_clean
    assert last is not None
    assert bed(projection, "4W-403-B")["last_clean"] == {"by": EVA, "at": last.at}


def test_an_undone_clean_leaves_the_recent_list_and_is_back_in_the_queue_in_its_place() -> None:
    projection = board(
        vacated("4W-403-A"),
        vacated("4W-403-B"),
        cleaning_started("4W-403-A"),
        cleaned("4W-403-A"),
        clean_undone("4W-403-A"),
    )
    assert projection.recently_cleaned(at(0)) == []
    assert [x.bed_id for x in projection.evs_queue("4W")] == ["4W-403-A", "4W-403-B"]
    assert bed(projection, "4W-403-A")["last_clean"] is None


def test_a_beds_history_says_terminal_and_undone_in_words() -> None:
    projection = board()
    assert describe(projection, vacated("4W-404-A", terminal=True)) == (
        "Patient left; bed dirty (Terminal clean — isolation)"
    )
    unblocked = b.BedMarkedDirty(bed_id="4W-404-A", reason="unblocked", terminal=True)
    assert describe(projection, unblocked) == (
        "Block lifted before the bed was clean (Terminal clean — isolation)"
    )
    assert describe(projection, marked_dirty("4W-404-A", priority="stat")) == (
        "Marked dirty (STAT clean)"
    )
    undone = clean_undone("4W-404-A", terminal=True, reason="bathroom not done")
    assert describe(projection, undone) == (
        "Clean undone: still dirty (Terminal clean — isolation): bathroom not done"
    )
