"""Who may read what: the one table of what each role sees (HIPAA's minimum necessary).
Who may send which command is declared with each command (the aggregates' `aggregate.py`,
read through domain/registry.py).

- identity: full names, MRN and birth date. Without it a screen is in privacy mode:
  initials (or a confidential stay's alias), icons, no identifiers, no free text.
- confidential_names: the real name of a confidential stay (others see its alias).
- events: the raw event log (`GET /api/events`, `WS /ws/events`), which holds every patient
  ever admitted, so only for systems that integrate and for administrators.
- calls: a unit's call lights (`GET /api/units/{unit_id}/calls`); in privacy mode without
  the typed note of the need.
- transports: the transport jobs and transporters (`GET /api/transports`,
  `GET /api/transporters`): no patient identity in them, the encounter id only.
- orders: the orders entered under a provider's direction (`GET /api/stays/{id}/orders`,
  `GET /api/orders`): clinical content, for the people who enter, carry out and sign them.
- prints: armbands and specimen labels (`GET /api/stays/{id}/armband.pdf` ...), which carry
  the real identity: for the secretary, the charge nurse and the nurse.
- pages: which pages (`GET /api/pages`): "own" those that reach the person (theirs, their
  role's on their units) and those they sent; "unit" those of their units too (the desk);
  "all"; "none".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from unitboard.projections.board import Viewer
from unitboard.projections.calls import PageScope


@dataclass(frozen=True, slots=True)
class Reads:
    identity: bool
    confidential_names: bool
    events: bool
    calls: bool = False
    pages: PageScope = "none"
    transports: bool = False
    orders: bool = False
    prints: bool = False

    @property
    def viewer(self) -> Viewer:
        return Viewer(privacy=not self.identity, see_confidential=self.confidential_names)


_CARE = Reads(
    identity=True,
    confidential_names=True,
    events=False,
    calls=True,
    pages="own",
    transports=True,
    orders=True,
    prints=True,
)
_DESK = replace(_CARE, pages="unit")
"""The secretary and the charge nurse run the unit's pages."""
_PRIVACY = Reads(identity=False, confidential_names=False, events=False, pages="own")
_WALL = replace(_PRIVACY, calls=True, pages="none")
_SYSTEM = Reads(
    identity=True,
    confidential_names=True,
    events=True,
    calls=True,
    pages="all",
    transports=True,
    orders=True,
)
_TRANSPORT = replace(_PRIVACY, transports=True)
"""Transporters read every job (the queue is the hospital's) with initials only."""

READS: dict[str, Reads] = {
    "admin": _SYSTEM,
    "integration": _SYSTEM,
    "secretary": _DESK,
    "charge_nurse": _DESK,
    "nurse": _CARE,
    "provider": replace(_CARE, prints=False),
    "evs": _PRIVACY,
    "transport": _TRANSPORT,
    "display": _WALL,
}
"""Every role, and what it reads. A role missing here reads nothing (reads_of)."""

NOTHING = Reads(identity=False, confidential_names=False, events=False)


def reads_of(role: str) -> Reads:
    return READS.get(role, NOTHING)


def may_read_events(role: str) -> bool:
    return reads_of(role).events
