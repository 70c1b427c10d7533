"""A hung PostgreSQL hangs nothing. The server reaches PostgreSQL through a proxy that the
test pauses: connections stay open and nothing answers, as when the database hangs. Then
/healthz answers within its own timeout, not ok; a command whose commit was on its way is
answered "outcome unknown: retry with the same idempotency key" within the deadline; one
still waiting its turn is answered "nothing was recorded"; both answers turn out true. When
the proxy resumes, the same server serves again, without a restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Api, Server, create_token, fresh_postgres_database
from fault_support import PausableProxy, wait_until
from sqlalchemy.engine import make_url

HEALTH_WITHIN = 4.0  # /healthz's own timeout is 2 s
COMMAND_WITHIN = 10.0  # a command's deadline is 6 s


@pytest.fixture
def proxied_server(layout_file: Path, tmp_path: Path) -> Iterator[tuple[Server, PausableProxy]]:
    url, drop = fresh_postgres_database()
    parsed = make_url(url)
    proxy = PausableProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    proxy.start()
    proxied = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    server = Server(proxied, layout_file, tmp_path / "server.log")
    try:
        server.start()
        yield server, proxy
    finally:
        proxy.resume()
        server.stop()
        proxy.stop()
        drop()
    assert '" 500 ' not in server.log_text()  # refusals, never errors


def post_timed(server: Server, token: str, command: str, data: Any, key: str) -> dict[str, Any]:
    """The answer to one command, and how long it took (None: no answer within 30 s)."""
    body = {"command": command, "data": data, "idempotency_key": key}
    headers = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        try:
            answer = client.post("/api/commands", json=body, headers=headers)
        except httpx.TimeoutException:
            return {"status": None, "took": time.monotonic() - started}
    return {"status": answer.status_code, "body": answer.json(), "took": time.monotonic() - started}


def test_a_hung_postgresql_is_answered_within_deadlines_truthfully_and_recovers(
    proxied_server: tuple[Server, PausableProxy],
) -> None:
    server, proxy = proxied_server
    token = create_token(server.database_url, "secretary", "faults-pg")
    api = Api(server, token)
    api.ok("MarkBedDirty", {"bed_id": "4W-401-A"})
    api.ok("MarkBedDirty", {"bed_id": "4W-402-A"})  # the token is known now

    proxy.pause()
    answers: dict[str, dict[str, Any]] = {}
    sent = [
        ("k-committing", "StartCleaning", {"bed_id": "4W-401-A"}),
        ("k-waiting", "StartCleaning", {"bed_id": "4W-402-A"}),
    ]

    def send(key: str, command: str, data: Any) -> None:
        answers[key] = post_timed(server, token, command, data, key)

    threads = []
    for key, command, data in sent:
        threads.append(threading.Thread(target=send, args=(key, command, data)))
        threads[-1].start()
        time.sleep(0.2)  # the first is on the writer thread before the second comes
    try:
        started = time.monotonic()
        try:
            health = server.http.get("/healthz", timeout=15)
        except httpx.TimeoutException:
            pytest.fail("/healthz hung with the database hung")
        assert time.monotonic() - started < HEALTH_WITHIN
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        for thread in threads:
            thread.join(40)
    finally:
        proxy.resume()

    committing, waiting = answers["k-committing"], answers["k-waiting"]
    for answer in (committing, waiting):
        assert answer["status"] == 503, answer
        assert answer["took"] < COMMAND_WITHIN, answer
    assert committing["body"]["error"]["code"] == "outcome_unknown"
    assert "same idempotency key" in committing["body"]["error"]["message"]
    assert waiting["body"]["error"]["code"] == "unavailable"
    assert "nothing was recorded" in waiting["body"]["error"]["message"]

    # Both were true: the first was recorded once the database answered, the second never.
    assert wait_until(lambda: server.http.get("/healthz").json()["status"] != "unavailable", 15)
    logged = api.all_events()
    keys = [e["metadata"]["idempotency_key"] for e in logged]
    assert keys.count("k-committing") == 1 and keys.count("k-waiting") == 0
    first = next(e for e in logged if e["metadata"]["idempotency_key"] == "k-committing")
    retried = api.ok("StartCleaning", {"bed_id": "4W-401-A"}, key="k-committing")
    assert retried["events"] == [first]
    again = api.ok("StartCleaning", {"bed_id": "4W-402-A"}, key="k-waiting")
    assert again["position"] > first["position"]
    health = server.http.get("/healthz")
    assert (health.status_code, health.json()["status"]) == (200, "ok")
