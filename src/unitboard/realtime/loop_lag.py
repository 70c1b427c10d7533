"""How late the event loop runs: a probe asks to wake every `interval` seconds and records how
much later than asked it did. Lag there is lag for every push and every request, so the
server measures it itself and shows it at /metrics (p50, p99 and max over a recent window)."""

from __future__ import annotations

import asyncio
import gc
import time
from collections import deque
from typing import Any


class LoopLag:
    def __init__(self, interval: float = 0.05, window: int = 1200) -> None:
        self.interval = interval
        self.samples: deque[float] = deque(maxlen=window)  # seconds late, newest last
        self.collections: deque[tuple[int, float]] = deque(maxlen=100)  # (generation, s)
        self._collecting_since = 0.0

    def watch_collector(self) -> None:
        """Time the garbage collector's sweeps too: a long one is a common cause of lag."""
        if self._on_collect not in gc.callbacks:
            gc.callbacks.append(self._on_collect)

    def _on_collect(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._collecting_since = time.perf_counter()
        elif info["generation"] == 2:
            self.collections.append((2, time.perf_counter() - self._collecting_since))

    async def run(self) -> None:
        self.watch_collector()
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.samples.append(max(0.0, time.perf_counter() - asked - self.interval))

    def summary(self) -> dict[str, Any]:
        """Milliseconds late over the window (1,200 probes of 50 ms: the last minute)."""
        ordered = sorted(self.samples)
        if not ordered:
            return {"samples": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}

        def at(share: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)

        full = [seconds for _, seconds in self.collections]
        return {
            "samples": len(ordered),
            "window_s": round(len(ordered) * self.interval, 1),
            "p50_ms": at(0.50),
            "p99_ms": at(0.99),
            "max_ms": round(ordered[-1] * 1000, 2),
            "full_collections": len(full),
            "full_collection_max_ms": round(max(full) * 1000, 2) if full else None,
        }
