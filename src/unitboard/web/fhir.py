"""FHIR R4 read views at /fhir/r4: the routes only. What the resources say is built in
projections/fhir.py from the read model; here is who may ask (a bearer token of the
integration or admin role; the CapabilityStatement is public, as FHIR servers publish it)
and how answers and refusals go out (`application/fhir+json`, refusals as an
OperationOutcome, never an HTML page)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import unitboard
from unitboard.projections import fhir
from unitboard.projections.fhir import FhirRefusal, Page, Paging, Resource, Scope
from unitboard.service.auth import Actor
from unitboard.store.faults import classify
from unitboard.web.auth import bearer
from unitboard.web.common import actor_of, runtime_of

PREFIX = "/fhir/r4"
READERS = frozenset({"integration", "admin"})
"""The roles that read FHIR: systems and administrators. A person's role reads the board."""
STATUS = {
    "login": 401,
    "forbidden": 403,
    "not-found": 404,
    "invalid": 400,
    "not-supported": 400,
}
Endpoint = Callable[[Request], Awaitable[Response]]


class FhirJson(JSONResponse):
    media_type = fhir.MEDIA_TYPE


class NotSignedIn(FhirRefusal):
    """No bearer token, or one unitboard does not know (RFC 6750: say which)."""

    def __init__(self, message: str, challenge: str) -> None:
        super().__init__("login", message)
        self.challenge = challenge


def answer(
    resource: Resource, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return FhirJson(resource, status, headers=headers)


def refused(refusal: FhirRefusal) -> Response:
    headers = {"WWW-Authenticate": refusal.challenge} if isinstance(refusal, NotSignedIn) else None
    status = STATUS.get(refusal.issue, 400)
    return answer(fhir.operation_outcome(refusal.issue, refusal.message), status, headers)


def outcomes(handler: Endpoint) -> Endpoint:
    """Every refusal as an OperationOutcome: the FHIR ones, and a database that does not
    answer (a token is checked against it)."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except FhirRefusal as refusal:
            return refused(refusal)
        except Exception as error:
            fault = classify(error)
            if fault is None:
                raise
            outcome = fhir.operation_outcome("transient", fault.message(False))
            return answer(outcome, fault.status)

    return endpoint


async def reader(request: Request) -> Actor:
    if bearer(request) is None:
        raise NotSignedIn(
            "Send a unitboard token of the integration or admin role as "
            "`Authorization: Bearer <token>` (make one with `unitboard tokens create`).",
            'Bearer realm="unitboard"',
        )
    actor = await actor_of(request)
    if actor is None:
        raise NotSignedIn(
            "This bearer token is not known, or was revoked. Ask an administrator for a "
            "token of the integration role.",
            'Bearer realm="unitboard", error="invalid_token"',
        )
    if actor.role not in READERS:
        raise FhirRefusal(
            "forbidden",
            f"The {actor.role.replace('_', ' ')} role may not read FHIR: it is for the "
            "integration and admin roles. Use a token of one of those.",
        )
    return actor


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def page_of(request: Request, paging: Paging, total: int) -> Page:
    following = paging.next_offset(total)
    next_url = (
        None
        if following is None
        else str(request.url.include_query_params(_offset=following, _count=paging.count))
    )
    return Page(str(request.url), next_url)


def searchset(request: Request, found: list[Any], paging: Paging, build: Any) -> Response:
    """One page of `found`, each built into its resource only if it is on the page."""
    chosen = found[paging.offset : paging.offset + paging.count]
    resources = [build(item) for item in chosen]
    page = page_of(request, paging, len(found))
    return answer(fhir.searchset(base_url(request), resources, len(found), page))


# -- the endpoints ----------------------------------------------------------------------------


async def metadata(request: Request) -> Response:
    return answer(fhir.capability_statement(base_url(request), unitboard.__version__))


async def read_location(request: Request) -> Response:
    scope = (await reader(request)).scope
    projection = runtime_of(request).projection
    return answer(fhir.location(projection, request.path_params["location_id"], scope))


async def search_location(request: Request) -> Response:
    scope: Scope = (await reader(request)).scope
    params, paging = fhir.search_params(
        request.query_params.multi_items(), fhir.LOCATION_SEARCH, "Location"
    )
    found = fhir.search_locations(runtime_of(request).projection, params, scope)
    return searchset(request, found, paging, lambda resource: resource)


async def read_encounter(request: Request) -> Response:
    scope = (await reader(request)).scope
    projection = runtime_of(request).projection
    return answer(fhir.encounter(projection, request.path_params["encounter_id"], scope))


async def search_encounter(request: Request) -> Response:
    scope: Scope = (await reader(request)).scope
    params, paging = fhir.search_params(
        request.query_params.multi_items(), fhir.ENCOUNTER_SEARCH, "Encounter"
    )
    projection = runtime_of(request).projection
    found = list(fhir.search_encounters(projection, params, scope))
    return searchset(request, found, paging, lambda stay: fhir.encounter_resource(projection, stay))


async def elsewhere(request: Request) -> Response:
    """Anything else under /fhir/r4: said in FHIR, not as a web page."""
    if request.method not in ("GET", "HEAD"):
        message = "unitboard's FHIR views are read only: use GET."
        return answer(fhir.operation_outcome("not-supported", message), 405, {"Allow": "GET"})
    raise FhirRefusal(
        "not-found",
        "unitboard serves metadata, Location and Encounter here, e.g. "
        f"{PREFIX}/Location/4W-401-A or {PREFIX}/Encounter?status=in-progress.",
    )


routes = [
    Route(f"{PREFIX}/metadata", outcomes(metadata), methods=["GET"]),
    Route(f"{PREFIX}/Location", outcomes(search_location), methods=["GET"]),
    Route(f"{PREFIX}/Location/{{location_id}}", outcomes(read_location), methods=["GET"]),
    Route(f"{PREFIX}/Encounter", outcomes(search_encounter), methods=["GET"]),
    Route(f"{PREFIX}/Encounter/{{encounter_id}}", outcomes(read_encounter), methods=["GET"]),
    Route(
        f"{PREFIX}/{{rest:path}}",
        outcomes(elsewhere),
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    ),
]
