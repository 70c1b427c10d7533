"""unitboard load: WebSocket screens (the event feed, or wall displays) plus open-loop
unit-secretary traffic.

    locust -f loadtests/locustfile.py --headless -u 200 -r 100 -t 30s \
        --host http://127.0.0.1:8000 --only-summary

Environment:
    UNITBOARD_SECRETARY_TOKEN  bearer token, role secretary (commands)       (required)
    UNITBOARD_EVENTS_TOKEN     bearer token, role integration (/ws/events)
    UNITBOARD_LOAD_SCREENS     `events` (default): screens on /ws/events, every event each;
                               `wall`: wall displays on /ws/screen/display/{unit}, the
                               units in turn (UNITBOARD_DISPLAY_TOKEN, role display)
    UNITBOARD_LOAD_RATE        commands per second, hospital-wide (default 10)
    UNITBOARD_LOAD_UNITS       comma-separated unit ids (default: every unit)
    UNITBOARD_LOAD_DRAIN_S     seconds before the end when sending stops, so that the
                               last pushes arrive before the check (default 3)
    UNITBOARD_LOAD_REPORT      path of the JSON report written at the end (optional)

One `CommandUser` (fixed_count = 1) sends at a fixed arrival rate regardless of how long
answers take (a constant-rate scheduler that spawns one greenlet per command), walking a
state machine per free bed: admit -> assign -> arrive -> discharge -> start cleaning ->
clean, so nearly every command is legal. Every other user is a `ScreenUser`.

The run fails (exit code 1) on any error, miss, duplicate or gap; never on timing.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

import gevent
from gevent.event import Event
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from traffic import Bed, free_beds, percentile
from ws_user import LATENCIES_MS, SCREENS, EventScreenUser, WallScreenUser, covered_by


@dataclass
class Ack:
    command: str
    sent_ns: int
    positions: list[int]
    unit: str


ACKS: list[Ack] = []
COUNTS = {"sent": 0, "acknowledged": 0, "refused": 0, "errors": 0, "not_sent_no_idle_bed": 0}
REFUSALS: dict[str, int] = {}
REFUSAL_SAMPLES: list[str] = []
SPAWNED = Event()
TIMES: dict[str, float] = {}


@events.test_start.add_listener
def _started(environment: Environment, **_: Any) -> None:
    TIMES["start"] = time.monotonic()


@events.spawning_complete.add_listener
def _spawned(user_count: int, **_: Any) -> None:
    SPAWNED.set()


SCREEN_KIND = os.environ.get("UNITBOARD_LOAD_SCREENS", "events")


class ScreenUser(WallScreenUser if SCREEN_KIND == "wall" else EventScreenUser):
    weight = 1


class CommandUser(FastHttpUser):
    """Open-loop secretary traffic across the units at UNITBOARD_LOAD_RATE commands/s."""

    fixed_count = 1
    concurrency = 50

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {os.environ['UNITBOARD_SECRETARY_TOKEN']}"}
        self.rate = float(os.environ.get("UNITBOARD_LOAD_RATE", "10"))
        self.drain_s = float(os.environ.get("UNITBOARD_LOAD_DRAIN_S", "3"))
        self.idle: deque[Bed] = deque(self.free_beds())
        if not self.idle:
            raise RuntimeError("no bed to drive (none vacant, none left mid-cycle by a load)")

    def free_beds(self) -> list[Bed]:
        wanted = os.environ.get("UNITBOARD_LOAD_UNITS", "")
        units = [u for u in wanted.split(",") if u]
        if not units:
            answer = self.client.get("/api/units", headers=self.auth, name="/api/units")
            units = [u["unit_id"] for u in answer.json()["units"]]
        boards = {
            unit: self.client.get(
                f"/api/units/{unit}/board", headers=self.auth, name="/api/units/[unit]/board"
            ).json()
            for unit in units
        }
        return free_beds(boards)

    @task
    def drive(self) -> None:
        # Let the screens subscribe first, so latencies are live pushes, not backlog.
        SPAWNED.wait(60)
        expected = self.environment.runner.user_classes_count.get("ScreenUser", 0)
        deadline = time.monotonic() + 30
        while len(SCREENS) < expected and time.monotonic() < deadline:
            gevent.sleep(0.1)
        gevent.sleep(0.5)
        run_time = getattr(self.environment.parsed_options, "run_time", None)
        start = TIMES.get("start", time.monotonic())
        stop_at = start + run_time - self.drain_s if run_time else float("inf")
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        while time.monotonic() < stop_at:
            if self.idle:
                bed = self.idle.popleft()
                gevent.spawn(self.send, bed)
            else:
                COUNTS["not_sent_no_idle_bed"] += 1
            next_at += interval
            gevent.sleep(max(0.0, next_at - time.monotonic()))
        gevent.sleep(3600)  # sending is over; wait for the run to end

    def send(self, bed: Bed) -> None:
        name, data = bed.next_command()
        sent_ns = time.time_ns()
        key = uuid.uuid4().hex
        COUNTS["sent"] += 1
        headers = {**self.auth, "X-Correlation-ID": f"load-{key}-{sent_ns}"}
        body = {"command": name, "data": data, "idempotency_key": key}
        with self.client.post(
            "/api/commands", json=body, headers=headers, name=name, catch_response=True
        ) as response:
            if response.status_code == 200:
                answer = response.json()
                positions = [int(e["position"]) for e in answer["events"]]
                ACKS.append(Ack(name, sent_ns, positions, bed.unit_id))
                COUNTS["acknowledged"] += 1
                response.success()
                bed.advance()
                self.idle.append(bed)
            elif response.status_code == 409:
                # A refusal is the domain saying no, not a failure of the system; the bed
                # leaves the rotation (its state is no longer known).
                COUNTS["refused"] += 1
                try:
                    error = response.json().get("error", {})
                    reason = str(error.get("code", "?"))
                    if len(REFUSAL_SAMPLES) < 5:
                        REFUSAL_SAMPLES.append(f"{name} {bed.bed_id}: {error.get('message')}")
                except Exception:
                    reason = "?"
                REFUSALS[f"{name}: {reason}"] = REFUSALS.get(f"{name}: {reason}", 0) + 1
                response.success()
            else:
                COUNTS["errors"] += 1
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")


def build_report(environment: Environment) -> dict[str, Any]:
    misses = 0
    expected_deliveries = 0
    for screen in SCREENS:
        if screen.unit is not None:
            misses += wall_misses(screen)
            expected_deliveries += sum(1 for a in ACKS if on_wall(screen, a))
            continue
        for ack in ACKS:
            for position in ack.positions:
                if position > screen.after:
                    expected_deliveries += 1
                    if position not in screen.received:
                        misses += 1
    latencies = sorted(LATENCIES_MS)
    stats = environment.stats.total if environment.stats else None
    failures = stats.num_failures if stats else 0
    return {
        "screens": len(SCREENS),
        "commands_sent": COUNTS["sent"],
        "commands_acknowledged": COUNTS["acknowledged"],
        "commands_refused": COUNTS["refused"],
        "refusals": REFUSALS,
        "refusal_samples": REFUSAL_SAMPLES,
        "commands_not_sent_no_idle_bed": COUNTS["not_sent_no_idle_bed"],
        "events_acknowledged": sum(len(a.positions) for a in ACKS),
        "pushes": sum(s.pushes for s in SCREENS),
        "timed_pushes": len(latencies),
        "expected_deliveries": expected_deliveries,
        "latency_p50_ms": round(percentile(latencies, 50), 2),
        "latency_p95_ms": round(percentile(latencies, 95), 2),
        "latency_p99_ms": round(percentile(latencies, 99), 2),
        "latency_max_ms": round(latencies[-1], 2) if latencies else 0.0,
        "misses": misses,
        "duplicates": sum(s.duplicates for s in SCREENS),
        "gaps": sum(s.gaps for s in SCREENS),
        "disconnects": sum(s.disconnects for s in SCREENS),
        "errors": max(failures, COUNTS["errors"]),
    }


def on_wall(screen: Any, ack: Ack) -> bool:
    return ack.unit == screen.unit and ack.positions[-1] > screen.after


def wall_misses(screen: Any) -> int:
    """Every command of the wall's unit must show on it: count those that never did, and
    time those that did (command sent -> first push showing its position)."""
    misses = 0
    for ack in ACKS:
        if not on_wall(screen, ack):
            continue
        shown_ns = covered_by(screen, ack.positions[-1])
        if shown_ns is None:
            misses += 1
        else:
            LATENCIES_MS.append((shown_ns - ack.sent_ns) / 1e6)
    return misses


@events.quitting.add_listener
def _report(environment: Environment, **_: Any) -> None:
    report = build_report(environment)
    bad = (
        report["errors"]
        or report["misses"]
        or report["duplicates"]
        or report["gaps"]
        or report["disconnects"]
        or not report["screens"]
        or not report["commands_acknowledged"]
    )
    report["ok"] = not bad
    if bad:
        environment.process_exit_code = 1
    path = os.environ.get("UNITBOARD_LOAD_REPORT")
    if path:
        with open(path, "w") as out:
            json.dump(report, out, indent=2)
    print("unitboard load report: " + json.dumps(report))
