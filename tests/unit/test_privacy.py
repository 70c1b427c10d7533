"""How people are named on screens: patients by initials or an alias on a wall display, in
full at the station; nurses in full at the station and as "Noor N." on the wall."""

from __future__ import annotations

import pytest

from unitboard.projections.privacy import staff_name


@pytest.mark.parametrize(
    ("name", "wall", "station"),
    [
        ("Noor Nurse", "Noor N.", "Noor Nurse"),
        ("  Ana María de la Cruz ", "Ana M.", "  Ana María de la Cruz "),
        ("Kofi", "Kofi", "Kofi"),
        (None, None, None),
        ("", "", ""),
    ],
)
def test_a_nurse_is_named_short_on_the_wall_and_in_full_at_the_station(
    name: str | None, wall: str | None, station: str | None
) -> None:
    assert staff_name(name, privacy=True) == wall
    assert staff_name(name, privacy=False) == station
