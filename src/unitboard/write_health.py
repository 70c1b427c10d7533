"""Whether this process's writes are getting through, for /healthz: reads can work while
every write fails (a full disk), and a health check that only reads says "ok" then.

A failure counts for RECENT_SECONDS unless a write succeeds meanwhile. It does not count
for ever: a load balancer that takes a process out of service on a failing health check
sends it no more writes, and without an end the process could never show it is well."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from unitboard.store.faults import StorageFault, StorageFull, classify

RECENT_SECONDS = 60.0
FAILURES_IN_A_ROW = 3


class WriteHealth:
    def __init__(
        self, recent: float = RECENT_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.recent = recent
        self.clock = clock
        self.failures = 0
        """Writes the database failed since the last one that got through."""
        self._fault: StorageFault | None = None
        self._failed_at = 0.0

    def succeeded(self) -> None:
        self.failures, self._fault = 0, None

    def failed(self, error: BaseException) -> None:
        """Note `error` if it is the database failing (a refused command is not)."""
        fault = classify(error)
        if fault is None:
            return
        self.failures += 1
        self._fault, self._failed_at = fault, self.clock()

    def trouble(self) -> StorageFault | None:
        """The last write's fault, if writes are failing lately: a full disk at once, any
        other fault once FAILURES_IN_A_ROW writes failed with no success between (one busy
        moment must not take a process out of service)."""
        if self._fault is None or self.clock() - self._failed_at > self.recent:
            return None
        if not isinstance(self._fault, StorageFull) and self.failures < FAILURES_IN_A_ROW:
            return None
        return self._fault

    def summary(self) -> dict[str, Any]:
        fault = self.trouble()
        if fault is None:
            return {"status": "ok"}
        return {
            "status": "failing",
            "problem": fault.code,
            "failures": self.failures,
            "seconds_since_last_failure": round(self.clock() - self._failed_at, 1),
        }
