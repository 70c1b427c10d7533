"""The house view's counts and pushes, and the patient search, on the test hospital: each
unit counted as its board counts it, transfers coming in counted on the unit they go to (and
no more once cancelled, though a cancel names no bed there), a push that carries only the
units whose counts moved, and a search that finds a patient by any word of their names or
identifiers, accents or not."""

from __future__ import annotations

from collections.abc import Iterable

from builders import (
    admission_requested,
    admitted,
    layout_events,
    marked_dirty,
    reserved,
    stay_event,
    transfer_requested,
)

from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.projections.board import BoardProjection
from unitboard.realtime.screens import TouchedUnits
from unitboard.store import StoredEvent
from unitboard.web.house import HOUSE_VIEW, MAX_HITS, HouseCounts, HouseRenderer, search


class House:
    """The server's projection and the house view's renderer, fed batch by batch."""

    def __init__(self, *events: Event | Iterable[Event]) -> None:
        self.projection = BoardProjection(Hospital())
        self.touched = TouchedUnits(self.projection)
        self.renderer = HouseRenderer(self.projection)
        self.position = 0
        self.feed(layout_events(), *events)

    def feed(self, *events: Event | Iterable[Event]) -> str | None:
        """Apply a batch as the server does, then the house view's push (None: nothing)."""
        flat: list[Event] = []
        for item in events:
            flat += [item] if isinstance(item, Event) else list(item)
        batch = []
        for event in flat:
            self.position += 1
            at = f"2026-03-01T08:{self.position % 60:02d}:00+00:00"
            batch.append(StoredEvent(self.position, event.stream_id, 1, event, {}, at))
        self.projection.apply(batch)
        units = self.touched(batch)
        if units == frozenset():
            return None
        self.renderer.counts.touched(units)
        return self.renderer.changes(HOUSE_VIEW)

    def row(self, unit: str) -> dict[str, object]:
        rows = HouseCounts(self.projection).rows()
        return next(row for row in rows if row["unit_id"] == unit)


def test_each_unit_is_counted_as_its_board_counts_it() -> None:
    house = House(
        admitted("E1", "4W-401-A"),
        reserved("E2", "4W-402-A"),
        admission_requested("E3"),
        marked_dirty("4W-403-A"),
        admission_requested("E4", unit_id="ICU"),
    )
    for unit in ("4W", "ICU"):
        row, census = house.row(unit), house.projection.census(unit)
        for key in ("total", "occupied", "reserved", "ready", "dirty", "blocked"):
            assert row[key] == census[key], (unit, key)
        assert row["pending"] == census["pending_admissions"]
    assert house.row("4W")["pending"] == 1 and house.row("ICU")["pending"] == 1


def test_a_transfer_counts_on_the_unit_it_goes_to_until_cancelled() -> None:
    house = House(admitted("E1", "4W-401-A"))
    house.renderer.snapshot(HOUSE_VIEW)
    push = house.feed(transfer_requested("E1", "ICU"))
    assert house.row("ICU")["incoming"] == 1 and house.row("4W")["incoming"] == 0
    assert push is not None and 'id="house-ICU"' in push
    cancel = stay_event("TransferCancelled", "E1", reason="stays", released_bed_id=None)
    push = house.feed(cancel)  # names the stay (on 4W) and no bed of ICU
    assert house.row("ICU")["incoming"] == 0
    assert push is not None and 'id="house-ICU"' in push


def test_a_push_carries_only_the_units_whose_counts_moved() -> None:
    house = House()
    whole = house.renderer.snapshot(HOUSE_VIEW)
    assert 'id="house-4W"' in whole and 'id="house-ICU"' in whole
    push = house.feed(marked_dirty("4W-401-A"))
    assert push is not None
    assert 'id="house-4W"' in push and 'id="house-ICU"' not in push
    assert 'id="house-total"' in push and 'data-position="' in push
    assert house.renderer.snapshot(HOUSE_VIEW) != whole  # the next screen sees the change


def test_search_finds_by_any_word_of_names_or_identifiers() -> None:
    house = House(
        admitted("E1", "4W-401-A", family_name="Øberg-Vasquez", given_name="Zoë", mrn="MRN-77"),
        admission_requested("E2", family_name="Smith", given_name="Jo", mrn="MRN-12"),
    )
    projection = house.projection

    def found(query: str) -> list[str]:
        return [hit["encounter_id"] for hit in search(projection, query, "secretary").hits]

    assert found("oberg zoe") == ["E1"]
    assert found("ZOË") == ["E1"]
    assert found("vasq") == ["E1"]
    assert found("77") == ["E1"]
    assert found("mrn") == ["E1", "E2"]
    assert found("e2") == ["E2"]
    assert found("smith zoe") == []  # every word must match
    hit = search(projection, "oberg", "secretary").hits[0]
    assert (hit["mrn"], hit["birth_date"], hit["bed_label"]) == ("MRN-77", "1950-04-02", "401-A")
    short = search(projection, " s ", "secretary")
    assert short.hits == [] and short.note is not None and "at least 2" in short.note


def test_search_shows_at_most_a_page_and_says_how_many_more() -> None:
    patients = [admission_requested(f"E{n}", family_name="Lee", mrn=f"M{n}") for n in range(40)]
    found = search(House(*patients).projection, "lee", "charge_nurse")
    assert len(found.hits) == MAX_HITS and found.more == 40 - MAX_HITS
