"""Transport under load, measured.

    python loadtests/bench_transport.py [--units 50] [--walls 2000] [--transporters 50]
                                        [--jobs-per-minute 20] [--minutes 3]

1. A hospital of `--units` units (20 beds each, loadtests/bench_fanout.py's layout) with
   two places (RAD, CT) and auto dispatch, in a fresh SQLite log; `unitboard serve` on it,
   one process, the embedded default. `--transporters` transport staff, each with a
   personal token; one patient per job, admitted before the run.
2. `--walls` wall displays, spread over the units, held open by a separate holder process
   (bench_fanout's); every transporter's tablet (`/ws/screen/transport`) held open here,
   recording every push with its position and arrival time. Every transporter sets
   themselves available.
3. Jobs flow at `--jobs-per-minute`: the desk requests one (RequestTransport, to a place);
   auto dispatch offers it (the scheduler) to the transporter idle longest; that
   transporter, told by the event feed, accepts 0.3 s later, picks up 0.5 s after that and
   completes 0.5 s later, and is offered the next job.
4. Command -> tablet: from each command's send to the arrival, on the tablet that must show
   it (every tablet for a request: the queue is the hospital's; the transporter's own for
   their steps), of the first push whose position covers it. Baseline, side by side in the
   same run: bed changes (MarkBedDirty on empty beds) at the same pace -> the last wall
   display of the unit. Offer lateness: each TransportOffered's recorded time minus the
   moment the offer became due (the later of the job's wait and the transporter's idle
   start), worked out by folding the log with unitboard's own dispatch rules.

Targets (issue 12, as issue 8's): command -> tablet p99 <= 50 ms; offer lateness p99 <= 1 s;
every job completed, no offer made twice."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import msgspec
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_calls import Client, admission, all_events, screen_latency  # noqa: E402
from bench_fanout import (  # noqa: E402
    Holder,
    cli,
    is_heartbeat,
    layout,
    position_of,
    screen_urls,
    start,
    stop,
    wait_http,
)
from traffic import free_port, latency_summary  # noqa: E402

from unitboard.domain.aggregates import HOUSE  # noqa: E402
from unitboard.domain.hospital import Hospital  # noqa: E402
from unitboard.domain.registry import SYSTEM  # noqa: E402
from unitboard.domain.transport.dispatch import pairings  # noqa: E402

PLACES = '\n[[place]]\nid = "RAD"\nname = "Radiology"\n\n[[place]]\nid = "CT"\nname = "CT scan"\n'
POLICY = '\n[policy]\ntransport_dispatch = "auto"\ntransport_offer_seconds = 60\n'
STEP_DELAYS = {"AcceptTransport": 0.3, "PickUpTransport": 0.5, "CompleteTransport": 0.5}
SETUP = """
import sys
from unitboard.bootstrap import open_credentials
from unitboard.service.accounts import Accounts, new_password_hash

database, count = sys.argv[1], int(sys.argv[2])
credentials = open_credentials(database)
accounts = Accounts(credentials.store, credentials.sessions)
password = new_password_hash("a long bench password")
for n in range(count):
    name = f"bt{n:03d}"
    accounts.add_user(name, password, "transport", f"Bench Transporter {n:03d}", [], by="bench")
    print(name, accounts.create_personal_token(name, name, by="bench"))
credentials.close()
"""


class Tablet:
    """A transporter's tablet, held open: every push's position and arrival time."""

    def __init__(self, username: str, token: str) -> None:
        self.username, self.token = username, token
        self.pushes: list[tuple[int, float]] = []
        self.closed: int | None = None

    async def hold(self, url: str, opened: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with connect(url, additional_headers=headers, ping_interval=None) as socket:
            opened.set()
            try:
                async for message in socket:
                    arrived = time.monotonic()
                    assert isinstance(message, str)
                    if not is_heartbeat(message):
                        self.pushes.append((position_of(message), arrived))
            except ConnectionClosed as closed:
                self.closed = closed.rcvd.code if closed.rcvd else 1006

    def arrival(self, position: int) -> float | None:
        return next((t for p, t in self.pushes if p >= position), None)


class Shift:
    """The transporters at work: each acts on what the event feed says is theirs."""

    def __init__(self, base: str, tokens: dict[str, str]) -> None:
        self.clients = {name: Client(base, token) for name, token in tokens.items()}
        self.acks: list[tuple[str, float, int]] = []
        """(the transporter whose tablet must show it, sent, acknowledged position)."""
        self.completed: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    def offered(self, transport_id: str, transporter: str) -> None:
        task = asyncio.ensure_future(self.work(transport_id, transporter))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def work(self, transport_id: str, transporter: str) -> None:
        client = self.clients[transporter]
        for step, delay in STEP_DELAYS.items():
            await asyncio.sleep(delay)
            sent = time.monotonic()
            answer = await client.command(step, {"transport_id": transport_id})
            self.acks.append((transporter, sent, int(answer["position"])))
        self.completed.add(transport_id)


async def follow_offers(port: int, token: str, after: int, shift: Shift) -> None:
    url = f"ws://127.0.0.1:{port}/ws/events?after={after}"
    headers = {"Authorization": f"Bearer {token}"}
    async with connect(url, additional_headers=headers, ping_interval=None) as feed:
        async for message in feed:
            event = json.loads(message)
            if event.get("type") == "TransportOffered":
                shift.offered(event["data"]["transport_id"], event["data"]["transporter"])


def tablet_latency(
    acks: list[tuple[str | None, float, int]], tablets: dict[str, Tablet]
) -> dict[str, Any]:
    """For each command, the arrival on the tablet(s) that must show it (None: all)."""
    latencies, misses = [], 0
    for who, sent, position in acks:
        shown = [tablets[who]] if who is not None else list(tablets.values())
        arrivals = [tablet.arrival(position) for tablet in shown]
        if any(arrival is None for arrival in arrivals):
            misses += 1
            continue
        latencies.append(max(a for a in arrivals if a is not None) - sent)
    return {**latency_summary(latencies), "misses": misses}


def offer_lateness(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Fold the log; before each TransportOffered, ask unitboard's dispatch rules when that
    pairing became due; lateness = recorded - due."""
    hospital = Hospital()
    late: list[float] = []
    offers: Counter[tuple[str, int]] = Counter()
    for stored in events:
        event = msgspec.convert(stored["data"], HOUSE.events[stored["type"]])
        if stored["type"] == "TransportOffered":
            data = stored["data"]
            offers[(data["transport_id"], data["offer"])] += 1
            due = next(
                (
                    pair.at
                    for pair in pairings(hospital)
                    if pair.job.transport_id == data["transport_id"]
                    and pair.transporter.username == data["transporter"]
                ),
                None,
            )
            if due is not None and stored["metadata"]["role"] == SYSTEM:
                recorded = dt.datetime.fromisoformat(stored["recorded_at"])
                late.append(max(0.0, (recorded - due).total_seconds()))
        hospital.evolve(event, stored["recorded_at"])
        hospital.position = stored["position"]
    return {**latency_summary(late), "offers": sum(offers.values()),
            "doubled": sum(1 for n in offers.values() if n > 1)}  # fmt: skip


async def drive(
    base: str, port: int, units: list[str], args: argparse.Namespace, tokens: dict[str, str],
    desk_token: str, wall: str, reader: str, work: Path,
) -> tuple[Any, ...]:  # fmt: skip
    desk = Client(base, desk_token)
    jobs = int(args.jobs_per_minute * args.minutes)
    patients, spare = [], []
    for n in range(jobs):
        unit = units[n % len(units)]
        room = n // len(units) + 1
        encounter = f"T{n:05d}"
        await desk.command("RequestAdmission", admission(encounter, unit))
        bed = f"{unit}-{int(unit[1:]):02d}{room:02d}-A"
        await desk.command("AssignBed", {"encounter_id": encounter, "bed_id": bed})
        await desk.command("MarkArrived", {"encounter_id": encounter})
        patients.append((encounter, unit))
        spare.append((f"{unit}-{int(unit[1:]):02d}{room + 5:02d}-A", unit))
    head = httpx.get(f"{base}/healthz").json()["log_head"]
    path = f"/ws/screen/display/{{unit}}?after={head}"
    urls = screen_urls(f"ws://127.0.0.1:{port}{path}", units, args.walls)
    holder = await asyncio.to_thread(Holder, urls, {"Authorization": f"Bearer {wall}"}, work)
    tablets = {name: Tablet(name, token) for name, token in tokens.items()}
    holding = []
    for tablet in tablets.values():
        opened = asyncio.Event()
        url = f"ws://127.0.0.1:{port}/ws/screen/transport"
        holding.append(asyncio.ensure_future(tablet.hold(url, opened)))
        await opened.wait()
    shift = Shift(base, tokens)
    feed = asyncio.ensure_future(follow_offers(port, reader, head, shift))
    for client in shift.clients.values():
        await client.command("SetTransporterStatus", {"status": "available"})
    await asyncio.sleep(1.0)
    requests: list[tuple[str | None, float, int]] = []
    baseline: list[tuple[str, float, int]] = []
    pace = 60.0 / args.jobs_per_minute
    next_at = time.monotonic()
    chooser = random.Random(12)
    for (encounter, _unit), (bed, bed_unit) in zip(patients, spare, strict=True):
        sent = time.monotonic()
        answer = await desk.command(
            "RequestTransport",
            {"encounter_id": encounter, "destination": chooser.choice(["RAD", "CT"]),
             "priority": chooser.choice(["routine", "routine", "urgent", "stat"])},
        )  # fmt: skip
        requests.append((None, sent, int(answer["position"])))
        await asyncio.sleep(pace / 2)
        sent = time.monotonic()
        answer = await desk.command("MarkBedDirty", {"bed_id": bed})
        baseline.append((bed_unit, sent, int(answer["position"])))
        next_at += pace
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    deadline = time.monotonic() + 60
    while len(shift.completed) < jobs and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    feed.cancel()
    for task in holding:
        task.cancel()
    screens = await asyncio.to_thread(holder.finish)
    events = await all_events(base, reader)
    metrics = httpx.get(f"{base}/metrics.json").json()
    steps: list[tuple[str | None, float, int]] = [(w, s, p) for w, s, p in shift.acks]
    return urls, screens, tablets, requests, steps, baseline, shift, jobs, events, metrics


def make_transporters(database: str, count: int) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", SETUP, database, str(count)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"could not add the transporters: {done.stderr}")
    return dict(line.split(" ", 1) for line in done.stdout.split("\n") if line.strip())


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-transport-"))
    database = f"sqlite:///{work / 'transport.db'}"
    units = [f"U{u:02d}" for u in range(1, args.units + 1)]
    (work / "layout.toml").write_text(layout(args.units) + PLACES + POLICY)
    cli("layout", "load", str(work / "layout.toml"), "--database-url", database)

    def token(role: str) -> str:
        return cli("tokens", "create", f"bench-{role}", "--role", role, "--database-url", database)

    desk_token, wall, reader = token("secretary"), token("display"), token("admin")
    tokens = make_transporters(database, args.transporters)
    port = free_port()
    server = start(
        [str(BIN), "serve", "--port", str(port), "--database-url", database], work / "server.log"
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", server)
        urls, screens, tablets, requests, steps, baseline, shift, jobs, events, metrics = (
            asyncio.run(drive(base, port, units, args, tokens, desk_token, wall, reader, work))
        )
    finally:
        stop(server)
    to_tablet = tablet_latency(requests + steps, tablets)
    bed_latency = screen_latency(baseline, screens)
    ratio = to_tablet["p99_ms"] / bed_latency["p99_ms"] if bed_latency["p99_ms"] else None
    return {
        "units": args.units,
        "wall_displays": len(urls),
        "tablets": len(tablets),
        "jobs": jobs,
        "jobs_completed": len(shift.completed),
        "command_to_tablet": to_tablet,
        "request_to_every_tablet": tablet_latency(requests, tablets),
        "baseline_bed_change_to_wall": bed_latency,
        "tablet_vs_baseline_p99": round(ratio, 2) if ratio else None,
        "offer_lateness": offer_lateness(events),
        "tablets_closed": sum(1 for t in tablets.values() if t.closed is not None),
        "scheduler_metrics": metrics["scheduler"],
        "loop_lag": metrics["loop_lag"],
    }


BIN = Path(sys.executable).parent / "unitboard"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--units", type=int, default=50)
    p.add_argument("--walls", type=int, default=2000)
    p.add_argument("--transporters", type=int, default=50)
    p.add_argument("--jobs-per-minute", type=float, default=20.0)
    p.add_argument("--minutes", type=float, default=3.0)
    return p


if __name__ == "__main__":
    print(json.dumps(run(parser().parse_args()), indent=2))
