"""A locust user for WebSocket screens (locust has none built in).

`EventScreenUser` subscribes to `/ws/events?after=HEAD` with the `websockets` sync client
(its socket and its background reader thread are gevent-patched by locust, so each screen
costs two greenlets, not two OS threads) and reports every push with
`events.request.fire(request_type="WS", name="push", ...)`.

Latency is "command sent -> push received": the command user stamps its send time
(`time.time_ns()`) into the correlation id (`load-<uuid>-<send_ns>`); the server copies
it into every event's metadata, and the screen subtracts it from its own clock on receipt
(same machine, same clock).

Every screen keeps `after` (the head when it subscribed), `last` (the last position seen),
and the set of positions received, so that at the end every acknowledged position > after
can be checked: a missing one is a miss; a position <= last is a duplicate; a jump past
last + 1 is a gap.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.request
from dataclasses import dataclass, field

from locust import User, task
from locust.exception import StopUser
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


@dataclass
class ScreenRecord:
    name: str
    after: int
    last: int
    received: set[int] = field(default_factory=set)
    pushes: int = 0
    duplicates: int = 0
    gaps: int = 0
    disconnects: int = 0
    unit: str | None = None  # a wall display's unit; None for the event feed
    arrivals: list[tuple[int, int]] = field(default_factory=list)  # (position, received_ns)


SCREENS: list[ScreenRecord] = []
LATENCIES_MS: list[float] = []


def log_head(host: str) -> int:
    with urllib.request.urlopen(host.rstrip("/") + "/healthz", timeout=10) as response:
        return int(json.load(response)["log_head"])


def ws_base(host: str) -> str:
    return "ws" + host.rstrip("/")[len("http") :]


def send_ns_of(correlation_id: object) -> int | None:
    """`load-<uuid>-<send_ns>` -> send_ns; None for events not sent by this load."""
    if not isinstance(correlation_id, str) or not correlation_id.startswith("load-"):
        return None
    try:
        return int(correlation_id.rsplit("-", 1)[1])
    except ValueError:
        return None


class EventScreenUser(User):
    """One integration feed subscriber (`/ws/events`), reading every push until stopped."""

    abstract = True
    token_env = "UNITBOARD_EVENTS_TOKEN"

    def on_start(self) -> None:
        self.token = os.environ[self.token_env]
        self.ws = None
        self.record: ScreenRecord | None = None
        self.subscribe()

    def path(self, head: int) -> str:
        return f"/ws/events?after={head}"

    def subscribe(self) -> None:
        started = time.perf_counter()
        failure: Exception | None = None
        try:
            head = log_head(self.host)
            self.ws = connect(
                ws_base(self.host) + self.path(head),
                additional_headers={"Authorization": f"Bearer {self.token}"},
                open_timeout=20,
                close_timeout=1,
                max_size=2**22,
            )
        except Exception as exc:
            failure = exc
            raise
        finally:
            self.environment.events.request.fire(
                request_type="WS",
                name="connect",
                response_time=(time.perf_counter() - started) * 1000,
                response_length=0,
                exception=failure,
                context={},
            )
        if self.record is None:
            self.record = ScreenRecord(f"screen-{len(SCREENS)}", after=head, last=head)
            self.record.unit = self.unit
            SCREENS.append(self.record)

    unit: str | None = None

    @task
    def read_pushes(self) -> None:
        assert self.ws is not None and self.record is not None
        fire = self.environment.events.request.fire
        record = self.record
        while True:
            try:
                text = self.ws.recv(timeout=1)
            except TimeoutError:
                continue
            except ConnectionClosed as exc:
                # Never expected in a smoke run: count it as an error, and stop this screen
                # (its missing positions then show up as misses too).
                record.disconnects += 1
                fire(
                    request_type="WS",
                    name="closed",
                    response_time=0,
                    response_length=0,
                    exception=exc,
                    context={},
                )
                self.ws = None
                raise StopUser() from exc
            latency_ms = self.take(str(text), time.time_ns(), record)
            if latency_ms is None:
                continue  # a heartbeat
            fire(
                request_type="WS",
                name="push",
                response_time=latency_ms,
                response_length=len(text),
                exception=None,
                context={},
            )

    def take(self, text: str, received_ns: int, record: ScreenRecord) -> float | None:
        """Record one event; its latency from the send time its command stamped."""
        event = json.loads(text)
        position = int(event["position"])
        if position <= record.last:
            record.duplicates += 1
        else:
            if position > record.last + 1:
                record.gaps += 1
            record.last = position
        record.received.add(position)
        record.pushes += 1
        sent_ns = send_ns_of((event.get("metadata") or {}).get("correlation_id"))
        if sent_ns is None:
            return 0.0
        latency_ms = (received_ns - sent_ns) / 1e6
        LATENCIES_MS.append(latency_ms)
        return latency_ms

    def on_stop(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.close()
            self.ws = None


class WallScreenUser(EventScreenUser):
    """One wall display (`/ws/screen/display/{unit}`, a display token), the units taken in
    turn. Its pushes are HTML carrying the position they show; positions jump (other units'
    events are not its business) and heartbeats repeat the last one. Latency and misses are
    worked out at the end, against the commands of its unit (`covered_by`)."""

    abstract = True
    token_env = "UNITBOARD_DISPLAY_TOKEN"
    units: list[str] = []

    def on_start(self) -> None:
        wanted = [u for u in os.environ.get("UNITBOARD_LOAD_UNITS", "").split(",") if u]
        if not WallScreenUser.units:
            WallScreenUser.units = wanted or units_of(self.host, os.environ[self.token_env])
        self.unit = WallScreenUser.units[len(SCREENS) % len(WallScreenUser.units)]
        super().on_start()

    def path(self, head: int) -> str:
        return f"/ws/screen/display/{self.unit}?after={head}"

    def take(self, text: str, received_ns: int, record: ScreenRecord) -> float | None:
        if len(text) < 120 and text.lstrip().startswith('<div id="position"'):
            return None  # a heartbeat: nothing changed
        start = text.rfind('data-position="') + len('data-position="')
        position = int(text[start : text.index('"', start)])
        if position == record.last:
            record.duplicates += 1
        elif position < record.last:
            record.gaps += 1  # out of order
        record.last = max(record.last, position)
        record.arrivals.append((position, received_ns))
        record.pushes += 1
        return 0.0  # latency needs the commands: see covered_by


def units_of(host: str, token: str) -> list[str]:
    request = urllib.request.Request(
        host.rstrip("/") + "/api/units", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return [unit["unit_id"] for unit in json.load(response)["units"]]


def covered_by(record: ScreenRecord, position: int) -> int | None:
    """When the wall first showed `position` (or later): its arrival in ns, None if never."""
    for shown, received_ns in record.arrivals:
        if shown >= position:
            return received_ns
    return None
