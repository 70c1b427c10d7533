"""What the desk and the nurses ask of a page; and what the scheduler sends, in the system
role, when an unacknowledged page falls due for a re-send."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from unitboard.domain.commands import Command, Id
from unitboard.domain.pages.values import MAX_MESSAGE, PagePriority

Message = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    Field(
        description=f"At most {MAX_MESSAGE} characters: a longer message is refused, "
        "saying how many it has."
    ),
]
"""Up to 2000 reach the decider, which refuses what a page cannot hold (MAX_MESSAGE) by
saying how many characters there are, in words."""
Callback = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class SendPage(Command):
    """`to`: a username, a role (its active members on the page's unit) or "everyone";
    `regarding`: a call light's id or an encounter id; `unit_id`: the unit whose members a
    role means (else the unit of what it regards, else the sender's first unit)."""

    to: Id
    message: Message
    priority: PagePriority = "routine"
    callback: Callback | None = None
    regarding: Id | None = None
    unit_id: Id | None = None
    page_id: Id | None = None


class AcknowledgePage(Command):
    page_id: Id


class ResendPage(Command):
    """Re-send number `count` fell due while nobody acknowledged (the scheduler's)."""

    page_id: Id
    count: Annotated[int, Field(ge=1, le=1_000_000)]
