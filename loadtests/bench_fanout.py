"""Fan-out benchmark: wall displays across many units, unit-secretary commands hospital-wide
at a fixed arrival rate, and, in the same run and harness with the same message sizes, a bare
`websockets.broadcast()` server (loadtests/bare_broadcast.py) as the baseline.

    python loadtests/bench_fanout.py [--screens 2000] [--units 50] [--rate 100] [--seconds 60]

1. A hospital of `--units` units (20 beds each) is loaded into a fresh SQLite log and
   `unitboard serve` starts on it: one process, the embedded default.
2. A separate, cheap holder process (`hold`, below) opens `--screens` wall-display sockets,
   spread evenly over the units, and records every push: its position, arrival time, size.
3. The driver sends commands open-loop (`--rate` per second, whatever the answers take),
   walking every bed through admit -> assign -> arrive -> discharge -> clean, and notes each
   command's send time and acknowledged position.
4. For every command and every screen of its unit: latency = arrival of the first push whose
   position covers the command - send time. The command's latency is that of the LAST screen
   to see it. A screen that never sees it is a miss; a push repeating a position is a
   duplicate; one going backwards, a gap (out of order).
5. Server CPU (user + system, from /proc) over the run / pushes delivered = CPU per delivery.
   The baseline then gets the same screens, the same units in the same order at the same
   rate, each message as large as the unitboard push it stands for.

Memory per idle screen is the server's resident-set growth once the screens are connected,
before any command. Event-loop lag is what the server reports at /metrics.json after the run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from traffic import free_beds, percentile  # noqa: E402

BEDS_PER_UNIT = 20
DRAIN_S = 3.0
BIN = Path(sys.executable).parent


# -- the screens: a holder process -----------------------------------------------------------


def position_of(message: str) -> int:
    start = message.rfind('data-position="') + len('data-position="')
    return int(message[start : message.index('"', start)])


def is_heartbeat(message: str) -> bool:
    return len(message) < 120 and message.lstrip().startswith('<div id="position"')


async def hold(urls: list[tuple[str, str]], headers: dict[str, str], out: Path) -> None:
    """Open every screen, say `ready`, record pushes until `stop` arrives on stdin. The
    holder's own garbage collector is off: its pauses would be charged to the server."""
    gc.disable()
    screens: list[dict[str, Any]] = [
        {"unit": u, "pushes": [], "heartbeats": 0, "duplicates": 0, "gaps": 0, "closed": None}
        for u, _ in urls
    ]
    opened = asyncio.Semaphore(64)
    connected = 0
    all_open = asyncio.Event()

    async def screen(record: dict[str, Any], url: str) -> None:
        nonlocal connected
        async with opened:
            socket = await connect(
                url, additional_headers=headers, compression=None, max_size=None,
                ping_interval=None, open_timeout=120,
            )  # fmt: skip
        connected += 1
        if connected == len(urls):
            all_open.set()
        pushes, last = record["pushes"], -1
        try:
            async for message in socket:
                arrived = time.monotonic()
                assert isinstance(message, str)
                if is_heartbeat(message):
                    record["heartbeats"] += 1
                    continue
                position = position_of(message)
                if position == last:
                    record["duplicates"] += 1
                elif position < last:
                    record["gaps"] += 1
                last = max(last, position)
                pushes.append((position, arrived, len(message)))
        except ConnectionClosed as closed:
            record["closed"] = closed.rcvd.code if closed.rcvd else 1006

    tasks = [
        asyncio.ensure_future(screen(record, url))
        for record, (_, url) in zip(screens, urls, strict=True)
    ]
    await all_open.wait()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in tasks:
        task.cancel()
    out.write_text(json.dumps({"screens": screens}))


# -- processes --------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cli(*args: str) -> str:
    done = subprocess.run([str(BIN / "unitboard"), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"unitboard {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def layout(units: int) -> str:
    """`units` units of 20 beds: ten private rooms and five two-bed rooms each."""
    lines = ['[hospital]\nname = "Benchmark General"\n']
    for u in range(1, units + 1):
        lines.append(f'[[unit]]\nid = "U{u:02d}"\nname = "Unit {u:02d}"\nmixed_sex_rooms = false\n')
        for r in range(1, 16):
            beds = '["A"]' if r <= 10 else '["A", "B"]'
            lines.append(f'[[unit.room]]\nid = "{u:02d}{r:02d}"\nbeds = {beds}\n')
    return "\n".join(lines)


def start(command: list[str], log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True)


def wait_http(url: str, process: subprocess.Popen[Any], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def stop(process: subprocess.Popen[Any]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


class Holder:
    """The holder process: opens the screens at start, hands back their records at `finish`."""

    def __init__(self, urls: list[tuple[str, str]], headers: dict[str, str], work: Path) -> None:
        self.out = work / f"screens-{uuid.uuid4().hex[:6]}.json"
        spec = self.out.with_suffix(".spec")  # thousands of addresses: too long for argv
        spec.write_text(json.dumps({"urls": urls, "headers": headers, "out": str(self.out)}))
        self.process = subprocess.Popen(
            [sys.executable, __file__, "hold", str(spec)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the screens did not open: {line!r}")

    def finish(self) -> list[dict[str, Any]]:
        assert self.process.stdin is not None
        self.process.stdin.write("stop\n")
        self.process.stdin.flush()
        self.process.wait(120)
        screens: list[dict[str, Any]] = json.loads(self.out.read_text())["screens"]
        return screens


# -- the drivers ------------------------------------------------------------------------------


@dataclass
class Ack:
    unit: str
    sent: float
    position: int
    answered: float


@dataclass
class Drive:
    acks: list[Ack] = field(default_factory=list)
    refused: int = 0
    errors: int = 0
    skipped: int = 0
    samples: list[str] = field(default_factory=list)


async def paced(rate: float, seconds: float, send: Any) -> None:
    """Call `send()` `rate` times a second for `seconds`, open loop: never waits for answers."""
    pending: set[asyncio.Task[None]] = set()
    interval, next_at = 1.0 / rate, time.monotonic()
    end = next_at + seconds
    while next_at < end:
        task = asyncio.ensure_future(send())
        pending.add(task)
        task.add_done_callback(pending.discard)
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    if pending:
        await asyncio.gather(*pending)


async def drive_unitboard(
    base: str, token: str, units: list[str], rate: float, seconds: float
) -> Drive:
    drive = Drive()
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:
        boards = {u: (await client.get(f"/api/units/{u}/board")).json() for u in units}
        idle = deque(free_beds(boards))

        async def send() -> None:
            if not idle:
                drive.skipped += 1
                return
            bed = idle.popleft()
            name, data = bed.next_command()
            body = {"command": name, "data": data, "idempotency_key": uuid.uuid4().hex}
            sent = time.monotonic()
            try:
                answer = await client.post("/api/commands", json=body, timeout=30)
            except httpx.HTTPError as error:
                drive.errors += 1
                drive.samples.append(f"{name}: {error!r}")
                return
            if answer.status_code == 200:
                position = answer.json()["position"]
                drive.acks.append(Ack(bed.unit_id, sent, position, time.monotonic()))
                bed.advance()
                idle.append(bed)
            elif answer.status_code == 409:
                drive.refused += 1
            else:
                drive.errors += 1
                drive.samples.append(f"{name}: {answer.status_code} {answer.text[:200]}")

        await paced(rate, seconds, send)
    return drive


async def drive_bare(url: str, plan: list[tuple[str, int]], rate: float, seconds: float) -> Drive:
    drive = Drive()
    steps = iter(enumerate(plan, start=1))
    async with connect(url, compression=None) as control:

        async def send() -> None:
            step = next(steps, None)
            if step is None:  # the plan ran out a tick early
                return
            position, (unit, size) = step
            sent = time.monotonic()
            await control.send(f"{unit} {position} {size}")
            drive.acks.append(Ack(unit, sent, position, time.monotonic()))

        await paced(rate, min(seconds, len(plan) / rate), send)
    return drive


# -- analysis ---------------------------------------------------------------------------------


def analyse(drive: Drive, screens: list[dict[str, Any]], cpu_s: float) -> dict[str, Any]:
    acks_by_unit: dict[str, list[Ack]] = defaultdict(list)
    for ack in drive.acks:
        acks_by_unit[ack.unit].append(ack)
    for acks in acks_by_unit.values():
        acks.sort(key=lambda a: a.position)
    last_screen: dict[int, float] = {}
    misses = 0
    for screen in screens:
        pushes = screen["pushes"]
        k = 0
        for ack in acks_by_unit.get(screen["unit"], []):
            while k < len(pushes) and pushes[k][0] < ack.position:
                k += 1
            if k == len(pushes):
                misses += 1
                continue
            latency = pushes[k][1] - ack.sent
            last_screen[ack.position] = max(last_screen.get(ack.position, 0.0), latency)
    latencies = sorted(v * 1000 for v in last_screen.values())
    answers = sorted((a.answered - a.sent) * 1000 for a in drive.acks)
    deliveries = sum(len(s["pushes"]) for s in screens)
    arrivals = [p[1] for s in screens for p in s["pushes"]]
    span = (max(arrivals) - min(arrivals)) if arrivals else 1.0
    return {
        "commands": len(drive.acks),
        "refused": drive.refused,
        "errors": drive.errors,
        "skipped": drive.skipped,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "answer_p50_ms": round(percentile(answers, 50), 1),
        "answer_p99_ms": round(percentile(answers, 99), 1),
        "answer_max_ms": round(answers[-1], 1) if answers else None,
        "deliveries": deliveries,
        "deliveries_per_s": round(deliveries / span),
        "bytes_per_push": round(sum(p[2] for s in screens for p in s["pushes"]) / deliveries)
        if deliveries
        else 0,
        "cpu_s": round(cpu_s, 2),
        "cpu_us_per_delivery": round(cpu_s / deliveries * 1e6, 1) if deliveries else None,
        "misses": misses,
        "duplicates": sum(s["duplicates"] for s in screens),
        "gaps": sum(s["gaps"] for s in screens),
        "dropped_screens": sum(1 for s in screens if s["closed"] is not None),
        "heartbeats": sum(s["heartbeats"] for s in screens),
    }


def plan_from(drive: Drive, screens: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """The baseline's messages: per acknowledged command, in order, its unit and the size of
    the push its unit's screens received for it."""
    size_at: dict[tuple[str, int], int] = {}
    for screen in screens:
        for position, _, size in screen["pushes"]:
            size_at.setdefault((screen["unit"], position), size)
    sizes = list(size_at.values()) or [1000]
    mean = round(sum(sizes) / len(sizes))
    ordered = sorted(drive.acks, key=lambda a: a.sent)
    return [(a.unit, size_at.get((a.unit, a.position), mean)) for a in ordered]


# -- the run ----------------------------------------------------------------------------------


def screen_urls(base: str, units: list[str], count: int) -> list[tuple[str, str]]:
    return [(units[i % len(units)], base.format(unit=units[i % len(units)])) for i in range(count)]


def run_unitboard(args: argparse.Namespace, work: Path, screens: int) -> dict[str, Any]:
    """One run against a fresh log; with `screens` = 0, the cost of the commands alone."""
    work = work / f"unitboard-{screens}"
    work.mkdir()
    database = f"sqlite:///{work / 'fanout.db'}"
    units = [f"U{u:02d}" for u in range(1, args.units + 1)]
    (work / "layout.toml").write_text(layout(args.units))
    cli("layout", "load", str(work / "layout.toml"), "--database-url", database)
    secretary = cli("tokens", "create", "bench-secretary", "--role", "secretary",
                    "--database-url", database)  # fmt: skip
    wall = cli("tokens", "create", "bench-wall", "--role", "display", "--database-url", database)
    port = args.port
    server = start(
        [str(BIN / "unitboard"), "serve", "--port", str(port), "--database-url", database],
        work / "server.log",
    )
    base = f"http://127.0.0.1:{port}"
    holder = None
    try:
        wait_http(f"{base}/healthz", server)
        head = httpx.get(f"{base}/healthz").json()["log_head"]
        time.sleep(1.0)
        rss_before = rss_kib(server.pid)
        if screens:
            path = f"/ws/screen/display/{{unit}}?after={head}"
            urls = screen_urls(f"ws://127.0.0.1:{port}{path}", units, screens)
            holder = Holder(urls, {"Authorization": f"Bearer {wall}"}, work)
        time.sleep(3.0)
        rss_after = rss_kib(server.pid)
        cpu_before = cpu_seconds(server.pid)
        drive = asyncio.run(drive_unitboard(base, secretary, units, args.rate, args.seconds))
        time.sleep(DRAIN_S)
        cpu = cpu_seconds(server.pid) - cpu_before
        metrics = httpx.get(f"{base}/metrics.json").json()
        records = holder.finish() if holder else []
    finally:
        stop(server)
    result = analyse(drive, records, cpu)
    result["kib_per_screen"] = round((rss_after - rss_before) / screens, 1) if screens else None
    result["loop_lag"] = metrics["loop_lag"]
    result["server_screens"] = metrics["screens"]
    result["error_samples"] = drive.samples[:5]
    result["plan"] = plan_from(drive, records)
    return result


def run_bare(args: argparse.Namespace, work: Path, plan: list[tuple[str, int]]) -> dict[str, Any]:
    units = [f"U{u:02d}" for u in range(1, args.units + 1)]
    port = args.port + 1
    server = start(
        [sys.executable, str(Path(__file__).parent / "bare_broadcast.py"), "--port", str(port)],
        work / "bare.log",
    )
    try:
        time.sleep(1.0)
        rss_before = rss_kib(server.pid)
        urls = screen_urls(f"ws://127.0.0.1:{port}/{{unit}}", units, args.screens)
        holder = Holder(urls, {}, work)
        time.sleep(3.0)
        rss_after = rss_kib(server.pid)
        cpu_before = cpu_seconds(server.pid)
        drive = asyncio.run(
            drive_bare(f"ws://127.0.0.1:{port}/control", plan, args.rate, args.seconds)
        )
        time.sleep(DRAIN_S)
        cpu = cpu_seconds(server.pid) - cpu_before
        screens = holder.finish()
    finally:
        stop(server)
    result = analyse(drive, screens, cpu)
    result["kib_per_screen"] = round((rss_after - rss_before) / args.screens, 1)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="unitboard-fanout-") as tmp:
        work = Path(tmp)
        unitboard = run_unitboard(args, work, args.screens)
        commands_only = run_unitboard(args, work, 0)
        bare = run_bare(args, work, unitboard.pop("plan"))
    commands_only.pop("plan")
    deliveries = unitboard["deliveries"]
    fanout_cpu = unitboard["cpu_s"] - commands_only["cpu_s"]
    unitboard["cpu_us_per_delivery_all_in"] = unitboard["cpu_us_per_delivery"]
    unitboard["cpu_us_per_delivery"] = round(fanout_cpu / deliveries * 1e6, 1)
    return {
        "setup": {
            "screens": args.screens,
            "units": args.units,
            "rate_per_s": args.rate,
            "seconds": args.seconds,
        },
        "unitboard": unitboard,
        "unitboard_commands_only": commands_only,
        "bare_broadcast": bare,
        "cpu_ratio_vs_bare_broadcast": round(
            unitboard["cpu_us_per_delivery"] / bare["cpu_us_per_delivery"], 2
        ),
        "cpu_ratio_all_in_vs_bare_broadcast": round(
            unitboard["cpu_us_per_delivery_all_in"] / bare["cpu_us_per_delivery"], 2
        ),
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--screens", type=int, default=2000)
    p.add_argument("--units", type=int, default=50)
    p.add_argument("--rate", type=float, default=100.0)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--port", type=int, default=8765)
    return p


if __name__ == "__main__":
    if sys.argv[1:2] == ["hold"]:
        spec = json.loads(Path(sys.argv[2]).read_text())
        urls = [tuple(u) for u in spec["urls"]]
        asyncio.run(hold(urls, spec["headers"], Path(spec["out"])))  # type: ignore[arg-type]
    else:
        print(json.dumps(run(parser().parse_args()), indent=2))
