"""Alerts a screen shows around a patient until they are resolved: a name alert (two patients
on one unit whose family names are the same or sound alike) and a room whose rules broke
after an update in place (an airborne patient in a shared normal room). The station names
both beds; the wall display shows that there is an alert, and nothing of who."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest
from builders import admitted, discharged, layout_events, patient_updated, reserved

from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.projections.alerts import plain_words, sound_alike
from unitboard.projections.board import FULL, WALL, BoardProjection, Viewer
from unitboard.store import StoredEvent
from unitboard.web.common import macros
from unitboard.web.display import ROOM_WARNINGS, display_context, grid_columns, packed_rows


def board(*events: Event | Iterable[Event]) -> BoardProjection:
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


# -- which names sound alike --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Smith", "Smith"),
        ("Smith", "SMITH "),
        ("Smith", "Smyth"),
        ("Müller", "Mueller"),
        ("Catherine", "Kathryn"),
        ("Cohen", "Cohn"),
        ("Garcia", "Garza"),
        ("O'Neill", "Oneil"),
        ("Andersson", "Anderson"),
        ("Garcia-Lopez", "Lopez"),
        ("de la Cruz", "Cruz"),
        ("Knight", "Night"),
        ("Lee", "Leigh"),
        ("Philips", "Fillips"),
    ],
)
def test_the_same_or_sound_alike_family_names_alert(one: str, other: str) -> None:
    assert sound_alike(one, other) and sound_alike(other, one)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Smith", "Garcia"),
        ("Nguyen", "Nixon"),  # one Soundex code, but they sound nothing alike
        ("Jones", "James"),
        ("Garcia", "Quarshie"),  # one Metaphone code (KRX), spelt and said nothing alike
        ("van Dijk", "van Houten"),  # a particle in common is not a name in common
        ("Okafor", "Ivanova"),
        ("", "Smith"),
        ("---", "Smith"),
    ],
)
def test_names_that_sound_different_do_not(one: str, other: str) -> None:
    assert not sound_alike(one, other) and not sound_alike(other, one)


def test_the_demo_hospitals_family_names_are_told_apart() -> None:
    from unitboard.demo.simulator import FAMILY

    alike = [(a, b) for i, a in enumerate(FAMILY) for b in FAMILY[i + 1 :] if sound_alike(a, b)]
    assert alike == []


def test_a_name_is_compared_by_its_plain_words() -> None:
    assert plain_words("Müller-O'Neill") == ("muller", "oneill")
    assert plain_words("van der Berg") == ("berg",)
    assert plain_words("Van") == ("van",)  # a name that is only a particle stays a name


# -- on the board ---------------------------------------------------------------------------------


def two_smiths() -> BoardProjection:
    return board(
        admitted("E1", "4W-401-A", family_name="Smith"),
        admitted("E2", "4W-403-B", family_name="Smyth", mrn="M2"),
        admitted("E3", "4W-402-A", family_name="Okafor", mrn="M3"),
        admitted("E4", "ICU-1-A", family_name="Smith", mrn="M4", unit_id="ICU"),
    )


def test_two_sound_alike_names_on_one_unit_alert_on_both_beds_naming_the_other() -> None:
    projection = two_smiths()
    assert bed(projection, "4W-401-A")["name_alert"] is True
    assert bed(projection, "4W-401-A")["name_alert_beds"] == ["4W-403-B"]
    assert bed(projection, "4W-403-B")["name_alert_beds"] == ["4W-401-A"]
    assert bed(projection, "4W-402-A")["name_alert"] is False  # Okafor
    assert bed(projection, "4W-401-B")["name_alert"] is False  # an empty bed
    assert bed(projection, "ICU-1-A")["name_alert"] is False  # another unit's Smith


def test_an_arriving_patient_counts_and_the_alert_ends_with_the_stay() -> None:
    arriving = reserved("E2", "4W-403-B", family_name="Smith", mrn="M2")
    projection = board(admitted("E1", "4W-401-A", family_name="Smith"), arriving)
    assert bed(projection, "4W-401-A")["name_alert_beds"] == ["4W-403-B"]
    gone = board(
        admitted("E1", "4W-401-A", family_name="Smith"),
        admitted("E2", "4W-403-B", family_name="Smith", mrn="M2"),
        discharged("E2", "4W-403-B"),
    )
    assert bed(gone, "4W-401-A")["name_alert"] is False


def test_a_renamed_patient_alerts_from_the_update_on() -> None:
    projection = board(
        admitted("E1", "4W-401-A", family_name="Smith"),
        admitted("E2", "4W-403-B", family_name="Okafor", mrn="M2"),
        patient_updated("E2", family_name="Smithe"),
    )
    assert bed(projection, "4W-401-A")["name_alert_beds"] == ["4W-403-B"]


def test_the_wall_learns_only_that_there_is_an_alert() -> None:
    projection = two_smiths()
    view = bed(projection, "4W-401-A", WALL)
    assert view["name_alert"] is True and "name_alert_beds" not in view
    text = json.dumps(projection.unit_board("4W", WALL))
    for secret in ("Smith", "Smyth", "Okafor", "E1", "M2"):
        assert secret not in text, secret


def test_no_alert_tells_a_confidential_patients_name_to_who_may_not_see_it() -> None:
    projection = board(
        admitted("E1", "4W-401-A", family_name="Smith"),
        admitted("E2", "4W-403-B", family_name="Smith", mrn="M2", confidential=True),
    )
    assert bed(projection, "4W-401-A")["name_alert_beds"] == ["4W-403-B"]  # care staff
    hidden = Viewer(privacy=False, see_confidential=False)
    for viewer in (WALL, hidden):
        assert bed(projection, "4W-401-A", viewer)["name_alert"] is False
        assert bed(projection, "4W-403-B", viewer)["name_alert"] is False


# -- on the screens -------------------------------------------------------------------------------


def airborne_in_a_shared_room() -> BoardProjection:
    """Accepted (the patient is already there), but the room now breaks two rules."""
    return board(
        admitted("E1", "4W-401-A", family_name="Garcia"),
        admitted("E2", "4W-401-B", family_name="Okafor", mrn="M2"),
        patient_updated("E2", isolation="airborne"),
    )


def test_a_broken_room_rule_shows_on_the_wall_without_identity() -> None:
    projection = airborne_in_a_shared_room()
    context = display_context(projection, "4W")
    room = next(r for r in context["rooms"] if r["room_id"] == "4W-401")
    assert room["warnings"] == ["Needs NP room", "Isolation shared"]
    html = str(macros("_display.html").grid(context))
    assert 'id="room-4W-401" class="room room-warn"' in html
    assert "Needs NP room" in html and "Isolation shared" in html
    for secret in ("Garcia", "Okafor", "E2", "M2"):
        assert secret not in html, secret


def test_every_broken_room_rule_has_words_on_the_wall() -> None:
    mixed = board(
        admitted("E1", "4W-401-A", family_name="Garcia"),
        admitted("E2", "4W-401-B", family_name="Okafor", mrn="M2"),
        patient_updated("E2", sex="M"),
    )
    said = set(bed(mixed, "4W-401-A")["warnings"])
    said |= set(bed(airborne_in_a_shared_room(), "4W-401-A")["warnings"])
    assert said == set(ROOM_WARNINGS)


def station_tile(projection: BoardProjection, bed_id: str) -> str:
    view = bed(projection, bed_id)
    view["room_label"] = projection.layout.rooms[view["room_id"]].label
    return str(macros("_station.html").tile(view, "4W"))


def test_the_station_tile_shows_the_broken_rule_and_the_name_alert() -> None:
    html = station_tile(airborne_in_a_shared_room(), "4W-401-A")
    assert "Airborne precautions need a negative-pressure room" in html
    assert "Name alert" not in html
    html = station_tile(two_smiths(), "4W-401-A")
    assert "Name alert" in html and "4W-403-B" in html


def test_the_wall_tile_shows_a_name_alert() -> None:
    context = display_context(two_smiths(), "4W")
    html = str(macros("_display.html").grid(context))
    assert html.count('class="badge name-alert"') == 2
    assert 'id="bed-4W-401-A" class="bed status-occupied name-alert"' in html


# -- the wall's grid ------------------------------------------------------------------------------


def test_rooms_pack_into_rows_first_fit() -> None:
    assert packed_rows([2, 2, 2, 1, 1], 4) == 2
    assert packed_rows([3, 3, 1, 1], 4) == 2
    assert packed_rows([5], 4) == 1  # a room wider than the grid takes a row


@pytest.mark.parametrize(
    ("rooms", "columns"),
    [
        ([1] * 10, 5),  # a 10-bed unit: two rows of big tiles
        ([1] * 12, 6),  # the demo ICU
        ([2] * 8 + [1] * 8, 8),  # the demo 4W: 24 beds
        ([2] * 20, 10),  # 40 beds
        ([4] * 4 + [2] * 8 + [1] * 8, 10),
    ],
)
def test_the_grid_gets_columns_for_square_tiles_on_one_screen(
    rooms: list[int], columns: int
) -> None:
    assert grid_columns(rooms) == columns
    rows = packed_rows(rooms, columns)
    assert rows * columns >= sum(rooms) and rows <= 5
