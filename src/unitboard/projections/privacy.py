"""How a patient is named on a given screen: in full with a second identifier, or in
privacy mode (initials only), and an alias for a confidential stay."""

from __future__ import annotations

import hashlib

from unitboard.domain.stays.state import Stay


def initials(stay: Stay) -> str:
    """ "J. Sm.": the given name's initial and the family name's first two letters."""
    family = stay.family_name.strip()
    return f"{stay.given_name.strip()[:1].upper()}. {family[:2].capitalize()}."


def alias(stay: Stay) -> str:
    digest = hashlib.sha256(stay.encounter_id.encode()).hexdigest()
    return f"Confidential {int(digest[:6], 16) % 1000:03d}"


def staff_name(name: str | None, *, privacy: bool) -> str | None:
    """A nurse on a screen: in full at the station, "Noor N." on a wall display."""
    if not name or not privacy:
        return name
    given, _, family = name.strip().partition(" ")
    return f"{given} {family.strip()[:1].upper()}." if family.strip() else given


def shown_name(stay: Stay, *, privacy: bool, see_confidential: bool) -> str:
    if stay.confidential and not see_confidential:
        return alias(stay)
    return initials(stay) if privacy else stay.display_name
