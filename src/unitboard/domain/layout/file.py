"""The layout file a hospital edits (TOML): read and checked, with errors that name the
line and the key."""

from __future__ import annotations

import re
import tomllib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from unitboard.domain.errors import InvalidInput
from unitboard.domain.policy.file import PolicySpec
from unitboard.domain.values import RoomFeature

Label = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.]{0,19}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RoomSpec(_Strict):
    id: Label
    beds: list[Label] = Field(min_length=1)
    features: list[RoomFeature] = []


class UnitSpec(_Strict):
    id: Label
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    mixed_sex_rooms: bool = False
    room: list[RoomSpec] = []


class PlaceSpec(_Strict):
    """A place a transport can start or end at that is not a bed or a unit (Radiology)."""

    id: Label
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class HospitalSpec(_Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LayoutFile(_Strict):
    hospital: HospitalSpec
    unit: list[UnitSpec] = Field(min_length=1)
    place: list[PlaceSpec] = []
    policy: PolicySpec = PolicySpec()
    """The numbers of the time-based rules (domain/policy); left out: the defaults."""


class LayoutError(InvalidInput):
    """The layout file cannot be read; the message names the line and the key."""


def parse_layout(text: str) -> LayoutFile:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"not valid TOML: {exc}") from None
    try:
        layout = LayoutFile.model_validate(raw)
    except ValidationError as exc:
        raise LayoutError(_describe(exc, text)) from None
    _check_unique(layout)
    return layout


def _describe(exc: ValidationError, text: str) -> str:
    lines = []
    for error in exc.errors():
        loc = error["loc"]
        key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
        key = key.lstrip(".")
        where = _line_of(text, loc)
        message = (
            "unknown key"
            if error["type"] == "extra_forbidden"
            else error["msg"].removeprefix("Value error, ")
        )
        lines.append(f"line {where}: {key}: {message}" if where else f"{key}: {message}")
    return "; ".join(lines)


_TABLE = r"\[\s*([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\s*\]"
"""A table's header such as [hospital] or [policy.call_escalation] (not an array's [[...]])."""


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of the key at `loc` (e.g. ("unit", 1, "room", 0, "features")), found by
    walking the file's table headers; None where it cannot be told."""
    headers = {
        "unit": r"\[\[unit\]\]",
        "room": r"\[\[unit\.room\]\]",
        "place": r"\[\[place\]\]",
        "table": _TABLE,
    }
    counts: dict[str, int] = {}
    table: tuple[Any, ...] = ()
    unit_index = -1
    best: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        for name, pattern in headers.items():
            if found := re.fullmatch(pattern + r"\s*(#.*)?", stripped):
                if name == "unit":
                    unit_index += 1
                    counts["room"] = -1
                    table = ("unit", unit_index)
                elif name == "place":
                    counts["place"] = counts.get("place", -1) + 1
                    table = ("place", counts["place"])
                elif name == "room":
                    counts["room"] = counts.get("room", -1) + 1
                    table = ("unit", unit_index, "room", counts["room"])
                else:  # [hospital], [policy], [policy.call_escalation], ...
                    table = tuple(found.group(1).split("."))
                if table == tuple(loc[: len(table)]) and best is None:
                    best = number
                break
        else:
            key = stripped.split("=", 1)[0].strip()
            if "=" in stripped and table + (key,) == tuple(loc[: len(table) + 1]):
                return number
    return best


def _check_unique(layout: LayoutFile) -> None:
    seen_units: set[str] = set()
    for unit in layout.unit:
        if unit.id in seen_units:
            raise LayoutError(f"unit {unit.id!r} is defined twice")
        seen_units.add(unit.id)
        seen_rooms: set[str] = set()
        for room in unit.room:
            if room.id in seen_rooms:
                raise LayoutError(f"room {room.id!r} is defined twice in unit {unit.id}")
            seen_rooms.add(room.id)
            if len(set(room.beds)) != len(room.beds):
                raise LayoutError(f"room {unit.id}-{room.id} names a bed twice")
    seen_places: set[str] = set()
    for place in layout.place:
        if place.id in seen_places:
            raise LayoutError(f"place {place.id!r} is defined twice")
        if place.id in seen_units:
            raise LayoutError(f"place {place.id!r} has the id of a unit; give it another")
        seen_places.add(place.id)
