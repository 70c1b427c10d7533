"""The test hospital and its patients, shared by the unit, integration and end-to-end tests:
one layout (TOML, as a hospital writes it) and one admission builder.

    4W  "4 West Medical", does not mix sexes in shared rooms
        4W-401   A B      shared, telemetry
        4W-402   A        private
        4W-403   A B C    shared, telemetry
        4W-404   A        private, negative pressure
    ICU "Intensive Care", mixes sexes
        ICU-1    A        private, negative pressure
        ICU-2    A        negative pressure
        ICU-3    A B      shared, telemetry
"""

from __future__ import annotations

from typing import Any

LAYOUT = """\
[hospital]
name = "Riverside General"

[[unit]]
id = "4W"
name = "4 West Medical"
mixed_sex_rooms = false

[[unit.room]]
id = "401"
beds = ["A", "B"]
features = ["telemetry"]

[[unit.room]]
id = "402"
beds = ["A"]
features = ["private"]

[[unit.room]]
id = "403"
beds = ["A", "B", "C"]
features = ["telemetry"]

[[unit.room]]
id = "404"
beds = ["A"]
features = ["private", "negative_pressure"]

[[unit]]
id = "ICU"
name = "Intensive Care"
mixed_sex_rooms = true

[[unit.room]]
id = "1"
beds = ["A"]
features = ["negative_pressure", "private"]

[[unit.room]]
id = "2"
beds = ["A"]
features = ["negative_pressure"]

[[unit.room]]
id = "3"
beds = ["A", "B"]
features = ["telemetry"]
"""
BED_IDS = [
    *("4W-401-A", "4W-401-B", "4W-402-A", "4W-403-A", "4W-403-B", "4W-403-C", "4W-404-A"),
    *("ICU-1-A", "ICU-2-A", "ICU-3-A", "ICU-3-B"),
]


def admission(encounter_id: str = "E1", **overrides: Any) -> dict[str, Any]:
    """The data of a RequestAdmission to 4W, as an API client sends it; MRN from the id."""
    return {
        "encounter_id": encounter_id,
        "mrn": f"MRN-{encounter_id}",
        "family_name": "Smith",
        "given_name": "Jane",
        "birth_date": "1950-04-02",
        "sex": "F",
        "unit_id": "4W",
        "source": "ed",
        "attending": "Dr. House",
        **overrides,
    }


def without_room(layout: str, unit_id: str, label: str) -> str:
    """The layout with one room left out (the file a hospital edits after removing it)."""
    blocks = layout.split("\n\n")
    unit = None
    kept = []
    for block in blocks:
        if block.startswith("[[unit]]"):
            unit = block.split('id = "', 1)[1].split('"', 1)[0]
        if block.startswith("[[unit.room]]") and unit == unit_id and f'id = "{label}"' in block:
            continue
        kept.append(block)
    return "\n\n".join(kept)
