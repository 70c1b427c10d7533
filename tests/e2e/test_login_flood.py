"""A login flood slows logins only: 64 concurrent wrong-password logins against a real server
while a reader polls `/api/units` with a token. The reader stays fast (password checks run
on a small pool of their own), the account backs off (429, Retry-After, a message on the
login page), the server says so when too many checks are asked at once (503), and another
person still logs in."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from e2e_support import Server, create_token, run_cli

FLOOD = 64
READER_P99_MS = 500.0  # generous on a shared machine; the benchmark has the real number


@dataclass
class Flood:
    answers: Counter[int] = field(default_factory=Counter)
    messages: set[str] = field(default_factory=set)
    retry_after: set[str] = field(default_factory=set)
    reads_ms: list[float] = field(default_factory=list)


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, page[:500]
    return found.group(1)


def refusal_of(page: str) -> str:
    found = re.search(r'<p class="refusal" role="alert">([^<]+)</p>', page)
    return found.group(1) if found else ""


async def ready_client(base: str, address: str | None) -> tuple[httpx.AsyncClient, str]:
    """A browser at the login page: its cookie, and the page's CSRF token; from `address`
    (as the trusted proxy on this machine says) when given."""
    headers = {"X-Forwarded-For": address} if address else {}
    client = httpx.AsyncClient(base_url=base, timeout=60, headers=headers)
    return client, csrf_of((await client.get("/login")).text)


async def attempt(
    client: httpx.AsyncClient, csrf: str, username: str, password: str, flood: Flood
) -> None:
    form = {"csrf": csrf, "username": username, "password": password}
    response = await client.post("/login", data=form)
    flood.answers[response.status_code] += 1
    if response.status_code in (429, 503):
        flood.messages.add(refusal_of(response.text))
        flood.retry_after.add(response.headers.get("retry-after", ""))


async def read_while(
    reader: httpx.AsyncClient, busy: asyncio.Future[list[None]], flood: Flood
) -> None:
    while not busy.done():
        started = time.perf_counter()
        response = await reader.get("/api/units")
        flood.reads_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        await asyncio.sleep(0.02)


async def flood_of(base: str, token: str, usernames: list[str], spread: bool = False) -> Flood:
    """Every client at the login page first (making clients is slow and would stall this
    process's loop), then all the posts at once, the reader polling until they are done.
    `spread`: each client from an address of its own."""
    flood = Flood()
    addresses = [
        f"10.9.{n // 250}.{n % 250 + 1}" if spread else None for n in range(len(usernames))
    ]
    ready = await asyncio.gather(*(ready_client(base, a) for a in addresses))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as reader:
        assert (await reader.get("/api/units")).status_code == 200
        busy = asyncio.ensure_future(
            asyncio.gather(
                *(
                    attempt(client, csrf, name, "not-the-password", flood)
                    for (client, csrf), name in zip(ready, usernames, strict=True)
                )
            )
        )
        await read_while(reader, busy, flood)
        await busy
    for client, _ in ready:
        await client.aclose()
    return flood


def add_user(server: Server, username: str, password: str) -> None:
    done = run_cli(
        "users", "add", username, "--role", "nurse", "--database-url", server.database_url,
        stdin=password + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def login(
    server: Server, username: str, password: str, address: str | None = None
) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    with httpx.Client(base_url=server.base_url, timeout=30, headers=headers) as client:
        form = {"csrf": csrf_of(client.get("/login").text)}
        form |= {"username": username, "password": password}
        return client.post("/login", data=form)


def test_a_flood_on_one_account_is_refused_and_leaves_readers_fast(server: Server) -> None:
    add_user(server, "victim", "victim-password")
    add_user(server, "bystander", "bystander-password")
    token = create_token(server.database_url, "secretary")

    flood = asyncio.run(flood_of(server.base_url, token, ["victim"] * FLOOD))

    reads = sorted(flood.reads_ms)
    assert percentile(reads, 99) < READER_P99_MS, reads[-10:]
    assert flood.answers[401] <= 5, flood.answers
    assert flood.answers[429] >= FLOOD - 5, flood.answers
    assert flood.messages <= {
        "Several sign-ins from this address are being checked; try again in a second.",
        "Too many failed attempts for this account; try again in 10 seconds.",
    }, flood.messages
    # Four were checked at once, the rest waited; the fifth failure locks the account here.
    tries = [login(server, "victim", "still-not-it") for _ in range(2)]
    assert [t.status_code for t in tries] == [401, 429] or tries[0].status_code == 429
    again = tries[-1]
    assert again.status_code == 429
    assert int(again.headers["retry-after"]) >= 1
    assert re.fullmatch(
        r"Too many failed attempts for this account; try again in \d+ seconds?\.",
        refusal_of(again.text),
    ), refusal_of(again.text)
    assert login(server, "victim", "victim-password").status_code == 429  # locked, here
    elsewhere = login(server, "victim", "victim-password", address="10.1.2.3")
    assert elsewhere.status_code == 303  # the guesser cannot lock her out of her own desk
    signed_in = login(server, "bystander", "bystander-password")
    assert signed_in.status_code == 303, signed_in.text[:300]


def test_a_flood_over_many_accounts_is_held_to_the_hashing_pool(server: Server) -> None:
    """No account backs off here; the bounded pool keeps the checks off the readers' pool
    and refuses at once what would wait too long."""
    token = create_token(server.database_url, "secretary")
    add_user(server, "bystander", "bystander-password")

    names = [f"nobody-{n}" for n in range(FLOOD)]
    flood = asyncio.run(flood_of(server.base_url, token, names, spread=True))

    reads = sorted(flood.reads_ms)
    assert percentile(reads, 99) < READER_P99_MS, reads[-10:]
    assert set(flood.answers) <= {401, 429, 503}, flood.answers
    assert flood.answers[401] < FLOOD, flood.answers  # not every guess was checked
    assert flood.messages <= {
        "Too many people are signing in at once; try again in a moment.",
        "Too many failed sign-ins from this address; try again in 1 second.",
    }, flood.messages
    assert flood.retry_after == {"1"}, flood.retry_after
    time.sleep(1.5)
    assert login(server, "bystander", "bystander-password").status_code == 303
