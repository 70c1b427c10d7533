"""A warning said once, then at most once a while: an outside service that is down fails on
every command, and one line per command would bury everything else in the log."""

from __future__ import annotations

import logging
import time


class ThrottledWarning:
    def __init__(self, logger: logging.Logger, every_seconds: float = 30.0) -> None:
        self.logger = logger
        self.every_seconds = every_seconds
        self.failing = False
        self._last_said = -float("inf")
        self._unsaid = 0

    def failed(self, message: str, *args: object) -> None:
        """Say `message` now if it was not said lately, else count it for the next time."""
        now = time.monotonic()
        if now - self._last_said < self.every_seconds:
            self._unsaid += 1
            return
        if self._unsaid:
            message += " (%d more like this since the last warning)"
            args = (*args, self._unsaid)
        self.logger.warning(message, *args)
        self.failing, self._last_said, self._unsaid = True, now, 0

    def recovered(self, message: str, *args: object) -> None:
        """Say `message` once when what was failing works again."""
        if self.failing:
            self.logger.warning(message, *args)
        self.failing, self._last_said, self._unsaid = False, -float("inf"), 0
