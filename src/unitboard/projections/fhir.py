"""The board as FHIR R4 resources, for other systems to read: the layout's units, rooms and
beds as Locations, each stay as an Encounter, searches as a searchset Bundle, refusals as an
OperationOutcome, and the CapabilityStatement that says what is served. Plain dicts built
from the read model (never the write model); the web layer only serialises them.

Confidential stays are never named here, whichever role reads: their Encounter carries the
encounter id (the EHR's own visit number, so the EHR can still match it), the stay's status,
places and times and the attending, but no contained Patient: no name, MRN, birth date or
sex; the subject is the same alias the wall displays show ("Confidential 042") and the
resource is labelled restricted (v3-Confidentiality R). An integration that may know who
the patient is asks the EHR, which knows already."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from unitboard.domain.beds.state import Bed
from unitboard.domain.layout.state import Layout, Room, Unit
from unitboard.domain.stays.state import Stay, Stays, StayStatus
from unitboard.domain.values import BedStatus, Sex
from unitboard.projections.board import BoardProjection
from unitboard.projections.privacy import alias
from unitboard.projections.stay_periods import StayPeriod

Resource = dict[str, Any]

FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json"
PUBLISHED = "2026-12-01"
"""When this CapabilityStatement was last changed (it changes with the code, not the data)."""

PHYSICAL_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"
BED_STATUS = "http://terminology.hl7.org/CodeSystem/v2-0116"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"

BED, ROOM, WARD = "bd", "ro", "wa"
PHYSICAL_TYPE_NAMES = {BED: "Bed", ROOM: "Room", WARD: "Ward"}

OCCUPANCY_CODES: dict[BedStatus, str] = {
    "occupied": "O",
    "clean": "U",
    "dirty": "H",
    "cleaning": "H",
    "blocked": "C",
    "contaminated": "K",
    "isolated": "I",
}
"""A bed's status as HL7 table 0116 names it. A reserved bed is not here: 0116 describes
the bed itself, not who it is kept for, and has no code for a booking. A reserved bed is
empty, so it gets the code of its cleanliness (U clean, H not yet), and the reservation is
told where it belongs: the waiting patient's Encounter lists the bed with location status
`reserved`. (The board's own `R` is not in 0116; a client checking codes would refuse it.)"""
OCCUPANCY_NAMES = {
    "O": "Occupied",
    "U": "Unoccupied",
    "H": "Housekeeping",
    "C": "Closed",
    "K": "Contaminated",
    "I": "Isolated",
}

ENCOUNTER_STATUS: dict[StayStatus, str] = {
    "pending": "planned",
    "admitted": "in-progress",
    "discharged": "finished",
    "cancelled": "cancelled",
}
ENCOUNTER_STATUSES = (
    "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
    "entered-in-error", "unknown",
)  # fmt: skip
"""Every Encounter.status of FHIR R4: a search may name any of them (unitboard's stays take
the four of ENCOUNTER_STATUS, so the others find nothing)."""
OPEN = frozenset({"planned", "in-progress"})
"""The Encounter statuses of the stays still open (pending or admitted)."""
GENDER: dict[Sex, str] = {"F": "female", "M": "male", "X": "other", "U": "unknown"}

LOCATION_SEARCH = {"partof": "reference"}
ENCOUNTER_SEARCH = {"status": "token", "location": "reference"}
PAGING = {"_count": "number", "_offset": "number"}
IGNORED = frozenset({"_format"})
"""Parameters a client may send that change nothing here (the answer is always JSON)."""
DEFAULT_COUNT = 100
MAX_COUNT = 1000


class FhirRefusal(Exception):
    """A request refused, with the OperationOutcome issue type that says why (`not-found`,
    `invalid`, `not-supported`, `forbidden`); the web layer picks the HTTP status."""

    def __init__(self, issue: str, message: str) -> None:
        super().__init__(message)
        self.issue, self.message = issue, message


def operation_outcome(issue: str, message: str, severity: str = "error") -> Resource:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": issue, "diagnostics": message}],
    }


def coding(system: str, code: str, display: str) -> Resource:
    return {"system": system, "code": code, "display": display}


def concept(system: str, code: str, display: str) -> Resource:
    return {"coding": [coding(system, code, display)]}


def physical_type(code: str) -> Resource:
    return concept(PHYSICAL_TYPE, code, PHYSICAL_TYPE_NAMES[code])


def location_reference(location_id: str, display: str | None = None) -> Resource:
    reference: Resource = {"reference": f"Location/{location_id}"}
    if display:
        reference["display"] = display
    return reference


# -- Locations --------------------------------------------------------------------------------


Scope = frozenset[str] | None
"""The units a token may read (a token made for one unit); None for the whole hospital."""
SearchParams = dict[str, list[str]]
"""A search's parameters: name -> its values (each split at commas: FHIR's OR)."""


def unit_location(unit: Unit) -> Resource:
    return {
        "resourceType": "Location",
        "id": unit.unit_id,
        "status": "active",
        "name": unit.name,
        "alias": [unit.unit_id],
        "mode": "instance",
        "physicalType": physical_type(WARD),
    }


def room_location(layout: Layout, room: Room) -> Resource:
    unit = layout.units.get(room.unit_id)
    return {
        "resourceType": "Location",
        "id": room.room_id,
        "status": "active",
        "name": f"Room {room.label}",
        "mode": "instance",
        "physicalType": physical_type(ROOM),
        "partOf": location_reference(room.unit_id, unit.name if unit else None),
    }


def bed_code(bed: Bed) -> str:
    status = bed.status
    if status == "reserved":
        return "U" if bed.cleanliness == "clean" else "H"
    return OCCUPANCY_CODES[status]


def bed_location(layout: Layout, bed: Bed) -> Resource:
    room = layout.rooms.get(bed.room_id)
    code = bed_code(bed)
    return {
        "resourceType": "Location",
        "id": bed.bed_id,
        # a blocked bed is out of use for now: FHIR's `suspended`
        "status": "suspended" if bed.blocked is not None else "active",
        "operationalStatus": coding(BED_STATUS, code, OCCUPANCY_NAMES[code]),
        "name": f"Bed {bed.label}",
        "alias": [bed.bed_id],
        "mode": "instance",
        "physicalType": physical_type(BED),
        "partOf": location_reference(bed.room_id, f"Room {room.label}" if room else None),
    }


def unit_of_location(projection: BoardProjection, location_id: str) -> str | None:
    """The unit a unit, room or bed id belongs to; None if the layout has no such place."""
    layout = projection.layout
    if location_id in layout.units:
        return location_id
    if (room := layout.rooms.get(location_id)) is not None:
        return room.unit_id
    if (bed := projection.beds.get(location_id)) is not None:
        return bed.unit_id
    return None


def check_scope(scope: Scope, unit_id: str) -> None:
    if scope is not None and unit_id not in scope:
        units = ", ".join(sorted(scope))
        raise FhirRefusal(
            "forbidden", f"This token reads unit {units} only; ask for a place there."
        )


def location(projection: BoardProjection, location_id: str, scope: Scope = None) -> Resource:
    """The unit, room or bed with this id (the layout's own ids: 4W, 4W-401, 4W-401-A)."""
    unit_id = unit_of_location(projection, location_id)
    if unit_id is None:
        raise FhirRefusal(
            "not-found",
            f"There is no Location {location_id!r}. Ask for a unit, room or bed id of the "
            "layout, such as 4W, 4W-401 or 4W-401-A.",
        )
    check_scope(scope, unit_id)
    layout = projection.layout
    if location_id in layout.units:
        return unit_location(layout.units[location_id])
    if location_id in layout.rooms:
        return room_location(layout, layout.rooms[location_id])
    return bed_location(layout, projection.beds[location_id])


def every_location(projection: BoardProjection, scope: Scope = None) -> Iterator[Resource]:
    """Each unit, then its rooms, each followed by its beds: in layout order."""
    layout, beds = projection.layout, projection.beds
    for unit in layout.units.values():
        if scope is not None and unit.unit_id not in scope:
            continue
        yield unit_location(unit)
        for room_id in unit.room_ids:
            room = layout.rooms[room_id]
            yield room_location(layout, room)
            for bed_id in room.bed_ids:
                yield bed_location(layout, beds[bed_id])


def locations_part_of(
    projection: BoardProjection, parent_id: str, scope: Scope = None
) -> list[Resource]:
    """The places directly inside `parent_id`: a unit's rooms, a room's beds; none for a
    bed or an id the layout does not have (a search finds nothing, it does not fail)."""
    layout = projection.layout
    unit_id = unit_of_location(projection, parent_id)
    if unit_id is None or (scope is not None and unit_id not in scope):
        return []
    if (unit := layout.units.get(parent_id)) is not None:
        return [room_location(layout, layout.rooms[room_id]) for room_id in unit.room_ids]
    if (room := layout.rooms.get(parent_id)) is not None:
        beds = projection.beds
        return [bed_location(layout, beds[bed_id]) for bed_id in room.bed_ids]
    return []


def search_locations(
    projection: BoardProjection, params: SearchParams, scope: Scope = None
) -> list[Resource]:
    parents = params.get("partof")
    if parents is None:
        return list(every_location(projection, scope))
    found: list[Resource] = []
    for parent in parents:
        found += locations_part_of(projection, reference_id(parent, "partof"), scope)
    return found


# -- Encounters -------------------------------------------------------------------------------


def mrn_identifier(mrn: str) -> Resource:
    return {"type": concept(IDENTIFIER_TYPE, "MR", "Medical record number"), "value": mrn}


def visit_identifier(encounter_id: str) -> Resource:
    return {"type": concept(IDENTIFIER_TYPE, "VN", "Visit number"), "value": encounter_id}


def contained_patient(stay: Stay) -> Resource:
    return {
        "resourceType": "Patient",
        "id": "patient",
        "identifier": [mrn_identifier(stay.mrn)],
        "name": [
            {
                "use": "official",
                "text": stay.display_name,
                "family": stay.family_name,
                "given": [stay.given_name],
            }
        ],
        "gender": GENDER[stay.sex],
        "birthDate": stay.birth_date.isoformat(),
    }


def period_of(start: str | None, end: str | None) -> Resource | None:
    period = {key: value for key, value in (("start", start), ("end", end)) if value}
    return period or None


def with_period(item: Resource, start: str | None, end: str | None) -> Resource:
    if (period := period_of(start, end)) is not None:
        item["period"] = period
    return item


def stay_locations(stay: Stay, period: StayPeriod) -> list[Resource]:
    """The beds the stay held, each with when the patient arrived and left (the current one
    `active`, earlier ones `completed`); the bed kept for them (`reserved`); and the unit
    they are expected on while they have no bed there yet (`planned`)."""
    found = []
    admitted = stay.status == "admitted"
    for spell in period.spells:
        here = admitted and spell.end is None and spell.bed_id == stay.bed_id
        item = {
            "location": location_reference(spell.bed_id, spell.bed_id),
            "status": "active" if here else "completed",
            "physicalType": physical_type(BED),
        }
        found.append(with_period(item, spell.start, spell.end))
    current = period.current
    if admitted and stay.bed_id and (current is None or current.bed_id != stay.bed_id):
        # arrived before the times were kept: here now, since an unknown time
        found.append(
            {
                "location": location_reference(stay.bed_id, stay.bed_id),
                "status": "active",
                "physicalType": physical_type(BED),
            }
        )
    if stay.active and stay.reserved_bed_id:
        found.append(
            {
                "location": location_reference(stay.reserved_bed_id, stay.reserved_bed_id),
                "status": "reserved",
                "physicalType": physical_type(BED),
            }
        )
    elif stay.active:
        expected = stay.transfer_to_unit_id or (None if stay.bed_id else stay.unit_id)
        if expected:
            found.append(
                {
                    "location": location_reference(expected, expected),
                    "status": "planned",
                    "physicalType": physical_type(WARD),
                }
            )
    return found


def encounter_resource(projection: BoardProjection, stay: Stay) -> Resource:
    period = projection.stay_periods.of(stay.encounter_id)
    resource: Resource = {"resourceType": "Encounter", "id": stay.encounter_id}
    if stay.confidential:
        resource["meta"] = {"security": [coding(CONFIDENTIALITY, "R", "restricted")]}
        subject: Resource = {"display": alias(stay)}
    else:
        resource["contained"] = [contained_patient(stay)]
        subject = {"reference": "#patient", "display": stay.display_name}
    resource |= {
        "identifier": [visit_identifier(stay.encounter_id)],
        "status": ENCOUNTER_STATUS[stay.status],
        "class": coding(ACT_CODE, "IMP", "inpatient encounter"),
        "subject": subject,
    }
    if stay.attending:
        resource["participant"] = [
            {
                "type": [concept(PARTICIPATION_TYPE, "ATND", "attender")],
                "individual": {"display": stay.attending},
            }
        ]
    ended = stay.status in ("discharged", "cancelled")
    if stay.status != "pending":
        with_period(resource, period.start, period.end if ended else None)
    if places := stay_locations(stay, period):
        resource["location"] = places
    return resource


def encounter(projection: BoardProjection, encounter_id: str, scope: Scope = None) -> Resource:
    stay = projection.stays.stays.get(encounter_id)
    if stay is None:
        raise FhirRefusal(
            "not-found",
            f"There is no Encounter {encounter_id!r}. Its id is the encounter id the stay "
            "was admitted with (PV1-19 of the ADT feed).",
        )
    check_scope(scope, stay.unit_id)
    return encounter_resource(projection, stay)


def covered(projection: BoardProjection, place_ids: Iterable[str]) -> set[str]:
    """The places a `location` search covers: each one named, and the beds inside it (a
    unit's or a room's)."""
    layout = projection.layout
    found: set[str] = set()
    for place_id in place_ids:
        found.add(place_id)
        if place_id in layout.units:
            found.update(layout.bed_ids(place_id))
        elif (room := layout.rooms.get(place_id)) is not None:
            found.update(room.bed_ids)
    return found


def was_at(projection: BoardProjection, stay: Stay, places: set[str]) -> bool:
    """Whether the stay held, holds or is kept a bed among `places`, or belongs to, or waits
    for, a unit among them."""
    if not places.isdisjoint((stay.unit_id, stay.bed_id, stay.reserved_bed_id)):
        return True
    if stay.transfer_to_unit_id in places:
        return True
    period = projection.stay_periods.periods.get(stay.encounter_id)
    return period is not None and any(
        spell.bed_id in places or spell.unit_id in places for spell in period.spells
    )


def candidates(projection: BoardProjection, statuses: set[str], places: set[str]) -> Iterator[Stay]:
    """The stays a search need look at: the open ones (hospital-sized) for open statuses;
    else those ever at the places searched for (the index); else every stay ever."""
    stays: Stays = projection.stays
    if statuses <= OPEN:
        yield from stays.open_stays.values()
        return
    if places:
        everything = stays.stays
        for encounter_id in projection.stay_periods.ever_at(places):
            if (stay := everything.get(encounter_id)) is not None:
                yield stay
        return
    yield from stays.stays.values()


def search_encounters(
    projection: BoardProjection, params: SearchParams, scope: Scope = None
) -> Iterator[Stay]:
    """The stays that match every parameter (each parameter's values: any of them), in the
    order they were asked for. A location matches a bed, its room or its unit, as
    `location:below` would: `location=4W` finds the stays in any of 4W's beds."""
    statuses = set(params.get("status", ENCOUNTER_STATUSES))
    for status in statuses:
        if status not in ENCOUNTER_STATUSES:
            raise FhirRefusal(
                "invalid",
                f"status {status!r} is not an Encounter status; use one of "
                f"{', '.join(ENCOUNTER_STATUSES)} (several joined by commas).",
            )
    named = [reference_id(value, "location") for value in params.get("location", ())]
    places = covered(projection, named)
    for stay in candidates(projection, statuses, places):
        if ENCOUNTER_STATUS[stay.status] not in statuses:
            continue
        if scope is not None and stay.unit_id not in scope:
            continue
        if places and not was_at(projection, stay, places):
            continue
        yield stay


# -- search parameters and bundles ------------------------------------------------------------


def reference_id(value: str, name: str) -> str:
    """`Location/4W-401-A` or the bare `4W-401-A`: the id."""
    kind, slash, found = value.rpartition("/")
    if slash and not kind.endswith("Location"):
        raise FhirRefusal(
            "invalid",
            f"{name} must name a Location: `Location/4W-401-A` or the bare id, not {value!r}.",
        )
    if not found:
        raise FhirRefusal("invalid", f"{name} must name a Location id, such as 4W-401-A.")
    return found


@dataclass(frozen=True, slots=True)
class Paging:
    """Which results a page holds: `_count` of them from the `_offset`-th (from 0)."""

    count: int = DEFAULT_COUNT
    offset: int = 0

    def next_offset(self, total: int) -> int | None:
        following = self.offset + self.count
        return following if following < total else None


def search_params(
    pairs: Iterable[tuple[str, str]], supported: dict[str, str], resource_type: str
) -> tuple[SearchParams, Paging]:
    """The search's parameters, and the page asked for. A parameter unitboard does not
    support is refused, not ignored: a client that filters on it would otherwise take every
    result for a match."""
    params: SearchParams = {}
    count, offset = DEFAULT_COUNT, 0
    for name, value in pairs:
        if name in IGNORED:
            continue
        if name == "_count":
            count = whole_number(name, value, 1, MAX_COUNT)
            continue
        if name == "_offset":
            offset = whole_number(name, value, 0, 10**9)
            continue
        if name not in supported:
            known = ", ".join([*supported, *PAGING])
            raise FhirRefusal(
                "not-supported",
                f"{resource_type} cannot be searched by {name!r} here; use {known}.",
            )
        values = [part.strip() for part in value.split(",") if part.strip()]
        if not values:
            raise FhirRefusal("invalid", f"{name} needs a value.")
        params.setdefault(name, []).extend(values)
    return params, Paging(count, offset)


def whole_number(name: str, value: str, low: int, high: int) -> int:
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise FhirRefusal("invalid", f"{name} must be a whole number from {low} to {high}.")
    return int(value)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a search: the links are URLs the client follows as they are."""

    self_url: str
    next_url: str | None = None


def searchset(base_url: str, resources: list[Resource], total: int, page: Page) -> Resource:
    links = [{"relation": "self", "url": page.self_url}]
    if page.next_url is not None:
        links.append({"relation": "next", "url": page.next_url})
    bundle: Resource = {"resourceType": "Bundle", "type": "searchset", "total": total}
    bundle["link"] = links
    if resources:  # FHIR JSON has no empty arrays: no matches, no `entry`
        bundle["entry"] = [
            {
                "fullUrl": f"{base_url}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ]
    return bundle


# -- what is served ---------------------------------------------------------------------------


def capability_statement(base_url: str, version: str) -> Resource:
    """What this server answers: read and search of Location and Encounter, JSON only."""
    count = {
        "name": "_count",
        "type": "number",
        "documentation": f"Results per page, 1 to {MAX_COUNT} (default {DEFAULT_COUNT}).",
    }
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": PUBLISHED,
        "publisher": "unitboard",
        "kind": "instance",
        "software": {"name": "unitboard", "version": version},
        "implementation": {
            "description": "unitboard bed board: units, rooms, beds and stays, read only",
            "url": base_url,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["json", MEDIA_TYPE],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "description": (
                        "Send a unitboard token of the integration or admin role as "
                        "`Authorization: Bearer <token>` (make one with `unitboard tokens "
                        "create`). Confidential stays are never named."
                    ),
                },
                "resource": [
                    {
                        "type": "Location",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "versioning": "no-version",
                        "searchParam": [
                            {
                                "name": "partof",
                                "type": "reference",
                                "documentation": "The unit whose rooms, or the room whose "
                                "beds, to list: Location/4W or 4W.",
                            },
                            count,
                        ],
                    },
                    {
                        "type": "Encounter",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "versioning": "no-version",
                        "searchParam": [
                            {
                                "name": "status",
                                "type": "token",
                                "documentation": "planned (waiting for a bed), in-progress "
                                "(in a bed), finished (discharged), cancelled; several "
                                "joined by commas.",
                            },
                            {
                                "name": "location",
                                "type": "reference",
                                "documentation": "A bed, room or unit (Location/4W-401-A or "
                                "the bare id): the stays that held, hold or are kept a bed "
                                "there, or wait for a bed on that unit.",
                            },
                            count,
                        ],
                    },
                ],
            }
        ],
    }
