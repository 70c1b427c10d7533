"""What reaches one person on their phone: the pages that reach them (their own, their
role's on their units, "everyone" on their units), open ones first, most urgent then
newest, and those closed lately; and the call lights they answer for (a nurse: the lights
of the patients assigned to them; a charge nurse: every light on their units; a provider:
none, their pages are what reaches them).

A phone is read in corridors and left on counters, so what it names is the least a nurse
needs to walk to the bed: the unit, room and bed, the patient's initials (an alias for a
confidential stay) and the call's kind; never a full name, an MRN or a birth date."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from unitboard.domain.beds.state import Beds
from unitboard.domain.calls.state import Call, Calls
from unitboard.domain.calls.timers import moment
from unitboard.domain.calls.values import KIND_LABELS, PRIORITY_RANK
from unitboard.domain.context import Person
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.pages.recipients import group_label, page_reaches
from unitboard.domain.pages.sending import SYSTEM_SENDER
from unitboard.domain.pages.state import Page, Pages
from unitboard.domain.pages.values import EVERYONE, PAGE_PRIORITY_LABELS, PAGED_ROLES
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.stays.state import Stay, Stays
from unitboard.domain.transport.places import spot, spot_label
from unitboard.domain.transport.state import Job, Transport
from unitboard.projections.calls import PAGE_RANK
from unitboard.projections.privacy import shown_name

DONE_KEPT = 8
"""How many acknowledged pages the "done" list keeps: a glance back, not a history."""
DONE_WITHIN = dt.timedelta(hours=12)
"""A shift: pages acknowledged earlier than this are not shown as done."""
CALL_SCOPE = {"nurse": "assigned", "charge_nurse": "units"}
"""Whose lights a role answers for: a nurse those of their patients, a charge nurse those of
their units. Other roles (providers) see no lights."""
PRIORITY_LABELS = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"}
_DIALLED = re.compile(r"\+?[\d\s().-]{3,20}")
"""A callback a phone can dial: digits, spaces, dots, dashes, brackets, a leading +."""


@dataclass(frozen=True, slots=True)
class Mine:
    """One person's pages and lights, and the units whose changes can change them."""

    open_pages: list[Page]
    done_pages: list[Page]
    calls: list[Call]
    units: frozenset[str]


def my_pages(hospital: Hospital, person: Person, now: dt.datetime) -> tuple[list[Page], list[Page]]:
    """The open pages that reach `person`, most urgent then newest first; and the pages
    that reached them and were acknowledged within DONE_WITHIN, the latest first."""
    pages = hospital[Pages]
    opened = [page for page in pages.open.values() if page_reaches(page, person)]
    opened.sort(key=lambda p: p.sent_at, reverse=True)
    opened.sort(key=lambda p: PAGE_RANK[p.priority])
    since = now - DONE_WITHIN
    done: list[Page] = []
    for page in reversed(pages.closed.values()):  # in the order they were acknowledged
        acknowledged = moment(page.acknowledged_at)
        if acknowledged is not None and acknowledged < since:
            break
        if page_reaches(page, person):
            done.append(page)
            if len(done) == DONE_KEPT:
                break
    return opened, done


def my_calls(hospital: Hospital, person: Person) -> list[Call]:
    """The active lights `person` answers for, highest priority first, then the oldest."""
    scope = CALL_SCOPE.get(person.role)
    if scope is None:
        return []
    stays = hospital[Stays].stays
    lights = hospital[Calls].active.values()
    if scope == "units":
        mine = [c for c in lights if c.unit_id in person.units]
    else:
        mine = [c for c in lights if _nurse_of(stays, c.encounter_id) == person.username]
    return sorted(mine, key=lambda c: (PRIORITY_RANK[c.priority], c.raised_at, c.call_id))


def _nurse_of(stays: Mapping[str, Stay], encounter_id: str | None) -> str | None:
    stay = stays.get(encounter_id) if encounter_id else None
    return stay.nurse if stay is not None and stay.active else None


def assigned_units(hospital: Hospital, username: str) -> set[str]:
    """The units of the patients assigned to `username` now (a nurse may float)."""
    return {s.unit_id for s in hospital[Stays].open_stays.values() if s.nurse == username}


def mine(hospital: Hospital, person: Person, now: dt.datetime) -> Mine:
    opened, done = my_pages(hospital, person, now)
    calls = my_calls(hospital, person)
    units = set(person.units)
    units.update(p.unit_id for p in (*opened, *done) if p.unit_id is not None)
    units.update(c.unit_id for c in calls)
    if CALL_SCOPE.get(person.role) == "assigned":
        units |= assigned_units(hospital, person.username)
    return Mine(opened, done, calls, frozenset(units))


# -- what the cards say -----------------------------------------------------------------------


def bed_label(hospital: Hospital, bed_id: str | None) -> str:
    """A bed as people name it: "401-A" (room and bed)."""
    bed = hospital[Beds].beds.get(bed_id or "")
    if bed is None:
        return bed_id or ""
    room = hospital[Layout].rooms.get(bed.room_id)
    return f"{room.label}-{bed.label}" if room is not None else bed.label


def room_label(hospital: Hospital, bed_id: str | None) -> str:
    bed = hospital[Beds].beds.get(bed_id or "")
    room = hospital[Layout].rooms.get(bed.room_id) if bed is not None else None
    return room.label if room is not None else ""


def initials_of(hospital: Hospital, encounter_id: str | None) -> str:
    stay = hospital[Stays].stays.get(encounter_id or "")
    if stay is None:
        return ""
    return shown_name(stay, privacy=True, see_confidential=False)


def sender_name(sent_by: str, names: Mapping[str, str]) -> str:
    """Who sent a page, as people name them (a token by its name)."""
    if sent_by in names:
        return names[sent_by]
    return sent_by.removeprefix("token:")


def addressed_to(page: Page, person: Person) -> str:
    if page.recipient == "person":
        return "To you" if page.to == person.username else f"To {page.to}"
    where = f" on {page.unit_id}" if page.unit_id else ""
    if page.recipient == "everyone":
        return f"To everyone{where}"
    return f"To the {group_label(page.to)}{where}"


def dialled(callback: str | None) -> str | None:
    """The number a tel: link dials for a callback, or None when it is not a number."""
    if callback is None or not _DIALLED.fullmatch(callback.strip()):
        return None
    digits = re.sub(r"[^\d+]", "", callback)
    return digits if sum(ch.isdigit() for ch in digits) >= 3 else None


def end_label(hospital: Hospital, ident: str, unit_id: str) -> str:
    """Where a transport starts or ends, as the people of a unit name it: "401-A" for a bed
    of the unit, "ICU 3-A" for a bed of another, a unit's or a place's name."""
    found = spot(hospital, ident)
    if found is None or found.kind != "bed":
        return spot_label(hospital, ident)
    label = bed_label(hospital, ident)
    return label if found.unit_id == unit_id else f"{found.unit_id} {label}"


def route_label(hospital: Hospital, job: Job, unit_id: str) -> str:
    """Where a transport goes from and to: "401-A → Radiology"."""
    source = end_label(hospital, job.origin, unit_id)
    return f"{source} → {end_label(hospital, job.destination, unit_id)}"


def about(hospital: Hospital, page: Page) -> dict[str, str] | None:
    """What a page is about, in privacy mode: the light's bed and kind, the patient's bed
    and initials, or the transport (its id, from and to) and the patient's initials."""
    if page.regarding is None:
        return None
    if page.regarding_kind == "call":
        call = hospital[Calls].find(page.regarding)
        if call is None:
            return None
        return {
            "bed": bed_label(hospital, call.bed_id),
            "unit_id": call.unit_id,
            "kind": KIND_LABELS[call.kind],
            "initials": initials_of(hospital, call.encounter_id),
            "call_id": call.call_id,
            "transport_id": "",
            "route": "",
            "active": "yes" if call.active else "no",
        }
    if page.regarding_kind == "transport":
        job = hospital[Transport].find(page.regarding)
        if job is None:
            return None
        unit_id = page.unit_id or job.unit_id
        return {
            "bed": "",
            "unit_id": unit_id,
            "kind": "",
            "initials": initials_of(hospital, job.encounter_id),
            "call_id": "",
            "transport_id": job.transport_id,
            "route": route_label(hospital, job, unit_id),
            "active": "yes" if job.open else "no",
        }
    stay = hospital[Stays].stays.get(page.regarding)
    if stay is None:
        return None
    return {
        "bed": bed_label(hospital, stay.bed_id) if stay.bed_id else "no bed yet",
        "unit_id": stay.unit_id,
        "kind": "",
        "initials": initials_of(hospital, stay.encounter_id),
        "call_id": "",
        "transport_id": "",
        "route": "",
        "active": "yes" if stay.active else "no",
    }


def page_card(
    hospital: Hospital, page: Page, person: Person, names: Mapping[str, str]
) -> dict[str, Any]:
    escalation = page.sent_by == SYSTEM_SENDER
    return {
        "page_id": page.page_id,
        "open": page.open,
        "priority": page.priority,
        "priority_label": PAGE_PRIORITY_LABELS[page.priority],
        "message": page.message,
        "callback": page.callback,
        "dial": dialled(page.callback),
        "escalation": escalation,
        "step": page.step,
        "sender": "Escalation" if escalation else sender_name(page.sent_by, names),
        "about": about(hospital, page),
        "to": addressed_to(page, person),
        "sent_at": page.sent_at,
        "resent": page.resent,
        "last_sent_at": page.last_sent_at,
        "acknowledged_at": page.acknowledged_at,
        "acknowledged_by": "you"
        if page.acknowledged_by == person.username
        else page.acknowledged_by_name or page.acknowledged_by,
    }


def paged_name(to: str, names: Mapping[str, str], person: Person) -> str:
    """Whom an escalation paged: you, a person by name, or a group ("the charge nurses")."""
    if to == person.username:
        return "you"
    if to in names:
        return names[to]
    if to == EVERYONE or to in PAGED_ROLES:
        return f"the {group_label(to)}"
    return to


def call_card(
    hospital: Hospital, call: Call, names: Mapping[str, str], person: Person
) -> dict[str, Any]:
    """A light as the phone shows it; `answer_due_at`: when it turns overdue unanswered;
    `nurse`: the patient's nurse (for a charge nurse, who sees every light of the unit)."""
    target = hospital[PolicyInForce].policy.call_answer_target_seconds.of(call.priority)
    raised = moment(call.raised_at)
    due = raised + dt.timedelta(seconds=target) if raised is not None else None
    latest = call.escalations[-1] if call.escalations else None
    paged = paged_name(latest.to, names, person) if latest is not None else None
    stay = hospital[Stays].stays.get(call.encounter_id or "")
    return {
        "call_id": call.call_id,
        "unit_id": call.unit_id,
        "bed": bed_label(hospital, call.bed_id),
        "room": room_label(hospital, call.bed_id),
        "initials": initials_of(hospital, call.encounter_id),
        "kind": call.kind,
        "kind_label": KIND_LABELS[call.kind],
        "priority": call.priority,
        "priority_label": PRIORITY_LABELS[call.priority],
        "status": call.status,
        "raised_at": call.raised_at,
        "answered_at": call.answered_at,
        "answer_due_at": due.isoformat() if due is not None else None,
        "note": call.note,
        "escalations": len(call.escalations),
        "nurse": stay.nurse_name or stay.nurse if stay is not None else None,
        "paged": paged,
        "paged_at": latest.at if latest is not None else None,
    }
