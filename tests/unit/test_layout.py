"""Loading a layout file: the events that bring the hospital in line with it, nothing when
nothing changed, refusals for what would strand a patient, and errors that name the line."""

from __future__ import annotations

import all_commands as c
import pytest
from builders import admitted, apply, given, reserved, then_refused, when

from hospital import LAYOUT, admission, without_room
from unitboard.domain.errors import InvalidInput, RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide
from unitboard.domain.layout.file import LayoutError
from unitboard.domain.layout.state import Layout


def load(text: str) -> c.LoadLayout:
    return c.LoadLayout(toml=text)


def types(events: list[Event]) -> list[str]:
    return [event.type for event in events]


def test_a_first_load_records_the_hospital_its_units_rooms_and_beds_in_order() -> None:
    events = decide(Hospital(), load(LAYOUT))
    assert types(events[:4]) == ["HospitalNamed", "UnitDefined", "RoomDefined", "BedAdded"]
    assert types(events).count("UnitDefined") == 2
    assert types(events).count("RoomDefined") == 7
    assert types(events).count("BedAdded") == 11
    layout = apply(Hospital(), events)[Layout]
    assert layout.name == "Riverside General"
    assert layout.bed_ids("4W") == [
        "4W-401-A", "4W-401-B", "4W-402-A", "4W-403-A", "4W-403-B", "4W-403-C", "4W-404-A",
    ]  # fmt: skip
    assert layout.rooms["4W-404"].features == ("negative_pressure", "private")


def test_loading_the_same_file_again_records_nothing() -> None:
    assert when(given(), load(LAYOUT)) == []


def test_a_renamed_unit_is_changed_in_place() -> None:
    events = when(given(), load(LAYOUT.replace("4 West Medical", "4 West Medicine")))
    assert types(events) == ["UnitChanged"]
    assert apply(given(), events)[Layout].units["4W"].name == "4 West Medicine"


def test_a_new_room_adds_its_beds_and_a_removed_empty_room_takes_its_beds_along() -> None:
    grown = LAYOUT + '\n[[unit.room]]\nid = "4"\nbeds = ["A", "B"]\n'
    assert types(when(given(), load(grown))) == ["RoomDefined", "BedAdded", "BedAdded"]
    shrunk = without_room(LAYOUT, "4W", "403")
    events = when(given(), load(shrunk))
    assert types(events) == ["BedRemoved", "BedRemoved", "BedRemoved", "RoomRemoved"]
    state = apply(given(), events)
    assert "4W-403" not in state[Layout].rooms and "4W-403-A" not in state[Layout].bed_ids("4W")


def test_new_features_of_an_empty_room_are_recorded() -> None:
    featured = LAYOUT.replace(
        'id = "402"\nbeds = ["A"]\nfeatures = ["private"]',
        'id = "402"\nbeds = ["A"]\nfeatures = ["private", "bariatric"]',
    )
    events = when(given(), load(featured))
    assert types(events) == ["RoomFeaturesChanged"]
    assert apply(given(), events)[Layout].rooms["4W-402"].features == ("bariatric", "private")


@pytest.mark.parametrize("holding", [admitted, reserved], ids=["occupied", "reserved"])
def test_a_room_holding_a_patient_is_neither_removed_nor_refeatured(holding: object) -> None:
    state = given(holding("E1", "4W-402-A"))  # type: ignore[operator]
    then_refused(state, load(without_room(LAYOUT, "4W", "402")), RuleViolation, "4W-402-A")
    featured = LAYOUT.replace('features = ["private"]', 'features = ["private", "bariatric"]')
    then_refused(state, load(featured), RuleViolation, "features", "4W-402")


def test_a_unit_with_an_active_stay_is_not_removed_and_an_empty_one_is() -> None:
    icu_start = LAYOUT.index('[[unit]]\nid = "ICU"')
    without_icu = LAYOUT[:icu_start]
    state = given(admitted("E1", "ICU-3-A", **{"unit_id": "ICU"}))
    then_refused(state, load(without_icu), RuleViolation, "ICU", "E1")
    events = when(given(), load(without_icu))
    assert types(events)[-1] == "UnitRemoved" and types(events).count("RoomRemoved") == 3
    assert "ICU" not in apply(given(), events)[Layout].units


def test_a_unit_cannot_stop_mixing_sexes_while_a_room_mixes_them() -> None:
    state = given(
        admitted("E1", "ICU-3-A", unit_id="ICU", sex="F"),
        admitted("E2", "ICU-3-B", unit_id="ICU", sex="M", mrn="M2"),
    )
    unmixed = LAYOUT.replace("mixed_sex_rooms = true", "mixed_sex_rooms = false")
    then_refused(state, load(unmixed), RuleViolation, "ICU", "ICU-3", "different sexes")
    assert types(when(given(), load(unmixed))) == ["UnitChanged"]


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            LAYOUT.replace('beds = ["A"]\n', 'beds = ["A"]\ncolour = "teal"\n', 1),
            ["line of: colour", "colour", "unknown key"],
        ),
        (
            LAYOUT.replace('features = ["private"]', 'features = ["sunny"]'),
            ["line of: sunny", "features"],
        ),
        (LAYOUT.replace('id = "402"', 'id = "401"'), ["room '401' is defined twice"]),
        (LAYOUT.replace('beds = ["A", "B"]', 'beds = ["A", "A"]', 1), ["names a bed twice"]),
        (LAYOUT + '\n[[unit]]\nid = "4W"\nname = "Again"\n', ["unit '4W' is defined twice"]),
        ("[hospital\nname = 1\n", ["not valid TOML"]),
    ],
    ids=["unknown-key", "unknown-feature", "room-twice", "bed-twice", "unit-twice", "not-toml"],
)
def test_a_bad_file_is_refused_naming_where(text: str, fragments: list[str]) -> None:
    with pytest.raises(LayoutError) as refused:
        decide(given(), load(text))
    assert isinstance(refused.value, InvalidInput)
    for fragment in fragments:
        if fragment.startswith("line of: "):
            needle = fragment.removeprefix("line of: ")
            line = next(
                n for n, text_line in enumerate(text.splitlines(), 1) if needle in text_line
            )
            fragment = f"line {line}:"
        assert fragment in refused.value.message, refused.value.message


def test_the_admission_builder_fits_the_layout() -> None:
    assert when(given(), c.RequestAdmission.model_validate(admission("E9")))
