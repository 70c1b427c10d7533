"""The station's call lights and pages, as the desk works them: the unit's active lights
(highest priority first, then the oldest) with the patient, when each turns overdue, who its
escalations paged, and the actions the domain offers the role; the unit's pages with their
state (those waiting for an acknowledgement; for half an hour more, those acknowledged and
those about a light cleared since); and what the page composer offers (the unit's people
and groups, the lights and patients a page may be about).

A live push is rendered once per unit and role, with no request behind it, so the people's
names come from a directory that the station's own requests keep fresh (people live beside
the log, not in it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from unitboard.domain.calls.ladder import ladder
from unitboard.domain.calls.state import Call, Calls, Escalation
from unitboard.domain.calls.timers import moment
from unitboard.domain.calls.values import KIND_LABELS, PAGE_PRIORITY_OF_CALL
from unitboard.domain.context import Context, KnownPeople, Person
from unitboard.domain.hospital import Hospital
from unitboard.domain.pages.recipients import group_label, members
from unitboard.domain.pages.sending import SYSTEM_SENDER
from unitboard.domain.pages.state import Page, Pages
from unitboard.domain.pages.timers import still_resent
from unitboard.domain.pages.values import (
    EVERYONE,
    MAX_MESSAGE,
    PAGE_PRIORITIES,
    PAGE_PRIORITY_LABELS,
    PAGED_ROLES,
    Recipient,
    recipient_of,
)
from unitboard.domain.stays.state import Stay
from unitboard.domain.transport.state import Transport
from unitboard.projections.board import FULL, BoardProjection
from unitboard.projections.calls import PAGE_RANK, active_calls, call_view
from unitboard.projections.personal import PRIORITY_LABELS, bed_label, route_label
from unitboard.runtime import Runtime
from unitboard.service import roles
from unitboard.web.common import offers_by_command

ACKNOWLEDGED_SHOWN = dt.timedelta(minutes=30)
"""How long an acknowledged page stays in the unit's list: long enough to see who took it."""
OPEN_SHOWN = 60
ACKNOWLEDGED_KEPT = 20
"""At most this many pages waiting, and done, in the list: a glance, not a history."""
ROLE_ORDER = ("nurse", "charge_nurse", "provider", "secretary", "evs", "transport")
"""The order of the composer's groups of people: those paged most, first."""
GROUP_LABELS = {
    "nurse": "Nurses",
    "charge_nurse": "Charge nurses",
    "provider": "Providers",
    "secretary": "Secretaries",
    "evs": "EVS staff",
    "transport": "Transport staff",
}


@dataclass
class StaffDirectory:
    """The people the station names and pages, as last read by one of its requests."""

    people: dict[str, Person] = field(default_factory=dict)

    def learn(self, people: Iterable[Person]) -> None:
        self.people = {person.username: person for person in people}

    def name(self, username: str | None) -> str:
        """A person's name; a token by its name ("token:nurse-call" -> "nurse-call")."""
        if not username:
            return ""
        person = self.people.get(username)
        return person.name if person is not None else username.removeprefix("token:")

    def on_unit(self, unit_id: str) -> list[Person]:
        """The active people a page can reach on this unit, by role, then by name."""
        found = [
            person
            for person in self.people.values()
            if person.active and unit_id in person.units and person.role in PAGED_ROLES
        ]
        return sorted(found, key=lambda p: (ROLE_ORDER.index(p.role), p.name.lower()))


def paged(
    to: str, unit_id: str | None, directory: StaffDirectory, recipient: Recipient | None = None
) -> str:
    """Whom a page or an escalation went to, in words: a person's name, "the charge nurses
    on 4W", "everyone on 4W". `recipient`: what `to` names, as recorded (an escalation pages
    an assigned nurse by username, even one that is also a role's name); else as a page a
    person sends reads it."""
    recipient = recipient or recipient_of(to)
    where = f" on {unit_id}" if unit_id else ""
    if recipient == "everyone":
        return f"everyone{where}"
    if recipient == "role":
        return f"the {group_label(to)}{where}"
    return directory.name(to)


# -- call lights --------------------------------------------------------------------------------


def patient_of(projection: BoardProjection, encounter_id: str | None) -> Stay | None:
    return projection.stays.stays.get(encounter_id or "")


def escalation_row(
    hospital: Hospital, escalation: Escalation | None, directory: StaffDirectory
) -> dict[str, Any] | None:
    if escalation is None:
        return None
    page = hospital[Pages].find(escalation.page_id)
    to = paged(escalation.to, None, directory, page.recipient if page else None)
    return {
        "step": escalation.step,
        "to": to.removeprefix("the "),
        "at": escalation.at,
        "page_id": escalation.page_id,
    }


def call_row(
    runtime: Runtime, call: Call, ctx: Context, directory: StaffDirectory
) -> dict[str, Any]:
    """A light as the desk sees it: the contract's CALL, with the patient (named in full, as
    on the station's tiles), their nurse, the latest escalation and what the role may do."""
    projection = runtime.projection
    hospital = projection.hospital
    view = call_view(hospital, call)
    stay = patient_of(projection, call.encounter_id)
    shown = projection.stay_view(stay, FULL) if stay is not None else None
    offers = offers_by_command(runtime.registry.offered(hospital, "call", call.call_id, ctx))
    bed = bed_label(hospital, call.bed_id)
    kind = KIND_LABELS[call.kind]
    latest = call.escalations[-1] if call.escalations else None
    nurse = stay.nurse if stay is not None and stay.active else None
    return view | {
        "bed": bed,
        "kind_label": kind,
        "priority_label": PRIORITY_LABELS[call.priority],
        "patient": shown["name"] if shown is not None else "",
        "nurse": nurse,
        "nurse_name": (stay.nurse_name or directory.name(stay.nurse))
        if stay is not None and stay.nurse
        else None,
        "answered_by": directory.name(call.answered_by),
        "escalated": escalation_row(hospital, latest, directory),
        "steps": len(ladder(hospital, call.priority)),
        "repage": escalation_row(hospital, call.repage, directory),
        "offers": offers,
        "say": f"{'CODE BLUE' if call.kind == 'code_blue' else 'Call light'}: {bed}, "
        f"{kind.lower()}",
        "page_to": nurse if nurse and recipient_of(nurse) == "person" else "",
        "page_priority": PAGE_PRIORITY_OF_CALL[call.priority],
        "page_message": f"Call light {bed} ({kind.lower()}): ",
    }


def call_rows(
    runtime: Runtime, unit_id: str, ctx: Context, directory: StaffDirectory
) -> list[dict[str, Any]]:
    hospital = runtime.projection.hospital
    return [call_row(runtime, call, ctx, directory) for call in active_calls(hospital, unit_id)]


def lights_by_bed(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Each bed's active lights, for the badges on its tile."""
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["bed_id"], []).append(row)
    return found


def call_confirmation(projection: BoardProjection, name: str, data: dict[str, Any]) -> str:
    """What was done to a light, in words, for the person who did it."""
    call = projection.hospital[Calls].find(str(data.get("call_id", "")))
    if call is None:
        return "Done."
    light = f"{bed_label(projection.hospital, call.bed_id)} ({KIND_LABELS[call.kind].lower()})"
    if name == "AnswerCallLight":
        return (
            f"Answered {light}: {call.note or data.get('note', '')}. Clear it when staff are there."
        )
    if name == "ClearCallLight":
        return f"Cleared {light}."
    return "Done."


# -- pages --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shown:
    """A page in the unit's list: `state` "sent" (waiting for an acknowledgement),
    "acknowledged", or "cleared" (never acknowledged, but the light it is about has ended:
    it is no longer re-sent); `ended_at`: when it stopped waiting."""

    page: Page
    state: str
    ended_at: dt.datetime | None = None


def unit_pages(projection: BoardProjection, unit_id: str, now: dt.datetime) -> list[Shown]:
    """The unit's pages that wait (most urgent, then newest first); then, the latest first,
    those that stopped waiting in the last ACKNOWLEDGED_SHOWN: acknowledged, or about a
    light cleared since (no one need answer them now)."""
    hospital = projection.hospital
    pages = hospital[Pages]
    since = now - ACKNOWLEDGED_SHOWN
    waiting: list[Page] = []
    done: list[Shown] = []
    for page in pages.open.values():
        if page.unit_id != unit_id:
            continue
        if still_resent(hospital, page):
            waiting.append(page)
            continue
        call = hospital[Calls].find(page.regarding or "")
        cleared = moment(call.cleared_at) if call is not None else None
        if cleared is not None and cleared >= since:
            done.append(Shown(page, "cleared", cleared))
    waiting.sort(key=lambda p: p.sent_at, reverse=True)
    waiting.sort(key=lambda p: PAGE_RANK[p.priority])
    acknowledged = 0
    for page in reversed(pages.closed.values()):  # in the order they were acknowledged
        at = moment(page.acknowledged_at)
        if (at is not None and at < since) or acknowledged == ACKNOWLEDGED_KEPT:
            break
        if page.unit_id == unit_id:
            done.append(Shown(page, "acknowledged", at))
            acknowledged += 1
    done.sort(key=lambda shown: shown.ended_at or since, reverse=True)
    return [Shown(page, "sent") for page in waiting[:OPEN_SHOWN]] + done[:ACKNOWLEDGED_KEPT]


def regarding_label(projection: BoardProjection, page: Page) -> str:
    """What a page is about: "401-A bathroom light", "Garcia, Aisha (401-A)", or a
    transport, "TR-11: 401-A → Radiology" (the patient is on its row of the list)."""
    hospital = projection.hospital
    if page.regarding is None:
        return ""
    if page.regarding_kind == "call":
        call = hospital[Calls].find(page.regarding)
        if call is None:
            return page.regarding
        ended = "" if call.active else " (cleared)"
        return f"{bed_label(hospital, call.bed_id)} {KIND_LABELS[call.kind].lower()} light{ended}"
    if page.regarding_kind == "transport":
        job = hospital[Transport].find(page.regarding)
        if job is None:
            return page.regarding
        return f"{job.transport_id}: {route_label(hospital, job, page.unit_id or job.unit_id)}"
    stay = patient_of(projection, page.regarding)
    if stay is None:
        return page.regarding
    name = projection.stay_view(stay, FULL)["name"]
    return f"{name} ({bed_label(hospital, stay.bed_id)})" if stay.bed_id else name


def system_sender(page: Page) -> str:
    """Who a page the house sent by itself is from, in words: a step of a light's
    escalation, a light not cleared in time paged again, or a transport turned late."""
    if page.regarding_kind == "transport":
        return "Late transport"
    return "Escalation" if page.step is not None else "Re-page"


def page_row(
    projection: BoardProjection, shown: Shown, directory: StaffDirectory
) -> dict[str, Any]:
    page = shown.page
    escalation = page.sent_by == SYSTEM_SENDER
    sender = system_sender(page) if escalation else directory.name(page.sent_by)
    return {
        "page_id": page.page_id,
        "state": shown.state,
        "open": shown.state == "sent",
        "priority": page.priority,
        "priority_label": PAGE_PRIORITY_LABELS[page.priority],
        "to": paged(page.to, page.unit_id, directory, page.recipient),
        "message": page.message,
        "callback": page.callback,
        "regarding": regarding_label(projection, page),
        "regarding_kind": page.regarding_kind,
        "escalation": escalation,
        "step": page.step,
        "sender": sender,
        "sent_at": page.sent_at,
        "last_sent_at": page.last_sent_at or page.sent_at,
        "resent": page.resent,
        "acknowledged_by": page.acknowledged_by_name or directory.name(page.acknowledged_by),
        "acknowledged_at": page.acknowledged_at,
        "ended_at": shown.ended_at.isoformat() if shown.ended_at else None,
        "drop_at": (shown.ended_at + ACKNOWLEDGED_SHOWN).isoformat() if shown.ended_at else None,
    }


def page_rows(
    projection: BoardProjection, unit_id: str, role: str, directory: StaffDirectory
) -> list[dict[str, Any]] | None:
    """The unit's pages for a role that follows them (the desk); None for a role that reads
    only its own pages (a nurse: those are on My pages)."""
    if roles.reads_of(role).pages not in ("unit", "all"):
        return None
    now = dt.datetime.now(dt.UTC)
    return [
        page_row(projection, shown, directory) for shown in unit_pages(projection, unit_id, now)
    ]


# -- the composer -------------------------------------------------------------------------------


def nurse_beds(projection: BoardProjection, unit_id: str) -> dict[str, list[str]]:
    """The beds of the patients each nurse has on the unit ("401-A"), for the composer."""
    hospital = projection.hospital
    beds: dict[str, list[str]] = {}
    for stay in projection.stays.open_stays.values():
        if stay.nurse and stay.unit_id == unit_id and stay.bed_id:
            beds.setdefault(stay.nurse, []).append(bed_label(hospital, stay.bed_id))
    return {nurse: sorted(found) for nurse, found in beds.items()}


def composer(
    runtime: Runtime,
    unit_id: str,
    ctx: Context,
    rows: list[dict[str, Any]],
    directory: StaffDirectory,
) -> dict[str, Any]:
    """What the page composer offers: the unit's groups (those with someone in them) and
    people, and what a page may be about (the active lights, the patients in the unit's
    beds)."""
    projection = runtime.projection
    people = directory.on_unit(unit_id)
    beds = nurse_beds(projection, unit_id)
    known = KnownPeople(people)
    groups = [
        (role, f"All {group_label(role)} on {unit_id}")
        for role in ("nurse", "charge_nurse")
        if members(known, role, unit_id)
    ]
    if members(known, EVERYONE, unit_id):
        groups.append((EVERYONE, f"Everyone on {unit_id} ({group_label(EVERYONE)})"))
    by_role: dict[str, list[tuple[str, str]]] = {}
    for person in people:
        if recipient_of(person.username) != "person":
            continue  # a username that is a role's name pages the role: not them alone
        looks_after = beds.get(person.username)
        label = f"{person.name} — {', '.join(looks_after)}" if looks_after else person.name
        by_role.setdefault(person.role, []).append((person.username, label))
    patients = []
    for bed in projection.unit_beds(unit_id):
        stay = patient_of(projection, bed.encounter_id)
        if stay is not None and bed.occupancy == "occupied":
            name = projection.stay_view(stay, FULL)["name"]
            patients.append(
                (stay.encounter_id, f"{bed_label(projection.hospital, bed.bed_id)} · {name}")
            )
    return {
        "may_page": runtime.registry.may(ctx.role, "SendPage"),
        "groups": groups,
        "people": [(GROUP_LABELS[role], by_role[role]) for role in ROLE_ORDER if role in by_role],
        "lights": [
            (row["call_id"], f"{row['bed']} {row['kind_label'].lower()} light") for row in rows
        ],
        "patients": patients,
        "priorities": [(p, PAGE_PRIORITY_LABELS[p]) for p in PAGE_PRIORITIES],
        "max": MAX_MESSAGE,
    }
