"""The house view, for the house supervisor and bed placement: every unit's census, ready,
dirty and blocked beds, admissions waiting for a bed and transfers coming in, at a glance and
live, each unit a click from its station. Counts only, no patient: one view, rendered once
per change for every screen showing it, a push carrying only the units whose counts moved.

And a patient search (name, MRN, encounter) over the current stays, for the roles that read
identity, each hit with its second identifier (MRN and birth date) beside the name. The
query is posted, never put in an address: addresses are written to logs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.domain.roles import role_label
from unitboard.domain.stays.state import Stay
from unitboard.projections.board import BoardProjection
from unitboard.realtime.screens import ScreenHub
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.service.roles import reads_of
from unitboard.store import StoredEvent
from unitboard.web.common import (
    Refused,
    actor_of,
    attach,
    check_csrf,
    macros,
    page,
    runtime_of,
    screen_socket,
    to_login,
)
from unitboard.web.limits import read_form
from unitboard.web.station import STATION_ROLES
from unitboard.web.units import HOUSE_ROLES

HOUSE_VIEW = "house"
COUNTS = ("total", "occupied", "reserved", "ready", "dirty", "blocked", "pending", "incoming")
MAX_HITS = 25
MIN_QUERY = 2
MAX_QUERY = 100


# -- the counts -------------------------------------------------------------------------------


def bed_counts(projection: BoardProjection, unit_id: str) -> dict[str, int]:
    """A unit's beds, counted as the station's header counts them."""
    beds = projection.unit_beds(unit_id)
    return {
        "total": len(beds),
        "occupied": sum(b.occupancy == "occupied" for b in beds),
        "reserved": sum(b.occupancy == "reserved" for b in beds),
        "ready": sum(b.status == "clean" for b in beds),
        "dirty": sum(b.cleanliness != "clean" and b.occupancy != "occupied" for b in beds),
        "blocked": sum(b.blocked is not None for b in beds),
    }


def waiting_counts(projection: BoardProjection) -> dict[str, dict[str, int]]:
    """Per unit, in one pass over the open stays: admissions waiting for a bed there, and
    patients whose transfer there is requested (still in their old bed)."""
    counts: dict[str, dict[str, int]] = {}
    for stay in projection.stays.open_stays.values():
        if stay.status == "pending" and stay.reserved_bed_id is None:
            unit = counts.setdefault(stay.unit_id, {"pending": 0, "incoming": 0})
            unit["pending"] += 1
        if stay.transfer_to_unit_id is not None:
            unit = counts.setdefault(stay.transfer_to_unit_id, {"pending": 0, "incoming": 0})
            unit["incoming"] += 1
    return counts


def totals(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    summed = dict.fromkeys(COUNTS, 0)
    for row in rows:
        for key in COUNTS:
            summed[key] += row[key]
    return summed


class HouseCounts:
    """Every unit's row, kept between pushes: a batch recounts the beds of the units it
    touched (all of them after a layout change) and the waiting patients of all (a cancelled
    transfer names no bed of the unit it was going to)."""

    def __init__(self, projection: BoardProjection) -> None:
        self.projection = projection
        self.beds: dict[str, dict[str, int]] = {}
        self.stale: set[str] | None = None  # None: every unit

    def touched(self, units: frozenset[str] | None) -> None:
        if units is None or self.stale is None:
            self.stale = None
        else:
            self.stale |= units

    def rows(self) -> list[dict[str, Any]]:
        projection = self.projection
        layout = projection.layout
        if self.stale is None:
            self.beds = {u: bed_counts(projection, u) for u in layout.units}
        else:
            for unit_id in self.stale:
                if unit_id in layout.units:
                    self.beds[unit_id] = bed_counts(projection, unit_id)
        self.stale = set()
        waiting = waiting_counts(projection)
        none = {"pending": 0, "incoming": 0}
        return [
            {
                "unit_id": unit.unit_id,
                "name": unit.name,
                **self.beds[unit.unit_id],
                **waiting.get(unit.unit_id, none),
            }
            for unit in layout.units.values()
        ]


def house_context(rows: list[dict[str, Any]], projection: BoardProjection) -> dict[str, Any]:
    return {
        "rows": rows,
        "totals": totals(rows),
        "hospital": projection.layout.name,
        "position": projection.position,
    }


class HouseRenderer:
    """The house view's pushes: the whole table for a screen that (re)connects, else only
    the rows whose counts changed, and the totals."""

    def __init__(self, projection: BoardProjection) -> None:
        self.projection = projection
        self.counts = HouseCounts(projection)
        self.shown: dict[str, dict[str, Any]] | None = None
        self.whole: str | None = None

    def snapshot(self, view: str) -> str:
        if self.whole is None:
            self.counts.touched(None)
            rows = self.counts.rows()
            self.shown = {row["unit_id"]: row for row in rows}
            context = house_context(rows, self.projection)
            self.whole = str(macros("_house.html").push(context))
        return self.whole

    def changes(self, view: str) -> str | None:
        before = self.shown
        self.whole = None
        rows = self.counts.rows()
        self.shown = {row["unit_id"]: row for row in rows}
        if before is None or set(before) != set(self.shown):  # units came or went
            return str(macros("_house.html").push(house_context(rows, self.projection)))
        changed = [row for row in rows if before[row["unit_id"]] != row]
        if not changed:
            return None
        context = house_context(rows, self.projection)
        return str(macros("_house.html").changes(context, changed))

    def forget(self, view: str) -> None:
        self.shown = self.whole = None


# -- patient search ---------------------------------------------------------------------------


_PLAIN_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"}
)
"""Letters with no decomposition into a plain one and an accent."""


def folded(text: str) -> str:
    """Lower case without accents: "Zoë Øberg" is found by "zoe oberg"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.casefold().translate(_PLAIN_LETTERS)


_WORDS = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Found:
    hits: list[dict[str, Any]]
    more: int
    query: str
    note: str | None


def words_of(stay: Stay, see_name: bool) -> list[str]:
    """What a query's words may begin: the names (when the viewer may see them) and the
    identifiers, whole and in their parts ("MRN-55" is found by "55")."""
    texts = [stay.encounter_id]
    if see_name:
        texts += [stay.family_name, stay.given_name, stay.mrn]
    words = [folded(t) for t in texts]
    for text in texts:
        words += _WORDS.findall(folded(text))
    return words


def search(projection: BoardProjection, query: str, role: str) -> Found:
    """Current stays whose names or identifiers begin with every word of the query."""
    query = query.strip()[:MAX_QUERY]
    terms = [t for t in re.split(r"[\s,]+", folded(query)) if t]
    if len("".join(terms)) < MIN_QUERY:
        return Found([], 0, query, f"Type at least {MIN_QUERY} letters or digits.")
    viewer = reads_of(role).viewer
    matches = []
    for stay in projection.stays.open_stays.values():
        words = words_of(stay, viewer.see_confidential or not stay.confidential)
        if all(any(word.startswith(term) for word in words) for term in terms):
            matches.append(stay)
    matches.sort(key=lambda s: (folded(s.family_name), folded(s.given_name), s.encounter_id))
    hits = [hit(projection, stay, viewer) for stay in matches[:MAX_HITS]]
    note = None if matches else "No current patient matches."
    return Found(hits, max(0, len(matches) - MAX_HITS), query, note)


def hit(projection: BoardProjection, stay: Stay, viewer: Any) -> dict[str, Any]:
    view = projection.stay_view(stay, viewer)
    layout = projection.layout
    unit = layout.units.get(stay.unit_id)
    view["unit_name"] = unit.name if unit else stay.unit_id
    view["bed_label"] = _bed_label(projection, stay.bed_id)
    view["reserved_label"] = _bed_label(projection, stay.reserved_bed_id)
    target = layout.units.get(stay.transfer_to_unit_id or "")
    view["transfer_name"] = target.name if target else stay.transfer_to_unit_id
    view["known_unit"] = unit is not None
    return view


def _bed_label(projection: BoardProjection, bed_id: str | None) -> str | None:
    bed = projection.beds.get(bed_id or "")
    if bed is None:
        return None
    return f"{projection.layout.rooms[bed.room_id].label}-{bed.label}"


# -- routes -----------------------------------------------------------------------------------


async def house_actor(request: HTTPConnection) -> Actor | None:
    actor = await actor_of(request)
    if actor is not None and actor.role not in HOUSE_ROLES:
        raise Refused(
            403,
            f"The house view is for secretaries, charge nurses and admins, not the "
            f"{role_label(actor.role)} role.",
        )
    return actor


async def house(request: Request) -> Response:
    actor = await house_actor(request)
    if actor is None:
        return to_login(request)
    return house_page(request, actor, None)


def house_page(request: Request, actor: Actor, found: Found | None) -> Response:
    projection = runtime_of(request).projection
    extra = {
        "ctx": house_context(HouseCounts(projection).rows(), projection),
        "actor": actor,
        "may_search": reads_of(actor.role).identity,
        "found": found,
        "query": found.query if found else "",
    }
    return page(request, "house.html", extra)


async def house_search(request: Request) -> Response:
    actor = await house_actor(request)
    if actor is None:
        return to_login(request)
    await check_csrf(request)
    if not reads_of(actor.role).identity:
        raise Refused(403, f"The {role_label(actor.role)} role may not look patients up.")
    form = await read_form(request)
    query = form.get("q")
    text = query if isinstance(query, str) else ""
    found = search(runtime_of(request).projection, text, actor.role)
    if not request.headers.get("hx-request"):  # a browser without scripts: the whole page
        return house_page(request, actor, found)
    return HTMLResponse(str(macros("_house.html").results(found)))


async def open_unit(request: Request) -> Response:
    """A unit's row leads to its station, for those who use one; to its board otherwise."""
    actor = await house_actor(request)
    if actor is None:
        return to_login(request)
    unit_id = request.path_params["unit_id"]
    if unit_id not in runtime_of(request).projection.layout.units:
        raise Refused(404, f"There is no unit {unit_id!r}.")
    screen = "station" if actor.role in STATION_ROLES else "display"
    return RedirectResponse(f"/{screen}/{unit_id}", 303)


async def house_socket(websocket: WebSocket) -> None:
    actor = await actor_of(websocket)
    if actor is None:
        await websocket.close(code=4401, reason="not allowed")
        return
    hub: ScreenHub = websocket.app.state.house_screens
    await screen_socket(websocket, hub, HOUSE_VIEW, actor, actor.role in HOUSE_ROLES)


routes = [
    Route("/house", house, methods=["GET"]),
    Route("/house/search", house_search, methods=["POST"]),
    Route("/house/unit/{unit_id}", open_unit, methods=["GET"]),
    WebSocketRoute("/ws/screen/house", house_socket),
]


def install(app: Starlette, runtime: Runtime) -> None:
    renderer = HouseRenderer(runtime.projection)

    def views_of(events: list[StoredEvent]) -> Iterable[str]:
        """The one house view, whenever a batch touched any unit (or the layout)."""
        units = runtime.touched(events)
        if units == frozenset():
            return []
        renderer.counts.touched(units)
        return [HOUSE_VIEW]

    app.state.house_screens = attach(app, runtime, renderer, views_of, routes)
