"""The board's views: one status per bed, census counts, the EVS queue's order, and what
a wall display may show of a patient (initials, an alias for a confidential stay, never an
identifier) against what the station shows (full name beside MRN and birth date)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest
from builders import (
    admission_requested,
    admitted,
    blocked,
    cleaning_started,
    layout_events,
    marked_dirty,
    reserved,
    vacated,
)

from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.projections.board import FULL, WALL, BoardProjection, Viewer
from unitboard.projections.privacy import alias, initials
from unitboard.store import StoredEvent


def board(*events: Event | Iterable[Event]) -> BoardProjection:
    """The test hospital after `events`, one minute apart, as the server's projection."""
    flat = [*layout_events()]
    for item in events:
        flat += [item] if isinstance(item, Event) else list(item)
    projection = BoardProjection(Hospital())
    projection.apply(
        [
            StoredEvent(n, e.stream_id, 1, e, {}, f"2026-03-01T08:{n % 60:02d}:00+00:00")
            for n, e in enumerate(flat, start=1)
        ]
    )
    return projection


def bed(projection: BoardProjection, bed_id: str, viewer: Viewer = FULL) -> dict[str, Any]:
    return projection.bed_view(projection.beds[bed_id], viewer)


# -- status and census --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "status", "code"),
    [
        ([], "clean", "U"),
        ([vacated("4W-402-A")], "dirty", "H"),
        ([vacated("4W-402-A"), cleaning_started("4W-402-A")], "cleaning", "H"),
        ([reserved("E1", "4W-402-A")], "reserved", "R"),
        ([admitted("E1", "4W-402-A")], "occupied", "O"),
        ([blocked("4W-402-A", "broken rail", kind="maintenance")], "blocked", "C"),
        ([blocked("4W-402-A", "closed", kind="staffing")], "blocked", "C"),
        ([blocked("4W-402-A", "C. diff terminal clean", kind="isolation")], "isolated", "I"),
        ([blocked("4W-402-A", "spill", kind="contaminated")], "contaminated", "K"),
        ([vacated("4W-402-A"), blocked("4W-402-A", "x", kind="contaminated")], "contaminated", "K"),
    ],
    ids=["clean", "dirty", "cleaning", "reserved", "occupied", "maintenance", "staffing",
         "isolation", "contaminated", "dirty-and-contaminated"],
)  # fmt: skip
def test_each_bed_shows_one_status_as_hl7_0116_reads(
    events: list[Any], status: str, code: str
) -> None:
    shown = bed(board(*events), "4W-402-A")
    assert (shown["status"], shown["status_code"]) == (status, code)


def test_the_census_counts_each_bed_once_by_what_it_is_now() -> None:
    projection = board(
        admitted("E1", "4W-401-A"),
        admitted("E2", "4W-401-B", mrn="M2"),
        reserved("E3", "4W-402-A", mrn="M3"),
        vacated("4W-403-A"),
        vacated("4W-403-B"),
        cleaning_started("4W-403-B"),
        blocked("4W-403-C", "leak"),
        admission_requested("E4", mrn="M4"),
        admission_requested("E5", mrn="M5", unit_id="ICU"),
    )
    assert projection.census("4W") == {
        "total": 7,
        "occupied": 2,
        "reserved": 1,
        "ready": 1,  # 4W-404-A only: 403-C is clean but blocked
        "dirty": 2,  # dirty or being cleaned, and no patient in it
        "blocked": 1,
        "pending_admissions": 1,
    }
    assert projection.census("ICU")["pending_admissions"] == 1


# -- the EVS queue ------------------------------------------------------------------------------


def test_evs_cleans_a_bed_a_patient_waits_for_first_then_clean_next_oldest_first() -> None:
    projection = board(
        vacated("4W-403-A"),  # dirty first, on 4W
        vacated("ICU-3-A"),  # dirty next, on ICU: nobody waits there
        reserved("E1", "ICU-1-A"),
        marked_dirty("ICU-1-A"),  # a reserved bed found soiled: a patient waits for it
        vacated("ICU-2-A"),
        marked_dirty("ICU-2-A", priority="clean_next"),
        admission_requested("E2", mrn="M2"),  # someone waits for a 4W bed
        vacated("4W-401-B"),
    )
    queue = [(b.bed_id, projection.evs_priority(b)) for b in projection.evs_queue()]
    assert queue == [
        ("ICU-1-A", "stat"),
        ("4W-403-A", "clean_next"),  # a patient waits for a 4W bed; then by how long dirty
        ("ICU-2-A", "clean_next"),  # marked clean-next by hand
        ("4W-401-B", "clean_next"),
        ("ICU-3-A", None),
    ]


def test_an_occupied_or_clean_bed_is_not_in_the_evs_queue() -> None:
    projection = board(admitted("E1", "4W-401-A"), vacated("4W-402-A"))
    assert [b.bed_id for b in projection.evs_queue()] == ["4W-402-A"]


# -- who is named, and how ------------------------------------------------------------------------


def test_a_wall_display_names_a_patient_by_initials_and_shows_no_identifier() -> None:
    projection = board(
        admitted("E1", "4W-401-A", family_name="Okonkwo", given_name="adaeze", mrn="MRN-77")
    )
    wall = bed(projection, "4W-401-A", WALL)
    assert wall["patient"]["name"] == "A. Ok."
    assert wall["encounter_id"] is None
    text = json.dumps(projection.unit_board("4W", WALL))
    for secret in ("Okonkwo", "adaeze", "MRN-77", "1950-04-02", "E1", "Dr. House"):
        assert secret not in text, secret


def test_the_station_names_a_patient_in_full_beside_mrn_and_birth_date() -> None:
    projection = board(admitted("E1", "4W-401-A", family_name="Okonkwo", given_name="Adaeze"))
    patient = bed(projection, "4W-401-A")["patient"]
    assert patient["name"] == "Okonkwo, Adaeze"
    assert (patient["mrn"], patient["birth_date"]) == ("MRN-E1", "1950-04-02")


def test_a_confidential_stay_shows_an_alias_to_whoever_may_not_see_the_name() -> None:
    projection = board(admitted("E1", "4W-401-A", family_name="Famous", confidential=True))
    wall = bed(projection, "4W-401-A", WALL)["patient"]
    hidden = bed(projection, "4W-401-A", Viewer(privacy=False, see_confidential=False))["patient"]
    allowed = bed(projection, "4W-401-A")["patient"]
    stay = projection.stays.stays["E1"]
    assert wall["name"] == hidden["name"] == alias(stay)
    assert wall["name"].startswith("Confidential ") and "Famous" not in wall["name"]
    assert (hidden["mrn"], hidden["birth_date"], hidden["family_name"]) == (None, None, None)
    assert allowed["name"] == "Famous, Jane" and allowed["mrn"] == "MRN-E1"
    assert "Famous" not in json.dumps(projection.unit_board("4W", WALL))


def test_an_alias_is_stable_for_a_stay_and_differs_between_stays() -> None:
    projection = board(
        admitted("E1", "4W-401-A", confidential=True),
        admitted("E2", "4W-401-B", mrn="M2", confidential=True),
    )
    first, second = projection.stays.stays["E1"], projection.stays.stays["E2"]
    assert alias(first) == alias(first) != alias(second)


@pytest.mark.parametrize(
    ("given_name", "family_name", "shown"),
    [
        ("Jane", "Smith", "J. Sm."),
        ("jane", "o'neill", "J. O'."),
        ("Ñúñez", "Øster", "Ñ. Øs."),
        ("Li", "Wu", "L. Wu."),
        ("  Ana ", " de la Cruz", "A. De."),
    ],
)
def test_initials_are_the_given_initial_and_two_letters_of_the_family_name(
    given_name: str, family_name: str, shown: str
) -> None:
    projection = board(
        admitted("E1", "4W-401-A", given_name=given_name.strip(), family_name=family_name.strip())
    )
    assert initials(projection.stays.stays["E1"]) == shown
