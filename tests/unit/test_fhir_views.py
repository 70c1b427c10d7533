"""The FHIR R4 views built from the board's read model: units, rooms and beds as Locations
(physical type, parent, HL7 0116 bed status for every bed status the board has), stays as
Encounters (status, class, subject, the beds with arrival and leaving times, the stay's
period), searches as searchset Bundles, refusals as OperationOutcomes, and the
CapabilityStatement. Every resource is checked by the FHIR R4B models of fhir.resources
(R4B's Location, Encounter, Bundle, OperationOutcome and CapabilityStatement are R4's)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import pytest
from builders import (
    admission_requested,
    admitted,
    arrived,
    bed_assigned,
    blocked,
    cleaning_started,
    discharged,
    layout_events,
    marked_dirty,
    reserved,
    stay_event,
    transfer_requested,
)
from fhir.resources.R4B import get_fhir_model_class

from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.projections import fhir
from unitboard.projections.board import BoardProjection
from unitboard.projections.fhir import FhirRefusal, Page, Paging
from unitboard.projections.privacy import alias
from unitboard.store import StoredEvent

START = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
BASE = "https://board.example.org/fhir/r4"
ENCOUNTER_STATUSES = {"planned", "in-progress", "finished", "cancelled"}
LOCATION_STATUSES = {"active", "suspended", "inactive"}
ENCOUNTER_LOCATION_STATUSES = {"planned", "active", "reserved", "completed"}


def at(minute: int) -> str:
    return (START + dt.timedelta(minutes=minute)).isoformat()


class Ward:
    """The test hospital's board after some events, each recorded a minute after the last
    (the layout at minute 0); `then` adds more, as the live projection folds them."""

    def __init__(self, *events: Event | Iterable[Event]) -> None:
        self.projection = BoardProjection(Hospital())
        self.minute = 0
        self.position = 0
        self.record(layout_events())
        self.then(*events)

    def record(self, events: Iterable[Event]) -> None:
        stored = []
        for event in events:
            self.position += 1
            stored.append(
                StoredEvent(self.position, event.stream_id, 1, event, {}, at(self.minute))
            )
        self.projection.apply(stored)

    def then(self, *events: Event | Iterable[Event]) -> Ward:
        for item in events:
            self.minute += 1
            self.record([item] if isinstance(item, Event) else list(item))
        return self

    def location(self, location_id: str) -> dict[str, Any]:
        return valid(fhir.location(self.projection, location_id))

    def encounter(self, encounter_id: str) -> dict[str, Any]:
        return valid(fhir.encounter(self.projection, encounter_id))

    def encounters(self, **params: str) -> list[str]:
        pairs = [(name, value) for name, value in params.items()]
        found, _ = fhir.search_params(pairs, fhir.ENCOUNTER_SEARCH, "Encounter")
        return [stay.encounter_id for stay in fhir.search_encounters(self.projection, found)]


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, after the R4B model of its type parsed it (unknown keys, wrong types
    and missing required elements are refused) and it survived a trip through JSON."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    model.model_validate_json(json.dumps(resource))
    return resource


def codes(concept: dict[str, Any]) -> list[tuple[str, str]]:
    return [(coding["system"], coding["code"]) for coding in concept["coding"]]


# -- Locations --------------------------------------------------------------------------------


def test_a_unit_is_a_ward_a_room_is_part_of_it_and_a_bed_of_its_room() -> None:
    ward = Ward()
    unit, room, bed = ward.location("4W"), ward.location("4W-401"), ward.location("4W-401-A")
    assert [codes(x["physicalType"]) for x in (unit, room, bed)] == [
        [(fhir.PHYSICAL_TYPE, "wa")],
        [(fhir.PHYSICAL_TYPE, "ro")],
        [(fhir.PHYSICAL_TYPE, "bd")],
    ]
    assert (unit["id"], unit["name"], "partOf" in unit) == ("4W", "4 West Medical", False)
    assert room["partOf"] == {"reference": "Location/4W", "display": "4 West Medical"}
    assert bed["partOf"] == {"reference": "Location/4W-401", "display": "Room 401"}
    assert {x["mode"] for x in (unit, room, bed)} == {"instance"}
    assert "operationalStatus" not in unit and "operationalStatus" not in room


@pytest.mark.parametrize(
    ("events", "code", "status"),
    [
        ([], "U", "active"),
        ([admitted("E1", "4W-402-A")], "O", "active"),
        ([marked_dirty("4W-402-A")], "H", "active"),
        ([marked_dirty("4W-402-A"), cleaning_started("4W-402-A")], "H", "active"),
        ([blocked("4W-402-A", "broken rail", kind="maintenance")], "C", "suspended"),
        ([blocked("4W-402-A", "short of staff", kind="staffing")], "C", "suspended"),
        ([blocked("4W-402-A", "spill", kind="contaminated")], "K", "suspended"),
        ([blocked("4W-402-A", "neighbour isolated", kind="isolation")], "I", "suspended"),
        # reserved: empty, so its cleanliness (0116 has no code for a booking)
        ([reserved("E1", "4W-402-A")], "U", "active"),
        ([marked_dirty("4W-402-A"), reserved("E1", "4W-402-A")], "H", "active"),
    ],
)
def test_a_beds_operational_status_is_its_hl7_0116_code(
    events: list[Event | list[Event]], code: str, status: str
) -> None:
    bed = Ward(*events).location("4W-402-A")
    assert bed["operationalStatus"] == {
        "system": "http://terminology.hl7.org/CodeSystem/v2-0116",
        "code": code,
        "display": fhir.OCCUPANCY_NAMES[code],
    }
    assert bed["status"] == status


def test_every_board_status_has_a_0116_code_but_reserved() -> None:
    from unitboard.domain.values import BED_STATUSES

    assert set(fhir.OCCUPANCY_CODES) == set(BED_STATUSES) - {"reserved"}
    assert set(fhir.OCCUPANCY_CODES.values()) == set(fhir.OCCUPANCY_NAMES)


def test_an_unknown_location_is_not_found_and_says_what_ids_look_like() -> None:
    with pytest.raises(FhirRefusal) as refused:
        fhir.location(Ward().projection, "4W-999")
    assert refused.value.issue == "not-found"
    assert "4W-401-A" in refused.value.message


def test_partof_lists_a_units_rooms_and_a_rooms_beds_by_reference_or_bare_id() -> None:
    projection = Ward().projection

    def part_of(value: str) -> list[str]:
        params, _ = fhir.search_params([("partof", value)], fhir.LOCATION_SEARCH, "Location")
        return [valid(x)["id"] for x in fhir.search_locations(projection, params)]

    assert part_of("Location/4W") == ["4W-401", "4W-402", "4W-403", "4W-404"]
    assert part_of("4W-403") == ["4W-403-A", "4W-403-B", "4W-403-C"]
    assert part_of(f"{BASE}/Location/ICU-3") == ["ICU-3-A", "ICU-3-B"]
    assert part_of("4W-401-A") == [] and part_of("NOWHERE") == []


def test_every_location_in_layout_order_and_a_units_token_sees_its_unit_only() -> None:
    projection = Ward().projection
    every = [x["id"] for x in fhir.every_location(projection)]
    assert every[:4] == ["4W", "4W-401", "4W-401-A", "4W-401-B"] and len(every) == 2 + 7 + 11
    icu = [x["id"] for x in fhir.every_location(projection, frozenset({"ICU"}))]
    assert icu == ["ICU", "ICU-1", "ICU-1-A", "ICU-2", "ICU-2-A", "ICU-3", "ICU-3-A", "ICU-3-B"]
    with pytest.raises(FhirRefusal) as refused:
        fhir.location(projection, "4W-401-A", frozenset({"ICU"}))
    assert refused.value.issue == "forbidden"


# -- Encounters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ([admission_requested("E1")], "planned"),
        ([reserved("E1", "4W-402-A")], "planned"),
        ([admitted("E1", "4W-402-A")], "in-progress"),
        ([admitted("E1", "4W-402-A"), discharged("E1", "4W-402-A")], "finished"),
        (
            [
                admission_requested("E1"),
                stay_event("AdmissionCancelled", "E1", reason="entered twice"),
            ],
            "cancelled",
        ),
    ],
)
def test_a_stays_status_is_its_encounter_status(
    events: list[Event | list[Event]], status: str
) -> None:
    encounter = Ward(*events).encounter("E1")
    assert encounter["status"] == status
    assert encounter["class"] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "IMP",
        "display": "inpatient encounter",
    }


def test_an_admitted_patient_is_named_with_their_mrn_and_lies_in_their_bed_since_arrival() -> None:
    ward = Ward(reserved("E1", "4W-402-A"), arrived("E1", "4W-402-A"))
    encounter = ward.encounter("E1")
    (patient,) = encounter["contained"]
    assert encounter["subject"] == {"reference": "#patient", "display": "Smith, Jane"}
    assert patient["name"][0] | {"family": "Smith", "given": ["Jane"]} == patient["name"][0]
    (mrn,) = patient["identifier"]
    assert codes(mrn["type"]) == [("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")]
    assert mrn["value"] == "MRN-E1"
    assert (patient["gender"], patient["birthDate"]) == ("female", "1950-04-02")
    assert encounter["period"] == {"start": at(2)}
    assert encounter["location"] == [
        {
            "location": {"reference": "Location/4W-402-A", "display": "4W-402-A"},
            "status": "active",
            "physicalType": fhir.physical_type("bd"),
            "period": {"start": at(2)},
        }
    ]
    (attending,) = encounter["participant"]
    assert attending["individual"] == {"display": "Dr. House"}
    assert codes(attending["type"][0])[0][1] == "ATND"


def test_a_move_and_a_discharge_close_each_bed_and_the_stays_period() -> None:
    ward = Ward(
        admitted("E1", "4W-402-A"),  # minute 1
        bed_assigned("E1", "4W-403-A"),  # minute 2
        stay_event(  # minute 3
            "PatientMoved", "E1", from_bed_id="4W-402-A", bed_id="4W-403-A", unit_id="4W"
        ),
        discharged("E1", "4W-403-A"),  # minute 4
    )
    encounter = ward.encounter("E1")
    assert encounter["period"] == {"start": at(1), "end": at(4)}
    assert [
        (x["location"]["reference"], x["status"], x["period"]) for x in encounter["location"]
    ] == [
        ("Location/4W-402-A", "completed", {"start": at(1), "end": at(3)}),
        ("Location/4W-403-A", "completed", {"start": at(3), "end": at(4)}),
    ]


def test_a_cancelled_discharge_gives_the_patient_their_bed_back_since_they_first_came() -> None:
    ward = Ward(admitted("E1", "4W-402-A"), discharged("E1", "4W-402-A"))
    ward.then(
        stay_event("DischargeCancelled", "E1", reason="too soon", bed_id="4W-402-A", unit_id="4W")
    )
    encounter = ward.encounter("E1")
    assert encounter["status"] == "in-progress"
    assert encounter["period"] == {"start": at(1)}
    assert [(x["status"], x["period"]) for x in encounter["location"]] == [
        ("active", {"start": at(1)})
    ]


def test_a_swap_moves_both_patients_at_the_same_moment() -> None:
    ward = Ward(admitted("E1", "4W-403-A"), admitted("E2", "4W-403-B"))
    ward.then(
        stay_event(
            "BedsSwapped",
            "E1",
            bed_id="4W-403-B",
            unit_id="4W",
            other_encounter_id="E2",
            other_bed_id="4W-403-A",
            other_unit_id="4W",
        )
    )
    first, second = ward.encounter("E1"), ward.encounter("E2")
    assert [(x["location"]["reference"], x["status"]) for x in first["location"]] == [
        ("Location/4W-403-A", "completed"),
        ("Location/4W-403-B", "active"),
    ]
    assert first["location"][1]["period"] == second["location"][1]["period"] == {"start": at(3)}


def test_a_waiting_patient_is_planned_for_the_unit_or_holds_a_reserved_bed() -> None:
    ward = Ward(admission_requested("E1"), reserved("E2", "4W-402-A"))
    waiting, kept = ward.encounter("E1"), ward.encounter("E2")
    assert "period" not in waiting and "period" not in kept
    assert [(x["location"]["reference"], x["status"]) for x in waiting["location"]] == [
        ("Location/4W", "planned")
    ]
    assert codes(waiting["location"][0]["physicalType"]) == [(fhir.PHYSICAL_TYPE, "wa")]
    assert [(x["location"]["reference"], x["status"]) for x in kept["location"]] == [
        ("Location/4W-402-A", "reserved")
    ]


def test_a_transfer_lists_the_bed_held_now_and_the_unit_it_goes_to() -> None:
    ward = Ward(admitted("E1", "4W-402-A"), transfer_requested("E1", "ICU"))
    encounter = ward.encounter("E1")
    assert [(x["location"]["reference"], x["status"]) for x in encounter["location"]] == [
        ("Location/4W-402-A", "active"),
        ("Location/ICU", "planned"),
    ]
    assert ward.encounters(location="ICU") == ["E1"]


def test_a_confidential_stay_is_never_named_nor_identified_anywhere_in_its_json() -> None:
    ward = Ward(
        admitted("E1", "4W-402-A", confidential=True, family_name="Zyxwv", given_name="Qorpl"),
        admitted("E2", "4W-403-A"),
    )
    encounter = ward.encounter("E1")
    stay = ward.projection.stays.stays["E1"]
    text = json.dumps(encounter)
    for secret in ("Zyxwv", "Qorpl", "MRN-E1", "1950-04-02", "female", "Q. Zy."):
        assert secret not in text
    assert "contained" not in encounter
    assert encounter["subject"] == {"display": alias(stay)}
    assert encounter["meta"]["security"] == [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
            "code": "R",
            "display": "restricted",
        }
    ]
    assert encounter["status"] == "in-progress" and encounter["id"] == "E1"
    # nor in a search's bundle, among the stays that are named
    stays = list(fhir.search_encounters(ward.projection, {}))
    bundle = valid(
        fhir.searchset(
            BASE,
            [fhir.encounter_resource(ward.projection, s) for s in stays],
            len(stays),
            Page(f"{BASE}/Encounter"),
        )
    )
    assert "Zyxwv" not in json.dumps(bundle) and "MRN-E1" not in json.dumps(bundle)
    assert "Smith, Jane" in json.dumps(bundle)


def test_an_unknown_encounter_is_not_found() -> None:
    with pytest.raises(FhirRefusal) as refused:
        fhir.encounter(Ward().projection, "E404")
    assert refused.value.issue == "not-found"


def test_every_encounter_of_every_status_validates() -> None:
    ward = Ward(
        admission_requested("E1"),
        reserved("E2", "4W-402-A"),
        admitted("E3", "4W-403-A"),
        admitted("E4", "ICU-1-A", unit_id="ICU", confidential=True),
        admitted("E5", "4W-404-A"),
        discharged("E5", "4W-404-A"),
    )
    for encounter_id in ("E1", "E2", "E3", "E4", "E5"):
        encounter = ward.encounter(encounter_id)
        assert encounter["status"] in ENCOUNTER_STATUSES
        for place in encounter.get("location", []):
            assert place["status"] in ENCOUNTER_LOCATION_STATUSES


# -- searching encounters ---------------------------------------------------------------------


def test_encounters_by_status_and_by_bed_room_or_unit() -> None:
    ward = Ward(
        admission_requested("E1"),
        admitted("E2", "4W-401-A"),
        admitted("E3", "ICU-3-B", unit_id="ICU"),
        admitted("E4", "4W-402-A"),
        discharged("E4", "4W-402-A"),
    )
    assert ward.encounters(status="in-progress") == ["E2", "E3"]
    assert ward.encounters(status="planned,finished") == ["E1", "E4"]
    assert ward.encounters(status="onleave") == []
    assert ward.encounters(location="Location/4W-401-A") == ["E2"]
    assert ward.encounters(location="4W-401") == ["E2"]
    assert ward.encounters(location="4W") == ["E1", "E2", "E4"]
    assert ward.encounters(status="in-progress", location="4W") == ["E2"]
    assert ward.encounters(location="4W-402-A") == ["E4"]  # it held the bed once
    assert ward.encounters(location="ICU-3,4W-401-A") == ["E2", "E3"]
    assert ward.encounters(location="NOWHERE") == []


@pytest.mark.parametrize(
    ("pairs", "issue", "fragment"),
    [
        ([("name", "Smith")], "not-supported", "'name'"),
        ([("status", "admitted")], "invalid", "in-progress"),
        ([("status", "")], "invalid", "needs a value"),
        ([("location", "Patient/1")], "invalid", "Location"),
        ([("location", "Location/")], "invalid", "Location id"),
        ([("_count", "0")], "invalid", "_count"),
        ([("_count", "lots")], "invalid", "_count"),
        ([("_offset", "-1")], "invalid", "_offset"),
    ],
)
def test_an_unsupported_parameter_or_a_bad_value_is_refused(
    pairs: list[tuple[str, str]], issue: str, fragment: str
) -> None:
    with pytest.raises(FhirRefusal) as refused:
        params, _ = fhir.search_params(pairs, fhir.ENCOUNTER_SEARCH, "Encounter")
        list(fhir.search_encounters(Ward().projection, params))
    assert refused.value.issue == issue
    assert fragment in refused.value.message
    valid(fhir.operation_outcome(refused.value.issue, refused.value.message))


def test_format_is_accepted_and_paging_is_read() -> None:
    pairs = [("_format", "json"), ("_count", "5"), ("_offset", "10"), ("status", "planned")]
    params, paging = fhir.search_params(pairs, fhir.ENCOUNTER_SEARCH, "Encounter")
    assert params == {"status": ["planned"]} and paging == Paging(5, 10)
    assert paging.next_offset(16) == 15 and paging.next_offset(15) is None


# -- bundles, outcomes and the capability statement --------------------------------------------


def test_a_searchset_has_its_total_full_urls_and_links() -> None:
    projection = Ward().projection
    rooms = fhir.locations_part_of(projection, "4W")
    bundle = valid(
        fhir.searchset(BASE, rooms[:2], 4, Page(f"{BASE}/Location?partof=4W", "next-page"))
    )
    assert (bundle["type"], bundle["total"]) == ("searchset", 4)
    assert [e["fullUrl"] for e in bundle["entry"]] == [
        f"{BASE}/Location/4W-401",
        f"{BASE}/Location/4W-402",
    ]
    assert [link["relation"] for link in bundle["link"]] == ["self", "next"]
    assert {e["search"]["mode"] for e in bundle["entry"]} == {"match"}


def test_an_empty_searchset_is_valid() -> None:
    bundle = valid(fhir.searchset(BASE, [], 0, Page(f"{BASE}/Encounter")))
    assert bundle["total"] == 0 and "entry" not in bundle


def test_the_capability_statement_says_what_is_served() -> None:
    statement = valid(fhir.capability_statement(BASE, "1.2.3"))
    assert (statement["fhirVersion"], statement["kind"], statement["status"]) == (
        "4.0.1",
        "instance",
        "active",
    )
    assert "json" in statement["format"]
    assert statement["software"] == {"name": "unitboard", "version": "1.2.3"}
    (rest,) = statement["rest"]
    served = {
        r["type"]: ({i["code"] for i in r["interaction"]}, {p["name"] for p in r["searchParam"]})
        for r in rest["resource"]
    }
    assert served == {
        "Location": ({"read", "search-type"}, {"partof", "_count"}),
        "Encounter": ({"read", "search-type"}, {"status", "location", "_count"}),
    }


def test_an_operation_outcome_says_why_in_words() -> None:
    outcome = valid(fhir.operation_outcome("not-found", "There is no Location 'X'."))
    assert outcome["issue"] == [
        {"severity": "error", "code": "not-found", "diagnostics": "There is no Location 'X'."}
    ]


def test_a_bed_kept_and_given_up_before_arrival_does_not_find_the_stay() -> None:
    ward = Ward(
        reserved("E1", "4W-402-A"),
        bed_assigned("E1", "4W-403-A", released_bed_id="4W-402-A"),
        arrived("E1", "4W-403-A"),
        discharged("E1", "4W-403-A"),
        admitted("E2", "4W-402-A"),
        discharged("E2", "4W-402-A"),
    )
    assert ward.encounters(location="4W-402-A") == ["E2"]
    assert ward.encounters(location="4W-403-A", status="finished") == ["E1"]
    assert ward.encounters(location="4W-403,4W-402") == ["E1", "E2"]  # in the order asked for


def test_the_stay_periods_come_out_the_same_rebuilt_event_by_event() -> None:
    events: list[Event | list[Event]] = [
        admitted("E1", "4W-402-A"),
        bed_assigned("E1", "4W-403-A"),
        stay_event("PatientMoved", "E1", from_bed_id="4W-402-A", bed_id="4W-403-A", unit_id="4W"),
        admitted("E2", "ICU-1-A", unit_id="ICU"),
        discharged("E1", "4W-403-A"),
    ]
    together = Ward(*events).projection.stay_periods
    one_by_one = Ward()
    for event in events:
        for single in [event] if isinstance(event, Event) else event:
            one_by_one.then(single)
    assert one_by_one.projection.stay_periods.places == together.places
    assert one_by_one.projection.stay_periods.order == together.order
    assert [s.bed_id for s in together.of("E1").spells] == ["4W-402-A", "4W-403-A"]
