"""Login flood benchmark: a reader's latency on `GET /api/units` (a bearer token), alone and
while 64 clients send wrong-password logins, each a new one as soon as the last is
answered, side by side in the same run.

    python loadtests/bench_login_flood.py [--quick] [--seconds 15] [--clients 64]

1. A fresh SQLite log with a small hospital; `unitboard serve` starts on it.
2. Alone: the reader asks for the units every 20 ms for `--seconds`.
3. One account: the same, while `--clients` clients guess one account's password from one
   address. The account's backoff answers all but the first few at once (429).
4. Many accounts: the same, while the clients each guess a different account from an
   address of their own (X-Forwarded-For, through the trusted local proxy). No backoff
   applies: the bounded hashing pool alone keeps the password checks (argon2, about 110 ms
   of CPU each) off the reader's pool, and refuses those that would wait too long (503).

Reported per phase: the reader's p50 / p99 / max, and the logins' answers by status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fanout import wait_http  # noqa: E402
from traffic import percentile  # noqa: E402

BIN = Path(sys.executable).parent
LAYOUT = """
[hospital]
name = "Flood General"

[[unit]]
id = "4W"
name = "4 West"
mixed_sex_rooms = false

[[unit.room]]
id = "401"
beds = ["A", "B"]
"""
READ_EVERY_S = 0.02
TARGET_P99_MS = 100.0


def cli(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(BIN / "unitboard"), *args], input=stdin, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"unitboard {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip().splitlines()[-1]


async def reader(base: str, token: str, seconds: float) -> list[float]:
    """GET /api/units every READ_EVERY_S; each answer's latency in ms."""
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.perf_counter()
            response = await client.get("/api/units", headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"the reader was answered {response.status_code}")
            await asyncio.sleep(READ_EVERY_S)
    return latencies


async def guesser(
    base: str, username: str, address: str | None, stop: asyncio.Event, answers: Counter[int]
) -> None:
    """Wrong passwords for `username`, one after another, until `stop`."""
    headers = {"X-Forwarded-For": address} if address else {}
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as client:
        page = (await client.get("/login")).text
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        if found is None:
            raise RuntimeError("the login page has no CSRF token")
        form = {"csrf": found.group(1), "username": username}
        guess = 0
        while not stop.is_set():
            guess += 1
            form["password"] = f"wrong-{guess}"
            try:
                response = await client.post("/login", data=form)
                answers[response.status_code] += 1
            except httpx.HTTPError:
                answers[0] += 1


async def phase(
    base: str, token: str, seconds: float, clients: int, spread: bool
) -> dict[str, Any]:
    """The reader for `seconds`, with `clients` guessers (none: alone). `spread`: each
    guesser on its own account from its own address."""
    stop = asyncio.Event()
    answers: Counter[int] = Counter()
    guessers = [
        asyncio.ensure_future(
            guesser(
                base,
                f"flood-{i}" if spread else "victim",
                f"203.0.113.{i + 1}" if spread else None,
                stop,
                answers,
            )
        )
        for i in range(clients)
    ]
    await asyncio.sleep(1.0 if clients else 0)  # the flood under way before measuring
    latencies = sorted(await reader(base, token, seconds))
    stop.set()
    await asyncio.gather(*guessers)
    return {
        "reader_p50_ms": round(percentile(latencies, 50), 1),
        "reader_p99_ms": round(percentile(latencies, 99), 1),
        "reader_max_ms": round(latencies[-1], 1),
        "reads": len(latencies),
        "login_answers": {str(k): v for k, v in sorted(answers.items())},
    }


def run(quick: bool) -> dict[str, Any]:
    seconds = 5.0 if quick else 15.0
    return measure(seconds, 64, 8791)


def measure(seconds: float, clients: int, port: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="unitboard-login-flood-") as tmp:
        work = Path(tmp)
        database = f"sqlite:///{work / 'flood.db'}"
        (work / "layout.toml").write_text(LAYOUT)
        cli("layout", "load", str(work / "layout.toml"), "--database-url", database)
        cli("users", "add", "victim", "--role", "nurse", "--database-url", database,
            stdin="the-right-password\n")  # fmt: skip
        token = cli("tokens", "create", "flood-reader", "--role", "secretary",
                    "--database-url", database)  # fmt: skip
        log = (work / "server.log").open("wb")
        server = subprocess.Popen(
            [str(BIN / "unitboard"), "serve", "--port", str(port), "--database-url", database],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{base}/healthz", server)
            alone = asyncio.run(phase(base, token, seconds, 0, False))
            one_account = asyncio.run(phase(base, token, seconds, clients, False))
            many_accounts = asyncio.run(phase(base, token, seconds, clients, True))
        finally:
            server.terminate()
            server.wait(20)
            log.close()
    worst = max(one_account["reader_p99_ms"], many_accounts["reader_p99_ms"])
    return {
        "setup": {"seconds": seconds, "clients": clients, "read_every_ms": READ_EVERY_S * 1000},
        "alone": alone,
        "flood_one_account": one_account,
        "flood_many_accounts": many_accounts,
        "reader_p99_during_flood_ms": worst,
        "target_p99_ms": TARGET_P99_MS,
        "met": worst < TARGET_P99_MS,
    }


def table(result: dict[str, Any]) -> str:
    rows = [
        "| reader on /api/units | alone | 64 guessing one account | 64 guessing 64 accounts |",
        "|---|---|---|---|",
    ]
    phases = [result["alone"], result["flood_one_account"], result["flood_many_accounts"]]
    for key, label in [
        ("reader_p50_ms", "p50 ms"),
        ("reader_p99_ms", "p99 ms"),
        ("reader_max_ms", "max ms"),
        ("reads", "reads"),
    ]:
        rows.append(f"| {label} | " + " | ".join(str(p[key]) for p in phases) + " |")
    answers = [", ".join(f"{k}: {v}" for k, v in p["login_answers"].items()) for p in phases]
    rows.append("| logins answered (status: count) | " + " | ".join(answers) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    seconds = args.seconds or (5.0 if args.quick else 15.0)
    result = measure(seconds, args.clients, args.port)
    print(json.dumps(result, indent=2))
    print(table(result))


if __name__ == "__main__":
    main()
