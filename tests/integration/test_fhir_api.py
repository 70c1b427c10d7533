"""The FHIR R4 read views through a real `unitboard serve` process, on SQLite and on
PostgreSQL: the CapabilityStatement is public; everything else wants a bearer token of the
integration or admin role (401 with a Bearer challenge without one or with an unknown one,
403 for a nurse); Locations and Encounters read and searched as the board has them, a
confidential stay never named; every refusal is an OperationOutcome; every answer is
`application/fhir+json` and parses with the FHIR R4B models of fhir.resources."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_support import Api, People, Server, running_server
from fhir.resources.R4B import get_fhir_model_class

from hospital import LAYOUT, admission

MEDIA_TYPE = "application/fhir+json"
SECRET_NAMES = ("Zyxwv", "Qorpl", "MRN-E3")
"""The confidential patient's family and given name and MRN: never in any answer."""


class Board:
    """A server with E1 in 4W-401-A, E2 waiting for a bed on 4W, E3 (confidential) in
    4W-402-A, E4 in ICU-3-A, E5 discharged from 4W-403-A; and tokens: integration (whole
    hospital and ICU only), admin, and a nurse's personal token."""

    def __init__(self, server: Server, http: httpx.Client, people: People) -> None:
        self.server = server
        self.http = http
        desk = Api(http, people.token("desk", "secretary"))
        self.api = {
            "integration": Api(http, people.token("ehr", "integration")),
            "icu-feed": Api(http, people.token("icu-feed", "integration", "ICU")),
            "admin": Api(http, people.token("auditor", "admin")),
            "nurse": Api(http, people.person("noor", "nurse", "Noor Nurse", ("4W",))),
        }
        people.person("ada", "admin", "Ada Admin")
        confidential = {"confidential": True, "family_name": "Zyxwv", "given_name": "Qorpl"}
        stays: list[tuple[str, str | None, dict[str, Any]]] = [
            ("E1", "4W-401-A", {}),
            ("E2", None, {}),
            ("E3", "4W-402-A", confidential),
            ("E4", "ICU-3-A", {"unit_id": "ICU"}),
            ("E5", "4W-403-A", {}),
        ]
        for encounter, bed, data in stays:
            desk.ok("RequestAdmission", admission(encounter, **data))
            if bed is not None:
                desk.ok("AssignBed", {"encounter_id": encounter, "bed_id": bed})
                desk.ok("MarkArrived", {"encounter_id": encounter})
        desk.ok("DischargePatient", {"encounter_id": "E5"})

    def get(self, path: str, by: str | None = "integration", **params: str) -> httpx.Response:
        headers = self.api[by].headers if by is not None else {}
        return self.http.get(f"/fhir/r4/{path}", params=params, headers=headers)

    def read(self, path: str, by: str | None = "integration", **params: str) -> dict[str, Any]:
        response = self.get(path, by, **params)
        assert response.status_code == 200, response.text
        return fhir_json(response)

    def ids(self, path: str, by: str = "integration", **params: str) -> list[str]:
        bundle = self.read(path, by, **params)
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
        return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def fhir_json(response: httpx.Response) -> dict[str, Any]:
    """The body, after checking it is FHIR JSON that the R4B model of its type parses."""
    assert response.headers["content-type"].split(";")[0] == MEDIA_TYPE, response.headers
    body: dict[str, Any] = response.json()
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    for secret in SECRET_NAMES:
        assert secret not in response.text
    return body


def outcome(response: httpx.Response, status: int, issue: str, *words: str) -> str:
    assert response.status_code == status, response.text
    body = fhir_json(response)
    assert body["resourceType"] == "OperationOutcome"
    (found,) = body["issue"]
    assert (found["severity"], found["code"]) == ("error", issue)
    for word in words:
        assert word in found["diagnostics"]
    message: str = found["diagnostics"]
    return message


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def board(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Board]:
    tmp = tmp_path_factory.mktemp("fhir")
    with running_server(request.param, tmp, LAYOUT, "unitboard_fhir") as (server, http, people):
        yield Board(server, http, people)


# -- who may read -----------------------------------------------------------------------------


def test_the_capability_statement_is_public(board: Board) -> None:
    statement = board.read("metadata", by=None)
    assert statement["resourceType"] == "CapabilityStatement"
    assert (statement["fhirVersion"], statement["kind"]) == ("4.0.1", "instance")
    assert statement["software"]["name"] == "unitboard"
    assert statement["implementation"]["url"] == f"{board.server.base_url}/fhir/r4"
    assert [r["type"] for r in statement["rest"][0]["resource"]] == ["Location", "Encounter"]


@pytest.mark.parametrize("path", ["Location/4W", "Location", "Encounter/E1", "Encounter"])
def test_without_a_token_or_with_an_unknown_one_nothing_is_read(board: Board, path: str) -> None:
    response = board.get(path, by=None)
    outcome(response, 401, "login", "Bearer")
    assert response.headers["www-authenticate"].startswith("Bearer")
    unknown = board.http.get(f"/fhir/r4/{path}", headers={"Authorization": "Bearer nope-nope"})
    outcome(unknown, 401, "login", "not known")
    assert 'error="invalid_token"' in unknown.headers["www-authenticate"]


def test_an_admins_login_session_is_not_a_bearer_token(board: Board) -> None:
    """Other systems read FHIR; a browser that happens to be logged in does not."""
    with httpx.Client(base_url=board.server.base_url, timeout=20) as browser:
        form = browser.get("/login").text
        found = re.search(r'name="csrf" value="([^"]+)"', form)
        assert found is not None
        data = {"username": "ada", "password": "a long password", "csrf": found[1]}
        origin = {"Origin": board.server.base_url}
        browser.post("/login", data=data, headers=origin)
        assert browser.cookies.get("unitboard_session")
        assert browser.get("/api/units").status_code == 200  # the session holds
        outcome(browser.get("/fhir/r4/Encounter/E1"), 401, "login", "Bearer")


@pytest.mark.parametrize("path", ["Location/4W", "Encounter/E1", "Encounter"])
def test_a_nurse_may_not_read_fhir(board: Board, path: str) -> None:
    outcome(board.get(path, by="nurse"), 403, "forbidden", "nurse", "integration and admin")


@pytest.mark.parametrize("by", ["integration", "admin"])
def test_the_integration_and_admin_roles_read(board: Board, by: str) -> None:
    assert board.read("Location/4W-401-A", by)["id"] == "4W-401-A"
    assert board.read("Encounter/E1", by)["status"] == "in-progress"


def test_a_units_token_reads_its_unit_only(board: Board) -> None:
    assert board.ids("Encounter", "icu-feed") == ["E4"]
    assert board.ids("Location", "icu-feed", partof="4W") == []
    assert board.read("Location/ICU-3-A", "icu-feed")["id"] == "ICU-3-A"
    outcome(board.get("Location/4W-401-A", "icu-feed"), 403, "forbidden", "ICU")
    outcome(board.get("Encounter/E1", "icu-feed"), 403, "forbidden", "ICU")


# -- Locations ----------------------------------------------------------------------------------


def test_a_bed_its_room_and_its_unit(board: Board) -> None:
    bed = board.read("Location/4W-401-A")
    assert bed["physicalType"]["coding"][0]["code"] == "bd"
    assert bed["operationalStatus"]["code"] == "O"
    assert bed["partOf"]["reference"] == "Location/4W-401"
    room = board.read("Location/4W-401")
    assert (room["physicalType"]["coding"][0]["code"], room["partOf"]["reference"]) == (
        "ro",
        "Location/4W",
    )
    unit = board.read("Location/4W")
    assert (unit["physicalType"]["coding"][0]["code"], unit["name"]) == ("wa", "4 West Medical")
    assert board.read("Location/4W-403-A")["operationalStatus"]["code"] == "H"  # vacated
    assert board.read("Location/4W-404-A")["operationalStatus"]["code"] == "U"


def test_locations_part_of_a_unit_or_a_room(board: Board) -> None:
    assert board.ids("Location", partof="Location/4W") == ["4W-401", "4W-402", "4W-403", "4W-404"]
    assert board.ids("Location", partof="ICU-3") == ["ICU-3-A", "ICU-3-B"]
    bundle = board.read("Location", partof="ICU-3")
    assert bundle["total"] == 2
    assert bundle["entry"][0]["fullUrl"] == f"{board.server.base_url}/fhir/r4/Location/ICU-3-A"
    assert len(board.ids("Location")) == 2 + 7 + 11


# -- Encounters ---------------------------------------------------------------------------------


def test_an_encounter_names_the_patient_and_their_bed_since_arrival(board: Board) -> None:
    encounter = board.read("Encounter/E1")
    assert encounter["subject"]["display"] == "Smith, Jane"
    (patient,) = encounter["contained"]
    assert patient["identifier"][0]["value"] == "MRN-E1"
    assert patient["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    (place,) = encounter["location"]
    assert (place["location"]["reference"], place["status"]) == ("Location/4W-401-A", "active")
    assert place["period"]["start"] == encounter["period"]["start"]
    assert encounter["class"]["code"] == "IMP"
    discharged = board.read("Encounter/E5")
    assert discharged["status"] == "finished"
    assert discharged["period"]["start"] <= discharged["period"]["end"]
    waiting = board.read("Encounter/E2")
    assert waiting["status"] == "planned" and "period" not in waiting


def test_a_confidential_stay_is_never_named(board: Board) -> None:
    encounter = board.read("Encounter/E3")  # fhir_json checks no secret is in the text
    assert encounter["subject"]["display"].startswith("Confidential ")
    assert "contained" not in encounter
    assert encounter["meta"]["security"][0]["code"] == "R"
    for params in ({}, {"status": "in-progress"}, {"location": "4W-402-A"}):
        assert "E3" in board.ids("Encounter", **params)
    board.ids("Encounter", by="admin")


def test_encounters_by_status_and_location(board: Board) -> None:
    assert board.ids("Encounter", status="in-progress") == ["E1", "E3", "E4"]
    assert board.ids("Encounter", status="in-progress", location="4W") == ["E1", "E3"]
    assert board.ids("Encounter", status="planned,finished") == ["E2", "E5"]
    assert board.ids("Encounter", location="Location/ICU-3-A") == ["E4"]
    assert board.ids("Encounter", location="4W-403") == ["E5"]
    response = board.http.get(
        "/fhir/r4/Encounter?status=in-progress&status=finished",
        headers=board.api["integration"].headers,
    )
    assert [e["resource"]["id"] for e in fhir_json(response)["entry"]] == ["E1", "E3", "E4", "E5"]


def test_a_search_pages_with_a_next_link(board: Board) -> None:
    first = board.read("Encounter", _count="2")
    assert first["total"] == 5 and len(first["entry"]) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    seen = [entry["resource"]["id"] for entry in first["entry"]]
    while "next" in links:
        page = fhir_json(board.http.get(links["next"], headers=board.api["integration"].headers))
        seen += [entry["resource"]["id"] for entry in page["entry"]]
        links = {link["relation"]: link["url"] for link in page["link"]}
    assert seen == ["E1", "E2", "E3", "E4", "E5"]


# -- refusals -----------------------------------------------------------------------------------


def test_unknown_ids_are_not_found(board: Board) -> None:
    outcome(board.get("Location/4W-999"), 404, "not-found", "4W-999")
    outcome(board.get("Encounter/E999"), 404, "not-found", "E999")
    outcome(board.get("Patient/1"), 404, "not-found", "Location", "Encounter")


@pytest.mark.parametrize(
    ("path", "params", "issue", "word"),
    [
        ("Encounter", {"name": "Smith"}, "not-supported", "name"),
        ("Encounter", {"status": "admitted"}, "invalid", "in-progress"),
        ("Encounter", {"location": "Patient/4"}, "invalid", "Location"),
        ("Encounter", {"_count": "0"}, "invalid", "_count"),
        ("Location", {"status": "active"}, "not-supported", "partof"),
    ],
)
def test_an_unsupported_search_or_a_bad_value_is_a_bad_request(
    board: Board, path: str, params: dict[str, str], issue: str, word: str
) -> None:
    outcome(board.get(path, **params), 400, issue, word)


def test_fhir_is_read_only(board: Board) -> None:
    response = board.http.post(
        "/fhir/r4/Encounter", json={}, headers=board.api["integration"].headers
    )
    outcome(response, 405, "not-supported", "read only")


def test_answers_carry_the_security_headers_and_are_not_kept(board: Board) -> None:
    response = board.get("Encounter/E1")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert json.loads(response.content)["id"] == "E1"
