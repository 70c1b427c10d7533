"""Command latency with Redis frozen: does anything on the command path wait on Redis?

    python loadtests/bench_redis_frozen.py [--quick] [--rate 20] [--seconds 10]
                                           [--database-url URL] [--baseline-src DIR]

1. A private redis-server (its own port, nothing on disk) and `unitboard serve
   --redis-url` on a fresh log (SQLite, or a fresh PostgreSQL database with
   --database-url), a unit of 20 beds.
2. Commands at a fixed rate (open loop: each is sent on time, whatever the others do), each
   bed walking admit -> assign -> arrive -> discharge -> clean, with Redis running: the
   baseline, side by side in the same run.
3. The same with Redis stopped dead (SIGSTOP: its connections stay open, nothing answers),
   then Redis is resumed.

Reports command latency p50/p99/max in each phase (target with Redis frozen: p99 under
100 ms), commands that failed, and how the doorbell fared (/metrics.json). `--baseline-src DIR`
runs the same against another source tree (DIR/src, e.g. an export of an older commit).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fanout import layout, stop, wait_http  # noqa: E402
from traffic import Bed, free_port, latency_summary  # noqa: E402

TARGET_P99_MS = 100.0
TIMEOUT_S = 60.0


# -- processes --------------------------------------------------------------------------------


def python_env(src: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if src is not None:
        env["PYTHONPATH"] = str(src / "src")
    return env


def unitboard(src: Path | None, *args: str) -> str:
    command = [sys.executable, "-c", "import sys; from unitboard.cli import main; sys.exit(main())"]
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, env=python_env(src), timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(f"unitboard {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1].strip()


def start_redis(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(work)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            import redis

            if redis.Redis(port=port, socket_timeout=0.5).ping():
                return process, f"redis://127.0.0.1:{port}/0"
        except Exception:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the private redis-server did not start")


def serve(
    database: str, redis_url: str, port: int, src: Path | None, log: Path
) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "import sys; from unitboard.cli import main; sys.exit(main())"]
    command += ["serve", "--port", str(port), "--database-url", database, "--redis-url", redis_url]
    return subprocess.Popen(
        command, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True, env=python_env(src)
    )


def fresh_database(work: Path, database_url: str | None) -> tuple[str, Any]:
    """A SQLite file in `work`, or a new database on the PostgreSQL server of `database_url`."""
    if database_url is None:
        return f"sqlite:///{work}/board.db", lambda: None
    import uuid

    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = f"unitboard_bench_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(database_url).set(drivername="postgresql")
    with psycopg.connect(admin_url.render_as_string(False), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(admin_url.render_as_string(False), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    return admin_url.set(database=name).render_as_string(False), drop


# -- the drive --------------------------------------------------------------------------------


async def drive(
    base: str, token: str, beds: list[Bed], rate: float, seconds: float
) -> dict[str, Any]:
    """Commands at `rate` a second for `seconds`, open loop, each to a bed not busy with one."""
    idle = list(beds)
    latencies: list[float] = []
    failed: list[str] = []
    skipped = 0
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=TIMEOUT_S, limits=limits
    ) as client:

        async def send(bed: Bed) -> None:
            name, data = bed.next_command()
            started = time.monotonic()
            try:
                answer = await client.post("/api/commands", json={"command": name, "data": data})
            except httpx.HTTPError as exc:
                failed.append(f"{name}: {exc!r}")
            else:
                latencies.append(time.monotonic() - started)
                if answer.status_code == 200:
                    bed.advance()
                else:
                    failed.append(f"{name}: {answer.status_code} {answer.text[:200]}")
            idle.append(bed)

        pending: set[asyncio.Task[None]] = set()
        interval, next_at = 1.0 / rate, time.monotonic()
        end = next_at + seconds
        while next_at < end:
            if idle:
                task = asyncio.ensure_future(send(idle.pop(0)))
                pending.add(task)
                task.add_done_callback(pending.discard)
            else:
                skipped += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        if pending:
            await asyncio.gather(*pending)
        metrics = (await client.get("/metrics.json")).json()
    return {
        **latency_summary(latencies),
        "failed": len(failed),
        "failed_examples": failed[:3],
        "skipped_no_idle_bed": skipped,
        "doorbell": metrics.get("doorbell"),
        "loop_lag_p99_ms": (metrics.get("loop_lag") or {}).get("p99_ms"),
    }


def one_run(
    work: Path, src: Path | None, rate: float, seconds: float, database_url: str | None
) -> dict[str, Any]:
    """A fresh log, a private Redis and a server: the drive with Redis up, then frozen."""
    work.mkdir(parents=True)
    redis_process, redis_url = start_redis(work)
    database, drop = fresh_database(work, database_url)
    server = None
    try:
        layout_file = work / "layout.toml"
        layout_file.write_text(layout(1))
        unitboard(src, "layout", "load", str(layout_file), "--database-url", database)
        token = unitboard(
            src, "tokens", "create", "bench", "--role", "secretary", "--database-url", database
        )
        port = free_port()
        server = serve(database, redis_url, port, src, work / "server.log")
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", server)
        beds = [Bed(f"U01-01{r:02d}-A", "U01", "F") for r in range(1, 16)]
        asyncio.run(drive(base, token, beds, rate, 1.0))  # warm up
        running = asyncio.run(drive(base, token, beds, rate, seconds))
        redis_process.send_signal(signal.SIGSTOP)
        try:
            frozen = asyncio.run(drive(base, token, beds, rate, seconds))
        finally:
            redis_process.send_signal(signal.SIGCONT)
        return {"redis_running": running, "redis_frozen": frozen}
    finally:
        if server is not None:
            stop(server)
        redis_process.kill()
        redis_process.wait(10)
        drop()


def run(
    quick: bool,
    rate: float | None = None,
    seconds: float | None = None,
    database_url: str | None = None,
    baseline_src: Path | None = None,
) -> dict[str, Any]:
    rate = rate or 20.0
    seconds = seconds or (5.0 if quick else 15.0)
    with tempfile.TemporaryDirectory(prefix="unitboard-redis-frozen-") as tmp:
        work = Path(tmp)
        ours = one_run(work / "unitboard", None, rate, seconds, database_url)
        before = (
            one_run(work / "baseline", baseline_src, rate, seconds, database_url)
            if baseline_src is not None
            else None
        )
    p99 = ours["redis_frozen"]["p99_ms"]
    result: dict[str, Any] = {
        "setup": {
            "rate_per_s": rate,
            "seconds_per_phase": seconds,
            "database": "postgresql" if database_url else "sqlite",
        },
        "unitboard": ours,
        "frozen_p99_ms": p99,
        "frozen_p99_target_ms": TARGET_P99_MS,
        "met": p99 < TARGET_P99_MS and ours["redis_frozen"]["failed"] == 0,
    }
    if before is not None:
        result["baseline_src"] = {"src": str(baseline_src), **before}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rate", type=float, default=None, help="commands a second (20)")
    parser.add_argument("--seconds", type=float, default=None, help="per phase (15; quick 5)")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to use")
    parser.add_argument("--baseline-src", type=Path, default=None)
    args = parser.parse_args()
    result = run(args.quick, args.rate, args.seconds, args.database_url, args.baseline_src)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
