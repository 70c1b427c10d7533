"""The people of the hospital by username, for the screens that name them (who sent a page,
who directed, entered or received an order): read off the event loop and kept for a while,
since a name changes rarely and a screen redraws often."""

from __future__ import annotations

import logging
import time

from unitboard.domain.context import KnownPeople
from unitboard.runtime import Runtime

FRESH_SECONDS = 30.0
"""How long the names are trusted before they are read again."""
log = logging.getLogger(__name__)


class StaffNames:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.people = KnownPeople([])
        self.names: dict[str, str] = {}
        """username -> name."""
        self._read = -FRESH_SECONDS

    async def refresh(self) -> None:
        """Read the people again when what is kept is older than FRESH_SECONDS; a failed
        read keeps the old names (cosmetic: people show by username meanwhile)."""
        if time.monotonic() - self._read < FRESH_SECONDS:
            return
        runtime = self.runtime
        try:
            everyone = await runtime.read(runtime.service.people.everyone)
        except Exception as error:
            log.warning("could not read the people's names: %s", error)
            return
        self.people = KnownPeople(everyone)
        self.names = {person.username: person.name for person in everyone}
        self._read = time.monotonic()
