"""The EHR's ADT feed, measured: HL7 messages through the MLLP listener against the same
patient movements through the HTTP API, and a message's way to the wall display.

    python loadtests/bench_feed.py [--patients 300] [--walls-units 10]

1. A hospital of UNITS units (20 beds each, loadtests/bench_fanout.py's layout) in a fresh
   SQLite log; `unitboard serve --hl7-port` on it, one process, the embedded default.
2. Throughput, a realistic mix per patient: A01 admit to a bed (RequestAdmission, AssignBed
   and MarkArrived in one append), A08 a new attending (UpdatePatient), A03 discharge
   (DischargePatient): three messages, five commands. Each message waits for its ACK, which
   goes out after the append is durable (SQLite, synchronous=FULL); anything but AA is a
   failure. `--patients` patients through 1 MLLP connection, then through 8 (a patient's
   messages in order on one connection, patients spread over the connections).
3. The same work through the HTTP API (`POST /api/commands` with an integration token and an
   idempotency key, as an interface would): five requests per patient, 1 client, then 8.
   Each run takes beds no earlier run touched. Reported: messages (patient movements) per
   second and commands per second, and the ratio feed / API per patient movement (target:
   at least 1, the feed at least as fast as the API).
4. Message -> wall: two wall displays per unit on `--walls-units` units, held by
   bench_fanout's holder process; A01s at RATE_PER_S, one at a time over one connection.
   Each A01's latency runs from its send to the arrival, on the LAST wall display of its
   unit, of the first push whose position covers the admission (read back from the log by
   the message's control id), the push that shows the bed occupied (bench_calls's
   `screen_latency`). Target: p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_calls import all_events, screen_latency  # noqa: E402
from bench_fanout import Holder, cli, layout, screen_urls, start, stop, wait_http  # noqa: E402
from traffic import free_port, latency_summary  # noqa: E402

from unitboard.integrations.hl7 import client as mllp  # noqa: E402
from unitboard.integrations.hl7 import compose  # noqa: E402
from unitboard.integrations.hl7.compose import Header, Location, Patient  # noqa: E402

UNITS = 100
BEDS_PER_UNIT = 20
CONNECTIONS = (1, 8)
WARM_UP_PATIENTS = 10
RATE_PER_S = 20.0
SCREENS_PER_UNIT = 2
FACILITY = "BENCH"
ATTENDING, NEW_ATTENDING = "Dr. Bench", "Dr. Other"
MESSAGES_PER_PATIENT = 3
COMMANDS_PER_PATIENT = 5
BIN = Path(sys.executable).parent / "unitboard"


def bed_ids(units: int) -> list[str]:
    """Every bed of the layout, a unit's beds together (bench_fanout.layout's ids)."""
    out = []
    for u in range(1, units + 1):
        for r in range(1, 16):
            for label in ["A"] if r <= 10 else ["A", "B"]:
                out.append(f"U{u:02d}-{u:02d}{r:02d}-{label}")
    return out


def patient(encounter_id: str) -> Patient:
    return Patient("M" + encounter_id, "Bench", encounter_id, dt.date(1970, 1, 1), "F")


class Failures:
    def __init__(self) -> None:
        self.count = 0
        self.samples: list[str] = []

    def note(self, what: str) -> None:
        self.count += 1
        if len(self.samples) < 5:
            self.samples.append(what[:300])


# -- the feed ---------------------------------------------------------------------------------


def messages_for(encounter_id: str, bed_id: str) -> list[str]:
    """A01, A08, A03 for one patient (each with a control id of its own)."""
    who, bed = patient(encounter_id), Location.of(bed_id)
    return [
        compose.a01(who, encounter_id, bed, ATTENDING, Header(FACILITY)),
        compose.a08(who, encounter_id, bed, NEW_ATTENDING, Header(FACILITY)),
        compose.a03(who, encounter_id, bed, NEW_ATTENDING, header=Header(FACILITY)),
    ]


async def feed_worker(
    port: int, patients: list[tuple[str, str]], acks: list[float], failures: Failures
) -> None:
    reader, writer = await mllp.connect("127.0.0.1", port)
    try:
        for encounter_id, bed_id in patients:
            for text in messages_for(encounter_id, bed_id):
                sent = time.perf_counter()
                ack = await mllp.send(reader, writer, text)
                acks.append(time.perf_counter() - sent)
                if mllp.ack_code(ack) != "AA":
                    failures.note(f"{encounter_id}: {mllp.ack_code(ack)} {mllp.ack_error(ack)}")
    finally:
        await mllp.close(writer)


async def api_worker(
    base: str, token: str, patients: list[tuple[str, str]], acks: list[float], failures: Failures
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        for encounter_id, bed_id in patients:
            who = patient(encounter_id)
            admission = {
                "encounter_id": encounter_id, "mrn": who.mrn, "family_name": who.family_name,
                "given_name": who.given_name, "birth_date": who.birth_date.isoformat(),
                "sex": who.sex, "unit_id": bed_id.split("-")[0], "source": "direct",
                "attending": ATTENDING, "confidential": False,
            }  # fmt: skip
            steps = [
                ("RequestAdmission", admission),
                ("AssignBed", {"encounter_id": encounter_id, "bed_id": bed_id}),
                ("MarkArrived", {"encounter_id": encounter_id}),
                ("UpdatePatient", {"encounter_id": encounter_id, "attending": NEW_ATTENDING}),
                ("DischargePatient", {"encounter_id": encounter_id}),
            ]
            for name, data in steps:
                body = {"command": name, "data": data, "idempotency_key": uuid.uuid4().hex}
                sent = time.perf_counter()
                answer = await http.post("/api/commands", json=body)
                acks.append(time.perf_counter() - sent)
                if answer.status_code != 200:
                    failures.note(f"{name} {answer.status_code}: {answer.text}")


Worker = Callable[[list[tuple[str, str]], list[float], Failures], Awaitable[None]]


async def measure(
    worker: Worker, patients: list[tuple[str, str]], connections: int
) -> dict[str, Any]:
    """Run `patients` through `connections` workers at once; rates over the wall time."""
    shares = [patients[n::connections] for n in range(connections)]
    acks: list[float] = []
    failures = Failures()
    started = time.perf_counter()
    await asyncio.gather(*(worker(share, acks, failures) for share in shares))
    elapsed = time.perf_counter() - started
    movements = len(patients) * MESSAGES_PER_PATIENT
    return {
        "connections": connections,
        "patients": len(patients),
        "seconds": round(elapsed, 2),
        "messages_per_s": round(movements / elapsed, 1),
        "commands_per_s": round(len(patients) * COMMANDS_PER_PATIENT / elapsed, 1),
        "round_trip": latency_summary(acks),
        "failed": failures.count,
        "failure_samples": failures.samples,
    }


# -- message -> wall --------------------------------------------------------------------------


async def to_the_wall(
    base: str, port: int, hl7_port: int, beds: list[str], tokens: dict[str, str], work: Path
) -> dict[str, Any]:
    units = sorted({bed.split("-")[0] for bed in beds})
    head = httpx.get(f"{base}/healthz").json()["log_head"]
    path = f"/ws/screen/display/{{unit}}?after={head}"
    urls = screen_urls(f"ws://127.0.0.1:{port}{path}", units, SCREENS_PER_UNIT * len(units))
    headers = {"Authorization": f"Bearer {tokens['display']}"}
    holder = await asyncio.to_thread(Holder, urls, headers, work)
    await asyncio.sleep(2.0)
    sent_at: dict[str, tuple[str, float]] = {}
    failures = Failures()
    reader, writer = await mllp.connect("127.0.0.1", hl7_port)
    try:
        next_at = time.monotonic()
        for n, bed_id in enumerate(beds):
            control_id = f"WALL{n:06d}"
            encounter_id = f"W{n:06d}"
            text = compose.a01(
                patient(encounter_id), encounter_id, Location.of(bed_id), ATTENDING,
                Header(FACILITY, control_id=control_id),
            )  # fmt: skip
            sent = time.monotonic()
            ack = await mllp.send(reader, writer, text)
            if mllp.ack_code(ack) != "AA":
                failures.note(f"{bed_id}: {mllp.ack_code(ack)} {mllp.ack_error(ack)}")
            else:
                sent_at[control_id] = (bed_id.split("-")[0], sent)
            next_at += 1 / RATE_PER_S
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    finally:
        await mllp.close(writer)
    await asyncio.sleep(1.0)
    screens = await asyncio.to_thread(holder.finish)
    positions: dict[str, int] = {}
    for event in await all_events(base, tokens["admin"]):
        control_id = event["metadata"].get("hl7_control_id")
        if control_id in sent_at:
            positions[control_id] = max(positions.get(control_id, 0), event["position"])
    acks = [(unit, sent, positions[c]) for c, (unit, sent) in sent_at.items() if c in positions]
    return {
        "wall_displays": len(urls),
        "admissions": len(beds),
        **screen_latency(acks, screens),
        "failed": failures.count + len(sent_at) - len(acks),
        "failure_samples": failures.samples,
    }


def metrics_json(base: str) -> dict[str, Any]:
    """The server's JSON summary (at /metrics.json; /metrics before it moved)."""
    for path in ("/metrics.json", "/metrics"):
        answer = httpx.get(f"{base}{path}", timeout=10)
        if answer.status_code == 200 and answer.headers.get("content-type", "").startswith(
            "application/json"
        ):
            found: dict[str, Any] = answer.json()
            return found
    return {}


# -- the run ----------------------------------------------------------------------------------


async def drive(
    base: str, port: int, hl7_port: int, args: argparse.Namespace, tokens: dict[str, str],
    work: Path,
) -> dict[str, Any]:  # fmt: skip
    free = bed_ids(UNITS)
    wall_beds = [b for b in free if int(b.split("-")[0][1:]) <= args.walls_units]
    free = [b for b in free if b not in set(wall_beds)]

    def take(count: int, prefix: str) -> list[tuple[str, str]]:
        return [(f"{prefix}{n:06d}", free.pop(0)) for n in range(count)]

    def feed() -> Worker:
        async def worker(share: list[tuple[str, str]], acks: list[float], f: Failures) -> None:
            await feed_worker(hl7_port, share, acks, f)

        return worker

    def api(token: str) -> Worker:
        async def worker(share: list[tuple[str, str]], acks: list[float], f: Failures) -> None:
            await api_worker(base, token, share, acks, f)

        return worker

    await measure(feed(), take(WARM_UP_PATIENTS, "WF"), 1)
    await measure(api(tokens["integration"]), take(WARM_UP_PATIENTS, "WA"), 1)
    results: dict[str, Any] = {"feed": {}, "api": {}}
    for connections in CONNECTIONS:
        print(f"  feed, {connections} connection(s) ...", file=sys.stderr, flush=True)
        patients = take(args.patients, f"F{connections}")
        results["feed"][str(connections)] = await measure(feed(), patients, connections)
        print(f"  API, {connections} client(s) ...", file=sys.stderr, flush=True)
        patients = take(args.patients, f"A{connections}")
        worker = api(tokens["integration"])
        results["api"][str(connections)] = await measure(worker, patients, connections)
    print("  message -> wall ...", file=sys.stderr, flush=True)
    results["to_wall"] = await to_the_wall(base, port, hl7_port, wall_beds, tokens, work)
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    needed = WARM_UP_PATIENTS * 2 + args.patients * 2 * len(CONNECTIONS)
    if needed + args.walls_units * BEDS_PER_UNIT > UNITS * BEDS_PER_UNIT:
        raise ValueError(f"--patients {args.patients} needs more than {UNITS} units of beds")
    work = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    database = f"sqlite:///{work / 'feed.db'}"
    (work / "layout.toml").write_text(layout(UNITS))
    cli("layout", "load", str(work / "layout.toml"), "--database-url", database)
    tokens = {
        role: cli("tokens", "create", f"bench-{role}", "--role", role, "--database-url", database)
        for role in ("integration", "display", "admin")
    }
    port, hl7_port = free_port(), free_port()
    server = start(
        [str(BIN), "serve", "--port", str(port), "--hl7-port", str(hl7_port),
         "--database-url", database],
        work / "server.log",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", server)
        results = asyncio.run(drive(base, port, hl7_port, args, tokens, work))
        metrics = metrics_json(base)
    finally:
        stop(server)
    for connections in CONNECTIONS:
        key = str(connections)
        feed, api = results["feed"][key], results["api"][key]
        ratio = feed["messages_per_s"] / api["messages_per_s"] if api["messages_per_s"] else None
        results[f"ratio_feed_vs_api_{key}"] = round(ratio, 2) if ratio else None
    results["loop_lag"] = metrics.get("loop_lag")
    results["failed"] = (
        sum(r["failed"] for side in ("feed", "api") for r in results[side].values())
        + results["to_wall"]["failed"]
        + results["to_wall"]["misses"]
    )
    return results


def table(results: dict[str, Any]) -> str:
    """Side by side: the feed and the API, per patient movement (A01 = 3 commands)."""
    rows = [
        "| the same patient movements | messages/s | commands/s | round trip p50 / p99 ms |",
        "|---|---|---|---|",
    ]
    for connections in CONNECTIONS:
        key = str(connections)
        plural = "s" if connections > 1 else ""
        for side, label in (
            ("feed", f"MLLP, ACKed AA, {connections} connection{plural}"),
            ("api", f"HTTP API, 200, {connections} client{plural}"),
        ):
            r = results[side][key]
            trip = r["round_trip"]
            rows.append(
                f"| {label} "
                f"| {r['messages_per_s']:,} | {r['commands_per_s']:,} "
                f"| {trip['p50_ms']} / {trip['p99_ms']} |"
            )
        rows.append(f"| ratio feed / API, {key} | {results[f'ratio_feed_vs_api_{key}']} | | |")
    wall = results["to_wall"]
    rows.append(
        f"| A01 -> last wall display ({wall['wall_displays']} walls), p50 / p99 ms "
        f"| {wall['p50_ms']} / {wall['p99_ms']} | | |"
    )
    return "\n".join(rows)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--patients", type=int, default=300, help="patients per run")
    p.add_argument("--walls-units", type=int, default=10, help="units with wall displays")
    return p


if __name__ == "__main__":
    outcome = run(parser().parse_args())
    print(json.dumps(outcome, indent=2))
    print(table(outcome))
    sys.exit(1 if outcome["failed"] else 0)
