"""A frozen Redis holds up no command. Two server processes share a log and a private
redis-server; with Redis stopped dead (SIGSTOP: connections stay open, nothing answers),
every command still answers at once, and the other process still shows each change: its
listener notices the silence and follows the log by polling (the regular poll is set to a
minute, so only that can explain it). When Redis comes back, or is restarted, the doorbell
rings again without a restart of either server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import Api, Server, create_token
from fault_support import PrivateRedis, wait_until

CLEANING = ("MarkBedDirty", "StartCleaning", "MarkBedClean")


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def two_servers(
    e2e_database_url: str,
    layout_file: Path,
    tmp_path: Path,
    private_redis: PrivateRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Server, Server]]:
    monkeypatch.setenv("UNITBOARD_POLL_SECONDS", "60")
    args = ("--redis-url", private_redis.url)
    first = Server(e2e_database_url, layout_file, tmp_path / "first.log", serve_args=args)
    second = Server(e2e_database_url, None, tmp_path / "second.log", serve_args=args)
    first.start()
    second.start()
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()
    first.assert_no_server_errors()
    second.assert_no_server_errors()


def shows(api: Api, position: int) -> bool:
    return int(api.board("4W")["position"]) >= position


def doorbell_of(server: Server) -> str:
    return str(server.http.get("/healthz").json().get("doorbell"))


def test_a_frozen_redis_delays_no_command_and_the_other_process_follows_by_polling(
    two_servers: tuple[Server, Server], private_redis: PrivateRedis
) -> None:
    first, second = two_servers
    token = create_token(first.database_url, "secretary", "faults-redis")
    writer, watcher = Api(first, token), Api(second, token)
    position = writer.ok("MarkBedDirty", {"bed_id": "4W-401-A"})["position"]
    assert wait_until(lambda: shows(watcher, position), 3), "the doorbell rings at first"
    writer.ok("StartCleaning", {"bed_id": "4W-401-A"})
    writer.ok("MarkBedClean", {"bed_id": "4W-401-A"})

    private_redis.freeze()
    try:
        for _ in range(4):
            for command in CLEANING:
                started = time.monotonic()
                position = writer.ok(command, {"bed_id": "4W-401-A"})["position"]
                took = time.monotonic() - started
                assert took < 0.8, f"{command} took {took:.1f}s with Redis frozen"
        assert wait_until(lambda: shows(watcher, position), 8), "the other process polls"
        assert doorbell_of(second) == "polling"
        assert first.http.get("/healthz").status_code == 200  # Redis is not the log
    finally:
        private_redis.thaw()

    assert wait_until(lambda: doorbell_of(second) == "listening", 20), second.log_text()[-2000:]
    position = writer.ok("MarkBedDirty", {"bed_id": "4W-401-A"})["position"]
    assert wait_until(lambda: shows(watcher, position), 2), "the doorbell rings again"

    private_redis.stop()
    assert wait_until(lambda: doorbell_of(second) == "polling", 10)
    private_redis.start()  # a new Redis on the same port, knowing nothing of the old one
    assert wait_until(lambda: doorbell_of(second) == "listening", 20), second.log_text()[-2000:]
    position = writer.ok("StartCleaning", {"bed_id": "4W-401-A"})["position"]
    assert wait_until(lambda: shows(watcher, position), 2), "the doorbell rings after a restart"
    warnings = first.log_text().count("could not ring the doorbell")
    assert 1 <= warnings <= 3, f"{warnings} warnings: one at first, then one a while at most"
