"""The call-light path and the scheduler, measured.

    python loadtests/bench_calls.py [--units 50] [--lights 200] [--pages 1000]

1. A hospital of `--units` units (20 beds each, loadtests/bench_fanout.py's layout) with a
   policy whose routine pages are re-sent after PAGE_RESEND_S, in a fresh SQLite log;
   `unitboard serve` on it, one process, the embedded default. `--lights` patients are
   admitted, spread over the units.
2. Two wall displays per unit are held open by a separate holder process (bench_fanout's),
   recording every push with its position and arrival time.
3. Raise -> screen: `--lights` RaiseCallLight commands, one per patient's bed, at
   RATE_PER_S. Each light's latency is from its send to the arrival, on the LAST wall
   display of its unit, of the first push whose position covers the light. The baseline,
   side by side in the same run, harness and screens: as many MarkBedDirty commands on
   empty beds, the board's plainest change. A screen that never shows a command is a miss.
4. Scheduler lateness: `--pages` routine pages are sent, so as many re-sends fall due
   PAGE_RESEND_S later with the lights still active (`--lights` more due times on their
   escalation ladders). Lateness = the first re-send's recorded time - (the page's
   recorded time + PAGE_RESEND_S), read from the log. A page with two first re-sends is a
   double; one with none, a miss.

Targets (issue 11): raise -> screen p99 <= 50 ms; scheduler lateness p99 <= 1 s; nothing
missed or doubled."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fanout import Holder, cli, layout, screen_urls, start, stop, wait_http  # noqa: E402
from traffic import free_port, latency_summary  # noqa: E402

PAGE_RESEND_S = 30.0
RATE_PER_S = 20.0
SCREENS_PER_UNIT = 2
POLICY = f"""
[policy]
page_resend_seconds = {{ critical = 600, urgent = 600, routine = {PAGE_RESEND_S} }}
"""


def admission(encounter_id: str, unit: str) -> dict[str, Any]:
    return {
        "encounter_id": encounter_id, "mrn": "M" + encounter_id, "family_name": "Bench",
        "given_name": encounter_id, "birth_date": "1970-01-01", "sex": "F", "unit_id": unit,
        "source": "ed", "attending": "Dr. Bench",
    }  # fmt: skip


class Client:
    def __init__(self, base: str, token: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    async def command(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        answer = await self.http.post("/api/commands", json={"command": name, "data": data})
        if answer.status_code != 200:
            raise RuntimeError(f"{name} {answer.status_code}: {answer.text}")
        body: dict[str, Any] = answer.json()
        return body


async def admit(desk: Client, units: list[str], lights: int) -> tuple[list[str], list[str]]:
    """`lights` patients in the first private rooms, spread over the units; the beds they
    hold, and as many empty clean beds for the baseline."""
    occupied, empty = [], []
    for n in range(lights):
        unit = units[n % len(units)]
        room = n // len(units) + 1
        bed = f"{unit}-{int(unit[1:]):02d}{room:02d}-A"
        spare = f"{unit}-{int(unit[1:]):02d}{room + 5:02d}-A"
        encounter = f"B{n:05d}"
        await desk.command("RequestAdmission", admission(encounter, unit))
        await desk.command("AssignBed", {"encounter_id": encounter, "bed_id": bed})
        await desk.command("MarkArrived", {"encounter_id": encounter})
        occupied.append(bed)
        empty.append(spare)
    return occupied, empty


async def paced_commands(
    client: Client, commands: list[tuple[str, dict[str, Any], str]], rate: float = RATE_PER_S
) -> list[tuple[str, float, int]]:
    """Send at `rate` a second, open loop; (unit, sent, acknowledged position) for each."""
    out: list[tuple[str, float, int]] = []

    async def send(name: str, data: dict[str, Any], unit: str) -> None:
        sent = time.monotonic()
        answer = await client.command(name, data)
        out.append((unit, sent, int(answer["position"])))

    tasks, next_at = [], time.monotonic()
    for name, data, unit in commands:
        tasks.append(asyncio.ensure_future(send(name, data, unit)))
        next_at += 1 / rate
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    await asyncio.gather(*tasks)
    return out


def screen_latency(
    acks: list[tuple[str, float, int]], screens: list[dict[str, Any]]
) -> dict[str, Any]:
    by_unit: dict[str, list[list[tuple[int, float]]]] = defaultdict(list)
    for record in screens:
        by_unit[record["unit"]].append([(p, t) for p, t, _ in record["pushes"]])
    latencies, misses = [], 0
    for unit, sent, position in acks:
        last = 0.0
        for pushes in by_unit[unit]:
            arrival = next((t for p, t in pushes if p >= position), None)
            if arrival is None:
                misses += 1
                break
            last = max(last, arrival - sent)
        else:
            latencies.append(last)
    return {**latency_summary(latencies), "misses": misses}


def recorded(event: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(event["recorded_at"])


def scheduler_lateness(events: list[dict[str, Any]]) -> dict[str, Any]:
    sent = {e["data"]["page_id"]: recorded(e) for e in events if e["type"] == "PageSent"}
    resent = [e for e in events if e["type"] == "PageResent" and e["data"]["count"] == 1]
    counts = Counter(e["data"]["page_id"] for e in resent)
    late = [
        (recorded(e) - sent[e["data"]["page_id"]]).total_seconds() - PAGE_RESEND_S
        for e in resent
        if e["data"]["page_id"] in sent
    ]
    summary = latency_summary(late)
    return {
        **summary,
        "due": len(sent),
        "missed": sum(1 for page in sent if page not in counts),
        "doubled": sum(1 for n in counts.values() if n > 1),
    }


async def all_events(base: str, token: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        after = 0
        while True:
            page = (
                await http.get(
                    "/api/events",
                    params={"after": after, "limit": 1000},
                    headers={"Authorization": f"Bearer {token}"},
                )
            ).json()
            if not page["events"]:
                return out
            out += page["events"]
            after = page["last_position"]


async def drive(
    base: str, port: int, units: list[str], args: argparse.Namespace,
    desk_token: str, nurse_call: str, wall: str, reader: str, work: Path,
) -> tuple[Any, ...]:  # fmt: skip
    desk, calls = Client(base, desk_token), Client(base, nurse_call)
    occupied, empty = await admit(desk, units, args.lights)
    head = httpx.get(f"{base}/healthz").json()["log_head"]
    path = f"/ws/screen/display/{{unit}}?after={head}"
    urls = screen_urls(f"ws://127.0.0.1:{port}{path}", units, SCREENS_PER_UNIT * len(units))
    holder = await asyncio.to_thread(Holder, urls, {"Authorization": f"Bearer {wall}"}, work)
    await asyncio.sleep(2.0)
    unit_of = {bed: bed.split("-")[0] for bed in occupied + empty}
    baseline = await paced_commands(
        desk, [("MarkBedDirty", {"bed_id": b}, unit_of[b]) for b in empty]
    )
    await asyncio.sleep(1.0)
    lights = await paced_commands(
        calls, [("RaiseCallLight", {"bed_id": b, "kind": "routine"}, unit_of[b]) for b in occupied]
    )
    await asyncio.sleep(1.0)
    screens = await asyncio.to_thread(holder.finish)
    pages = [
        ("SendPage", {"to": "benchnurse", "unit_id": units[n % len(units)],
                      "message": f"bench page {n}", "priority": "routine"}, "")
        for n in range(args.pages)
    ]  # fmt: skip
    await paced_commands(desk, pages, rate=100.0)
    await asyncio.sleep(PAGE_RESEND_S + 5.0)
    events = await all_events(base, reader)
    metrics = httpx.get(f"{base}/metrics.json").json()
    return urls, screens, baseline, lights, events, metrics


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-calls-"))
    database = f"sqlite:///{work / 'calls.db'}"
    units = [f"U{u:02d}" for u in range(1, args.units + 1)]
    (work / "layout.toml").write_text(layout(args.units) + POLICY)
    cli("layout", "load", str(work / "layout.toml"), "--database-url", database)

    def token(role: str) -> str:
        return cli("tokens", "create", f"bench-{role}", "--role", role, "--database-url", database)

    desk_token, wall, nurse_call, reader = (
        token("secretary"), token("display"), token("integration"), token("admin"),
    )  # fmt: skip
    unit_flags = [flag for unit in units for flag in ("--unit", unit)]
    subprocess.run(
        [str(BIN), "users", "add", "benchnurse", "--role", "nurse", *unit_flags,
         "--database-url", database],
        input="a long bench password\n", text=True, check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    server = start(
        [str(BIN), "serve", "--port", str(port), "--database-url", database], work / "server.log"
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", server)
        urls, screens, baseline, lights, events, metrics = asyncio.run(
            drive(base, port, units, args, desk_token, nurse_call, wall, reader, work)
        )
    finally:
        stop(server)
    raise_latency = screen_latency(lights, screens)
    bed_latency = screen_latency(baseline, screens)
    ratio = raise_latency["p99_ms"] / bed_latency["p99_ms"] if bed_latency["p99_ms"] else None
    return {
        "units": args.units,
        "active_lights": args.lights,
        "wall_displays": len(urls),
        "raise_to_screen": raise_latency,
        "baseline_bed_change_to_screen": bed_latency,
        "raise_vs_baseline_p99": round(ratio, 2) if ratio else None,
        "scheduler_lateness": scheduler_lateness(events),
        "scheduler_metrics": metrics["scheduler"],
        "loop_lag": metrics["loop_lag"],
    }


BIN = Path(sys.executable).parent / "unitboard"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--units", type=int, default=50)
    p.add_argument("--lights", type=int, default=200)
    p.add_argument("--pages", type=int, default=1000)
    return p


if __name__ == "__main__":
    print(json.dumps(run(parser().parse_args()), indent=2))
