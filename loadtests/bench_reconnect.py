"""Reconnect-storm benchmark: a server restarts with a backlog, and every integration feed
reconnects at once from the start of the log.

    python loadtests/bench_reconnect.py [--subscribers 1000] [--events 1000] [--baseline-src DIR]

1. A fresh SQLite log gets `--events` events (admissions, moves, discharges, cleaning: the
   sizes real events have), written through the command service in a process of its own.
2. `unitboard serve` starts on it: nothing is held in memory yet, as after a restart.
3. A separate client process opens `--subscribers` sockets on `/ws/events?after=0` at once
   and reads every frame cheaply (it walks the frame headers; every tenth subscriber also
   checks each event's position, and every subscriber the position of its last backlog
   event). Time until all caught up = from the first connect until the last subscriber has
   the whole backlog.
4. Meanwhile a probe process asks `/healthz` every 50 ms and sends a command every 200 ms:
   how long the server keeps people waiting during the storm.
5. The server reports its event-loop lag at /metrics.json; its peak resident set is VmHWM from
   /proc/<pid>/status.

The baseline, in the same run: one subscriber catching up alone on a fresh server (what a
storm would cost if catching up were free to share). `--baseline-src DIR` also runs the
same storm against another source tree (DIR/src, e.g. an export of an older commit).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fanout import cpu_seconds, layout, stop, wait_http  # noqa: E402
from traffic import Bed, free_port, latency_summary, percentile  # noqa: E402

STORM_TIMEOUT_S = 120.0
SAMPLE_EVERY = 10  # every tenth subscriber checks every event's position


# -- the log: written by the source tree under test -------------------------------------------


def prepare(database: str, events: int, layout_path: str) -> dict[str, Any]:
    """Load the layout, write `events` events, make the tokens the run needs."""
    from unitboard.bootstrap import open_writing
    from unitboard.cli import main
    from unitboard.service.auth import Actor

    def cli(*args: str) -> str:
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main([*args, "--database-url", database])
        if code != 0:
            raise RuntimeError(f"unitboard {' '.join(args)} failed")
        return out.getvalue().strip().splitlines()[-1].strip()

    cli("layout", "load", layout_path)
    tokens = {
        role: cli("tokens", "create", f"bench-{role}", "--role", role)
        for role in ("integration", "evs")
    }
    writing = open_writing(database)
    actor = Actor("bench", "secretary", None, "Bench Secretary")
    beds = [Bed(f"U01-01{r:02d}-A", "U01", "F") for r in range(1, 11)]
    head = writing.log.head()
    turn = 0
    while head < events:
        bed = beds[turn % len(beds)]
        name, data = bed.next_command()
        head = writing.service.execute(actor, name, data).position
        bed.advance()
        turn += 1
    writing.close()
    return {"tokens": tokens, "head": head}


# -- the storm: a client process of its own ---------------------------------------------------


class Subscriber(asyncio.Protocol):
    """One `/ws/events` socket, read as raw bytes: frames are counted by their headers."""

    def __init__(self, request: bytes, after: int, backlog: int, check_every: bool) -> None:
        self.request = request
        self.after = after
        self.backlog = backlog
        self.check_every = check_every
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.open = False
        self.frames = 0
        self.errors: list[str] = []
        self.caught_up = asyncio.get_running_loop().create_future()
        self.closed_code: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.open:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[: self.buffer.find(b"\r\n")])
            if b" 101 " not in status:
                self.fail(f"handshake refused: {status!r}")
                return
            del self.buffer[: end + 4]
            self.open = True
        self.walk()

    def walk(self) -> None:
        buffer, at, size = self.buffer, 0, len(self.buffer)
        while size - at >= 2:
            length, head = buffer[at + 1] & 0x7F, 2
            if length == 126:
                if size - at < 4:
                    break
                length, head = int.from_bytes(buffer[at + 2 : at + 4], "big"), 4
            elif length == 127:
                if size - at < 10:
                    break
                length, head = int.from_bytes(buffer[at + 2 : at + 10], "big"), 10
            if size - at < head + length:
                break
            opcode = buffer[at] & 0x0F
            if opcode == 1:
                self.frames += 1
                if self.check_every or self.frames == self.backlog:
                    self.check(bytes(buffer[at + head : at + head + 24]))
                if self.frames == self.backlog and not self.caught_up.done():
                    self.caught_up.set_result(time.monotonic())
            elif opcode == 9:  # ping: answer, or the server's keepalive drops us
                self.pong(bytes(buffer[at + head : at + head + length]))
            elif opcode == 8:
                payload = buffer[at + head : at + head + length]
                self.closed_code = int.from_bytes(payload[:2], "big") if length >= 2 else 1005
                self.fail(f"closed by the server: {self.closed_code} {bytes(payload[2:])!r}")
            at += head + length
        del buffer[:at]

    def check(self, start: bytes) -> None:
        prefix = b'{"position":'
        if not start.startswith(prefix):
            self.errors.append(f"not an event: {start!r}")
            return
        digits = start[len(prefix) :].split(b",", 1)[0]
        if int(digits) != self.after + self.frames:
            self.errors.append(f"event {int(digits)} arrived as number {self.frames}")

    def pong(self, payload: bytes) -> None:
        assert self.transport is not None
        self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)

    def fail(self, reason: str) -> None:
        self.errors.append(reason)
        if not self.caught_up.done():
            self.caught_up.set_exception(ConnectionError(reason))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.caught_up.done():
            self.caught_up.set_exception(ConnectionError(f"lost after {self.frames} frames"))


def upgrade_request(port: int, token: str, after: int) -> bytes:
    return (
        f"GET /ws/events?after={after} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    ).encode()


async def storm(
    port: int, token: str, subscribers: int, backlog: int, after: int = 0
) -> dict[str, Any]:
    """Open every subscriber at once; wait until each has the backlog after `after`."""
    loop = asyncio.get_running_loop()
    request = upgrade_request(port, token, after)
    backlog -= after
    protocols = [
        Subscriber(request, after, backlog, i % SAMPLE_EVERY == 0) for i in range(subscribers)
    ]
    started = time.monotonic()
    connecting = [
        loop.create_connection(lambda p=p: p, "127.0.0.1", port)  # type: ignore[misc]
        for p in protocols
    ]
    connected = await asyncio.gather(*connecting, return_exceptions=True)
    refused = [repr(c) for c in connected if isinstance(c, BaseException)]
    waiting = [
        p.caught_up
        for p, c in zip(protocols, connected, strict=True)
        if not isinstance(c, BaseException)
    ]
    done, pending = await asyncio.wait(waiting, timeout=STORM_TIMEOUT_S) if waiting else ((), ())
    finished = sorted(f.result() - started for f in done if f.exception() is None)
    failures = [str(f.exception()) for f in done if f.exception() is not None]
    for p in protocols:
        if p.transport is not None:
            p.transport.abort()
    errors = [e for p in protocols for e in p.errors]
    return {
        "subscribers": subscribers,
        "backlog_events": backlog,
        "caught_up": len(finished),
        "not_caught_up": subscribers - len(finished),
        "timed_out": len(pending),
        "refused": len(refused),
        "all_caught_up_s": round(finished[-1], 2) if len(finished) == subscribers else None,
        "caught_up_p50_s": round(percentile(finished, 50), 2) if finished else None,
        "first_caught_up_s": round(finished[0], 3) if finished else None,
        "frames": sum(p.frames for p in protocols),
        "errors": len(errors),
        "error_samples": (errors + failures + refused)[:5],
    }


# -- the probe: someone else using the server meanwhile ---------------------------------------


async def probe(port: int, token: str) -> dict[str, Any]:
    """/healthz every 50 ms and a command every 200 ms, each timed, until a line on stdin."""
    base = f"http://127.0.0.1:{port}"
    health: list[float] = []
    commands: list[float] = []
    failed: list[str] = []
    steps = ["MarkBedDirty", "StartCleaning", "MarkBedClean"]
    stopping = asyncio.ensure_future(
        asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    )
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:

        async def ask_health() -> None:
            while not stopping.done():
                sent = time.monotonic()
                try:
                    answer = await client.get("/healthz")
                    if answer.status_code != 200:
                        failed.append(f"/healthz {answer.status_code}")
                except httpx.HTTPError as error:
                    failed.append(f"/healthz {error!r}")
                health.append(time.monotonic() - sent)
                await asyncio.sleep(max(0.0, 0.05 - (time.monotonic() - sent)))

        async def send_commands() -> None:
            turn = 0
            while not stopping.done():
                name = steps[turn % 3]
                sent = time.monotonic()
                try:
                    answer = await client.post(
                        "/api/commands", json={"command": name, "data": {"bed_id": "U02-0201-A"}}
                    )
                    if answer.status_code != 200:
                        failed.append(f"{name} {answer.status_code} {answer.text[:100]}")
                except httpx.HTTPError as error:
                    failed.append(f"{name} {error!r}")
                commands.append(time.monotonic() - sent)
                turn += 1
                await asyncio.sleep(max(0.0, 0.2 - (time.monotonic() - sent)))

        print("ready", flush=True)
        await asyncio.gather(ask_health(), send_commands())
    return {"health": health, "commands": commands, "failed": failed}


# -- processes --------------------------------------------------------------------------------


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def python_env(src: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if src is not None:
        env["PYTHONPATH"] = str(src / "src")
    return env


def helper(mode: str, spec: dict[str, Any], src: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, mode, json.dumps(spec)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=python_env(src),
    )  # fmt: skip


def finish(process: subprocess.Popen[str], timeout: float, say: str | None = None) -> Any:
    out, _ = process.communicate(say, timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"a helper process failed ({process.returncode}): {out[-2000:]}")
    return json.loads(out.strip().splitlines()[-1])


def serve(database: str, port: int, src: Path | None, log: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "import sys; from unitboard.cli import main; sys.exit(main())"]
    command += ["serve", "--port", str(port), "--database-url", database]
    return subprocess.Popen(
        command, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True, env=python_env(src)
    )


def one_storm(
    work: Path, src: Path | None, subscribers: int, events: int, port: int
) -> dict[str, Any]:
    """A fresh log, a fresh server, `subscribers` reconnecting at once; and the probe."""
    work.mkdir()
    database = f"sqlite:///{work / 'storm.db'}"
    (work / "layout.toml").write_text(layout(2))
    prepared = finish(
        helper("prepare", {"database": database, "events": events,
                           "layout": str(work / "layout.toml")}, src),
        300,
    )  # fmt: skip
    tokens, backlog = prepared["tokens"], prepared["head"]
    base = f"http://127.0.0.1:{port}"

    def started() -> subprocess.Popen[str]:
        server = serve(database, port, src, work / "server.log")
        wait_http(f"{base}/healthz", server)
        return server

    # The baseline: one subscriber catching up alone, on a server of its own.
    server = started()
    try:
        single = finish(helper("storm", {"port": port, "token": tokens["integration"],
                                         "subscribers": 1, "backlog": backlog}), 180)  # fmt: skip
    finally:
        stop(server)

    server = started()
    try:
        time.sleep(1.0)
        before = memory_kib(server.pid)
        lag_before = httpx.get(f"{base}/metrics.json").json()["loop_lag"]
        cpu_before = cpu_seconds(server.pid)
        prober = helper("probe", {"port": port, "token": tokens["evs"]})
        assert prober.stdout is not None
        if prober.stdout.readline().strip() != "ready":
            raise RuntimeError("the probe did not start")
        time.sleep(0.5)
        stormer = helper("storm", {"port": port, "token": tokens["integration"],
                                   "subscribers": subscribers, "backlog": backlog})  # fmt: skip
        result: dict[str, Any] = finish(stormer, STORM_TIMEOUT_S + 60)
        cpu = cpu_seconds(server.pid) - cpu_before
        probed = finish(prober, 60, "stop\n")
        time.sleep(0.5)
        metrics = httpx.get(f"{base}/metrics.json", timeout=30).json()
        after = memory_kib(server.pid)
    finally:
        stop(server)
    result.update(
        {
            "server_cpu_s": round(cpu, 2),
            "loop_lag_max_ms": metrics["loop_lag"]["max_ms"],
            "loop_lag_p99_ms": metrics["loop_lag"]["p99_ms"],
            "loop_lag_before": lag_before,
            "rss_before_mib": round(before["VmRSS"] / 1024, 1),
            "peak_rss_mib": round(after["VmHWM"] / 1024, 1),
            "peak_rss_before_storm_mib": round(before["VmHWM"] / 1024, 1),
            "healthz_during": latency_summary(probed.get("health", [])),
            "command_during": latency_summary(probed.get("commands", [])),
            "probe_failures": len(probed.get("failed", [])),
            "probe_failure_samples": probed.get("failed", [])[:5],
            "single_subscriber_catch_up_s": single["all_caught_up_s"],
        }
    )
    return result


def run(quick: bool, baseline_src: Path | None = None) -> dict[str, Any]:
    """The storm on this tree (and on `baseline_src`, when given). `headline` holds what
    `make bench` shows; a subscriber that missed anything counts in `not_caught_up` or
    `errors` (correctness, never timing)."""
    subscribers, events = (200, 1000) if quick else (1000, 1000)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="unitboard-reconnect-") as tmp:
        work = Path(tmp)
        ours = one_storm(work / "unitboard", None, subscribers, events, port)
        before = (
            one_storm(work / "baseline", baseline_src, subscribers, events, port)
            if baseline_src is not None
            else None
        )
    result: dict[str, Any] = {
        "setup": {"subscribers": subscribers, "backlog_events": ours["backlog_events"]},
        "headline": {
            "all_caught_up_s": ours["all_caught_up_s"],
            "single_subscriber_catch_up_s": ours["single_subscriber_catch_up_s"],
            "loop_lag_max_ms": ours["loop_lag_max_ms"],
            "peak_rss_mib": ours["peak_rss_mib"],
            "healthz_max_ms": ours["healthz_during"]["max_ms"],
            "command_max_ms": ours["command_during"]["max_ms"],
            "not_caught_up": ours["not_caught_up"],
            "errors": ours["errors"],
        },
        "unitboard": ours,
    }
    if before is not None:
        result["baseline_src"] = {"src": str(baseline_src), **before}
    return result


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] in ("prepare", "storm", "probe"):
        spec = json.loads(sys.argv[2])
        if sys.argv[1] == "prepare":
            out = prepare(spec["database"], spec["events"], spec["layout"])
        elif sys.argv[1] == "storm":
            out = asyncio.run(
                storm(
                    spec["port"],
                    spec["token"],
                    spec["subscribers"],
                    spec["backlog"],
                    spec.get("after", 0),
                )
            )
        else:
            out = asyncio.run(probe(spec["port"], spec["token"]))
        print(json.dumps(out), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--baseline-src", type=Path, default=None)
    args = parser.parse_args()
    print(json.dumps(run(args.quick, args.baseline_src), indent=2))


if __name__ == "__main__":
    main()
