"""The order reads of the JSON API, and the armband and label downloads, as the contract
says: a stay's orders; the orders awaiting a provider's co-signature (overdue first); and
a stay's wristband (PDF, ZPL) and specimen labels (PDF), each recorded before it is made,
so no band leaves a printer unrecorded."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from unitboard.domain.roles import role_label
from unitboard.domain.stays.state import Stay, Stays
from unitboard.printing.armband import armband_pdf
from unitboard.printing.facts import BandFacts
from unitboard.printing.labels import labels_pdf
from unitboard.printing.zpl import armband_zpl
from unitboard.projections.orders import awaiting_cosign, order_view, stay_orders
from unitboard.service import roles
from unitboard.service.auth import Actor
from unitboard.web.api import int_param, require_actor
from unitboard.web.calls_api import choice_param
from unitboard.web.common import runtime_of
from unitboard.web.errors import ApiError

LABELS_PER_SHEET = 10


def check_reads_orders(actor: Actor) -> None:
    if not roles.reads_of(actor.role).orders:
        raise ApiError(403, "forbidden", f"The {role_label(actor.role)} role may not read orders.")


def stay_for(request: Request, actor: Actor) -> Stay:
    """The stay of the path, if the actor's token may see its unit."""
    stay = runtime_of(request).projection.hospital[Stays].stay(request.path_params["encounter_id"])
    if actor.scope is not None and stay.unit_id not in actor.scope:
        raise ApiError(403, "forbidden", f"This token is for unit {actor.unit_id} only.")
    return stay


async def get_stay_orders(request: Request) -> Response:
    actor = await require_actor(request)
    check_reads_orders(actor)
    stay = stay_for(request, actor)
    projection = runtime_of(request).projection
    hospital = projection.hospital
    return JSONResponse(
        {
            "position": projection.position,
            "orders": [order_view(hospital, o) for o in stay_orders(hospital, stay.encounter_id)],
        }
    )


async def get_orders(request: Request) -> Response:
    """`?unsigned=true`: a provider's orders awaiting their co-signature; for the desk and
    the systems, those of their units (`?provider=` narrows to one provider)."""
    actor = await require_actor(request)
    check_reads_orders(actor)
    choice_param(request, "unsigned", ("true",))  # the one list served: unsigned orders
    provider = request.query_params.get("provider") or None
    if actor.role == "provider":
        if provider not in (None, actor.name):
            raise ApiError(
                403, "forbidden", "A provider reads the orders awaiting their own co-signature."
            )
        provider = actor.name
    projection = runtime_of(request).projection
    hospital = projection.hospital
    units = actor.scope if actor.scope is not None else None
    if units is None and actor.role in ("secretary", "charge_nurse", "nurse") and actor.units:
        units = frozenset(actor.units)
    orders = awaiting_cosign(hospital, provider, units)
    return JSONResponse(
        {"position": projection.position, "orders": [order_view(hospital, o) for o in orders]}
    )


def band_facts(stay: Stay) -> BandFacts:
    return BandFacts(
        family_name=stay.family_name,
        given_name=stay.given_name,
        birth_date=stay.birth_date.isoformat(),
        sex=stay.sex,
        mrn=stay.mrn,
        encounter_id=stay.encounter_id,
        attending=stay.attending,
        location=stay.bed_id,
    )


async def _record_print(request: Request, document: str, copies: int = 1) -> Stay:
    """The print recorded (durable) before the document is made; the stay as printed."""
    actor = await require_actor(request)
    if not roles.reads_of(actor.role).prints:
        raise ApiError(
            403,
            "forbidden",
            f"The {role_label(actor.role)} role may not print armbands or labels: the "
            "secretary, the charge nurse and the nurse do.",
        )
    stay = stay_for(request, actor)
    runtime = runtime_of(request)
    data = {"encounter_id": stay.encounter_id, "document": document, "copies": copies}
    await runtime.write(runtime.service.execute, actor, "PrintIdentification", data, None, None)
    return runtime.projection.hospital[Stays].stay(stay.encounter_id)


def _download(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )


async def get_armband_pdf(request: Request) -> Response:
    stay = await _record_print(request, "armband_pdf")
    body = await run_in_threadpool(armband_pdf, band_facts(stay))
    return _download(body, "application/pdf", f"armband-{stay.encounter_id}.pdf")


async def get_armband_zpl(request: Request) -> Response:
    stay = await _record_print(request, "armband_zpl")
    body = armband_zpl(band_facts(stay)).encode("utf-8")
    return _download(body, "application/vnd.zebra-zpl", f"armband-{stay.encounter_id}.zpl")


async def get_labels_pdf(request: Request) -> Response:
    count = int_param(request, "count", LABELS_PER_SHEET, 1, 50)
    stay = await _record_print(request, "labels_pdf", count)
    body = await run_in_threadpool(labels_pdf, band_facts(stay), count)
    return _download(body, "application/pdf", f"labels-{stay.encounter_id}.pdf")


routes = [
    Route("/api/stays/{encounter_id}/orders", get_stay_orders),
    Route("/api/orders", get_orders),
    Route("/api/stays/{encounter_id}/armband.pdf", get_armband_pdf),
    Route("/api/stays/{encounter_id}/armband.zpl", get_armband_zpl),
    Route("/api/stays/{encounter_id}/labels.pdf", get_labels_pdf),
]
