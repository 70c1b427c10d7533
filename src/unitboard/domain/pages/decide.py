"""Pages: send, acknowledge; and the scheduler's re-send, which checks again that it is
still due and records nothing when it is not. Each decider reads the hospital and returns
the events, or raises."""

from __future__ import annotations

from typing import Literal

from unitboard.domain.calls.state import Calls
from unitboard.domain.context import Context, Person
from unitboard.domain.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.pages import commands as c
from unitboard.domain.pages import events as e
from unitboard.domain.pages.recipients import group_label, members, page_reaches
from unitboard.domain.pages.sending import next_page_id
from unitboard.domain.pages.state import Page, Pages
from unitboard.domain.pages.timers import still_resent
from unitboard.domain.pages.values import MAX_MESSAGE, PAGE_ID, recipient_of
from unitboard.domain.stays.state import Stays

Regarding = tuple[Literal["call", "stay"] | None, str | None]
"""(what a page regards: a call light or a stay, the unit it is on)."""


def send_page(state: Hospital, cmd: c.SendPage, ctx: Context) -> list[Event]:
    length = len(cmd.message)
    if length > MAX_MESSAGE:
        raise InvalidInput(
            f"The message has {length} characters; a page holds at most {MAX_MESSAGE}. "
            f"Shorten it by {length - MAX_MESSAGE}."
        )
    if cmd.page_id is not None and (sent := _own_id(state, cmd, ctx)) is not None:
        return sent
    regarding_kind, regarding_unit = _regarding(state, cmd.regarding)
    if cmd.unit_id is not None:
        state[Layout].unit(cmd.unit_id)
    sender = ctx.people.person(ctx.actor)
    unit_id = cmd.unit_id or regarding_unit or _first_unit(sender)
    recipient = recipient_of(cmd.to)
    if recipient == "person":
        person = ctx.people.person(cmd.to)
        if person is None or not person.active:
            raise NotFound(f"There is no active user {cmd.to!r} to page.")
        unit_id = unit_id or _first_unit(person)
    elif unit_id is None:
        raise InvalidInput(
            f"Say which unit's {group_label(cmd.to)} to page: give unit_id, or send the page "
            "regarding a call light or a patient."
        )
    elif not members(ctx.people, cmd.to, unit_id):
        raise RuleViolation(
            f"No {group_label(cmd.to)} work on {unit_id} now; page a person instead."
        )
    return [
        e.PageSent(
            page_id=cmd.page_id or next_page_id(state),
            unit_id=unit_id,
            to=cmd.to,
            recipient=recipient,
            message=cmd.message,
            priority=cmd.priority,
            sent_by=ctx.actor,
            callback=cmd.callback,
            regarding=cmd.regarding,
            regarding_kind=regarding_kind,
        )
    ]


def _own_id(state: Hospital, cmd: c.SendPage, ctx: Context) -> list[Event] | None:
    """A sender's own page id: [] when this very page was sent with it already (a retry),
    None when it is free; refused when another page has it or it has unitboard's form."""
    assert cmd.page_id is not None
    known = state[Pages].find(cmd.page_id)
    if known is not None:
        same = (known.to, known.message, known.priority, known.sent_by) == (
            cmd.to, cmd.message, cmd.priority, ctx.actor,
        )  # fmt: skip
        if same:
            return []
        raise RuleViolation(f"Page id {cmd.page_id} is another page's; choose another id.")
    if PAGE_ID.fullmatch(cmd.page_id):
        raise InvalidInput(
            f"Page ids like {cmd.page_id} are made by unitboard: leave page_id out, or send "
            "an id of your own in another form."
        )
    return None


def _regarding(state: Hospital, regarding: str | None) -> Regarding:
    if regarding is None:
        return None, None
    call = state[Calls].find(regarding)
    if call is not None:
        return "call", call.unit_id
    stay = state[Stays].stays.get(regarding)
    if stay is not None:
        return "stay", stay.unit_id
    raise NotFound(
        f"There is no call light or encounter {regarding!r}: a page regards one of them."
    )


def _first_unit(person: Person | None) -> str | None:
    return person.units[0] if person is not None and person.units else None


def acknowledge_page(state: Hospital, cmd: c.AcknowledgePage, ctx: Context) -> list[Event]:
    page = state[Pages].page(cmd.page_id)
    if not page.open:
        if page.acknowledged_by == ctx.actor:
            return []  # a second tap of one's own acknowledgement
        who = page.acknowledged_by_name or page.acknowledged_by
        raise RuleViolation(f"Page {page.page_id} was acknowledged already, by {who}.")
    person = ctx.people.person(ctx.actor)
    if not page_reaches(page, person):
        raise NotAllowed(_not_yours(page, ctx))
    return [
        e.PageAcknowledged(
            page_id=page.page_id,
            unit_id=page.unit_id,
            by=ctx.actor,
            by_name=person.name if person is not None else None,
        )
    ]


def _not_yours(page: Page, ctx: Context) -> str:
    if page.recipient == "person":
        return f"Page {page.page_id} is for {page.to}; only they can acknowledge it."
    where = f" of {page.unit_id}" if page.unit_id else ""
    group = group_label(page.to)
    return f"Page {page.page_id} is for the {group}{where}; one of them acknowledges it."


def resend_page(state: Hospital, cmd: c.ResendPage, ctx: Context) -> list[Event]:
    page = state[Pages].open.get(cmd.page_id)
    if page is None or cmd.count != page.resent + 1 or not still_resent(state, page):
        return []  # acknowledged, re-sent already, or about a light that has ended
    return [e.PageResent(page_id=page.page_id, unit_id=page.unit_id, count=cmd.count)]
