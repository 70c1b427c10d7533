"""Fan-out to the live screens: for each batch of new events, work out which views changed
(a unit's wall display, its station, the EVS queue), render each changed view ONCE, and write
that same text straight onto the socket of every screen showing it, in the publishing loop
turn, the way `websockets.broadcast()` does: no task and no wake-up per screen on the hot
path. A screen whose socket cannot take more (its peer stopped reading) finishes that one
send in a task of its own; pushes meanwhile wait in a bounded queue, and a screen that
overflows it, or whose send waits past its deadline, is dropped: it resumes by
reconnecting, which sends it a fresh snapshot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from typing import Any, Protocol

from unitboard.projections.board import BoardProjection
from unitboard.realtime.socket_deadlines import SEND_SECONDS
from unitboard.store import StoredEvent

HEARTBEAT_SECONDS = 2.0
Send = Callable[[str], Coroutine[Any, Any, None]]
Drop = Callable[[int], Awaitable[None]]


class TouchedUnits:
    """The units a batch of events touches, by what each event declares: worked out once
    per batch, however many screen families ask. None when the layout changed (every view
    may look different, and a removed room names no unit any more)."""

    def __init__(self, projection: BoardProjection) -> None:
        self.projection = projection
        self._last: tuple[int, frozenset[str] | None] = (0, frozenset())

    def __call__(self, events: list[StoredEvent]) -> frozenset[str] | None:
        if not events:
            return frozenset()
        if self._last[0] == events[-1].position:
            return self._last[1]
        units = self._work_out(events)
        self._last = (events[-1].position, units)
        return units

    def _work_out(self, events: list[StoredEvent]) -> frozenset[str] | None:
        hospital, units_of = self.projection.hospital, self.projection.router.units
        known = self.projection.layout.units
        units: set[str] = set()
        for recorded in events:
            if recorded.event.LAYOUT:
                return None
            units.update(units_of(hospital, recorded.event))
        return frozenset(unit for unit in units if unit in known)


class Renderer(Protocol):
    def snapshot(self, view: str) -> str:
        """The whole view, for a screen that (re)connects."""

    def changes(self, view: str) -> str | None:
        """What changed in the view since the last call (None: nothing visible)."""

    def forget(self, view: str) -> None:
        """Nobody shows the view any more: drop what `changes` remembers of it."""


class WholeView:
    """A renderer whose every push is the whole view (small views with few screens)."""

    def __init__(self, render: Callable[[str], str]) -> None:
        self.snapshot = self.changes = render

    def forget(self, view: str) -> None:
        pass


def run_now(coroutine: Coroutine[Any, Any, None]) -> asyncio.Future[None] | None:
    """Run `coroutine` here and now up to its first real wait. None when it finished without
    waiting (a send onto a writable socket); otherwise a task that carries it on."""
    try:
        waiting_on = coroutine.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_carry_on(coroutine, waiting_on))


async def _carry_on(coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
    await _Resume(coroutine, waiting_on)


class _Resume:
    """The rest of a coroutine already started by `run_now`, as something a task can await:
    hands the task what the coroutine waits on and passes every wake-up (or error) back."""

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self.coroutine = coroutine
        self.waiting_on = waiting_on

    def __await__(self) -> Generator[Any, None, None]:
        waiting_on = self.waiting_on
        while True:
            error: BaseException | None = None
            try:
                yield waiting_on
            except BaseException as raised:
                error = raised
            try:
                if error is None:
                    waiting_on = self.coroutine.send(None)
                else:
                    waiting_on = self.coroutine.throw(error)
            except StopIteration:
                return


class Screen:
    """One connected screen: the last position it was sent, and its socket's `send`. A send
    that waits longer than `deadline` (the peer stopped reading), or fails, drops the screen:
    `drop` closes its socket within a deadline of its own and then cuts it off."""

    def __init__(
        self, send: Send, capacity: int, drop: Drop, deadline: float = SEND_SECONDS
    ) -> None:
        self.send = send
        self.capacity = capacity
        self._drop = drop
        self.deadline = deadline
        self.position = 0
        self.last_push = time.monotonic()
        self.queue: list[str] = []
        self.sending: asyncio.Future[None] | None = None
        self._stuck_timer: asyncio.TimerHandle | None = None
        self.gone = False

    def push(self, position: int, text: str) -> bool:
        """Send now, or queue behind a send that waits; False when the screen must go."""
        if self.gone:
            return False
        if self.sending is not None:
            if len(self.queue) >= self.capacity:
                return False
            self.queue.append(text)
        elif not self._send(text):
            return False
        self.position = position
        self.last_push = time.monotonic()
        return True

    def _send(self, text: str) -> bool:
        try:
            self.sending = run_now(self.send(text))
        except Exception:  # the socket is closed: make sure it is gone for real
            self.drop()
            return False
        if self.sending is not None:  # the socket is full: the send waits, for so long
            self.sending.add_done_callback(self._sent)
            self._stuck_timer = self.sending.get_loop().call_later(self.deadline, self._stuck)
        return True

    def _sent(self, sending: asyncio.Future[None]) -> None:
        self.sending = None
        self._stop_timer()
        if sending.cancelled() or sending.exception() is not None:
            self.drop()
        elif self.queue and not self.gone:
            text = "".join(self.queue)  # out-of-band fragments apply in order, newest last
            self.queue.clear()
            self._send(text)

    def _stuck(self) -> None:
        """The send waited out its deadline: the peer stopped reading."""
        self._stuck_timer = None
        sending = self.sending
        self.drop()
        if sending is not None:
            sending.cancel()

    def _stop_timer(self) -> None:
        if self._stuck_timer is not None:
            self._stuck_timer.cancel()
            self._stuck_timer = None

    def close(self) -> None:
        """The screen went away: send it nothing more."""
        self.gone = True
        self.queue.clear()
        self._stop_timer()

    def drop(self) -> None:
        """Too far behind, or stuck: close its socket (it reconnects and gets a fresh
        snapshot)."""
        if not self.gone:
            self.gone = True
            self.queue.clear()
            asyncio.ensure_future(self._drop(self.position))


class ScreenHub:
    """Screens by view; `publish` is a sink for `Runtime.sinks` (called on the event loop).
    `views_of` names the views a batch changes (those nobody shows are skipped);
    `heartbeat` renders a position-only push."""

    def __init__(
        self,
        projection: BoardProjection,
        renderer: Renderer,
        capacity: int,
        heartbeat: Callable[[int], str],
        views_of: Callable[[list[StoredEvent]], Iterable[str]],
    ) -> None:
        self.projection = projection
        self.renderer = renderer
        self.capacity = capacity
        self.heartbeat = heartbeat
        self.views_of = views_of
        self.views: dict[str, set[Screen]] = {}
        self.renders = 0
        self.deliveries = 0
        self.bytes_sent = 0  # of the changes pushed (UTF-8), for /metrics

    def subscribe(self, view: str, screen: Screen, after: int) -> None:
        """Add a screen and send it, in the same loop turn, the view as of now: the whole
        view when it is behind, else a heartbeat. No event can fall in between."""
        self.views.setdefault(view, set()).add(screen)
        position = self.projection.position
        first = self.renderer.snapshot(view) if after < position else self.heartbeat(position)
        if not screen.push(position, first):
            self.unsubscribe(view, screen)

    def unsubscribe(self, view: str, screen: Screen) -> None:
        screens = self.views.get(view)
        if screens is not None:
            screens.discard(screen)
            if not screens:
                del self.views[view]
                self.renderer.forget(view)

    def publish(self, events: list[StoredEvent]) -> None:
        if not events or not self.views:
            return
        position = events[-1].position
        for view in self.views_of(events):
            screens = self.views.get(view)
            if not screens:
                continue
            text = self.renderer.changes(view)  # once per view, however many screens show it
            if text is None:
                continue
            self.renders += 1
            self.deliveries += len(screens)
            self.bytes_sent += len(text.encode()) * len(screens)
            for screen in list(screens):
                if not screen.push(position, text):
                    self.remove(view, screen)

    def remove(self, view: str, screen: Screen) -> None:
        self.unsubscribe(view, screen)
        screen.drop()

    def beat(self, seconds: float = HEARTBEAT_SECONDS) -> None:
        """Send a heartbeat to every screen that has had nothing for `seconds`, so that a
        screen can tell a quiet board from a dead connection."""
        stale = time.monotonic() - seconds
        position = self.projection.position
        text = self.heartbeat(position)
        for view, screens in list(self.views.items()):
            for screen in list(screens):
                if screen.last_push <= stale and not screen.push(position, text):
                    self.remove(view, screen)

    async def keep_beating(self, seconds: float = HEARTBEAT_SECONDS) -> None:
        while True:
            await asyncio.sleep(seconds / 4)
            self.beat(seconds)

    def count(self) -> int:
        return sum(len(screens) for screens in self.views.values())
