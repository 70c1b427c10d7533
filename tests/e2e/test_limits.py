"""What a client may hold and send, tried against a real server as the attacks they stop:
slow request heads, connections that say nothing, a multipart upload nobody asked for,
oversized and endless bodies, too many form fields, JSON nested 60,000 deep, a 1 MiB frame
on a screen socket, and one address opening socket after socket."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e_support import Server, create_token
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

HEAD_SECONDS = 10.0
BODY_SECONDS = 10.0
PER_ADDRESS = 64


@pytest.fixture(scope="module")
def limits_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module, listening on every address (the per-address cap is tried
    from this machine's own network address; loopback is not capped)."""
    from hospital import LAYOUT

    tmp = tmp_path_factory.mktemp("limits")
    layout = tmp / "layout.toml"
    layout.write_text(LAYOUT)
    server = Server(
        f"sqlite:///{tmp}/limits.db",
        layout,
        tmp / "server.log",
        serve_args=("--host", "0.0.0.0", "--max-connections-per-address", str(PER_ADDRESS)),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
    server.assert_no_server_errors()


def healthy_quickly(server: Server) -> None:
    started = time.monotonic()
    assert httpx.get(f"{server.base_url}/healthz", timeout=5).status_code == 200
    assert time.monotonic() - started < 2


def closed_by_server(sock: socket.socket, deadline: float) -> bytes:
    """What the server sent before closing; fails if it is still open at `deadline`."""
    received = b""
    while True:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            raise AssertionError("the server kept a slow connection open") from None
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def test_slow_request_heads_are_cut_off_and_others_are_served(limits_server: Server) -> None:
    slow: list[socket.socket] = []
    try:
        for n in range(300):
            sock = socket.create_connection(("127.0.0.1", limits_server.port), timeout=5)
            if n % 30:  # a head begun and never finished; every 30th sends nothing at all
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            slow.append(sock)
        opened = time.monotonic()
        healthy_quickly(limits_server)
        deadline = opened + HEAD_SECONDS + 10
        answers = [closed_by_server(sock, deadline) for sock in slow]
        assert {a.split(b"\r\n")[0] for a in answers} <= {b"HTTP/1.1 408 Request Timeout", b""}
        healthy_quickly(limits_server)
    finally:
        for sock in slow:
            sock.close()


def test_a_body_that_stops_coming_is_cut_off(limits_server: Server) -> None:
    """The head in full, then a trickle of body that stops: cut off, quietly (the module's
    server log is checked for tracebacks at the end)."""
    head = (
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", limits_server.port), timeout=5) as sock:
        sock.sendall(head.encode() + b"username=a")
        closed_by_server(sock, time.monotonic() + BODY_SECONDS + 10)
    healthy_quickly(limits_server)


def test_json_nested_sixty_thousand_deep_is_refused_in_words(limits_server: Server) -> None:
    token = create_token(limits_server.database_url, "secretary", "nesting")
    response = httpx.post(
        f"{limits_server.base_url}/api/commands",
        content=b"[" * 60_000,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The body nests deeper than 32 levels."


def test_a_multipart_login_is_refused_before_its_body_is_read(limits_server: Server) -> None:
    declared = 300 * 1024 * 1024
    head = (
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", limits_server.port), timeout=5) as sock:
        sock.sendall(head.encode() + b"--x\r\n" + b"a" * 65_536)
        answer = closed_by_server(sock, time.monotonic() + 5)
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 415 Unsupported Media Type"
    assert rest.endswith(b"This address takes no files: send the form without any attached.")


def test_a_body_declared_too_large_is_refused_before_it_is_read(limits_server: Server) -> None:
    head = (
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {300 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", limits_server.port), timeout=5) as sock:
        sock.sendall(head.encode() + b"username=" + b"a" * 65_536)
        answer = closed_by_server(sock, time.monotonic() + 5)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert answer.endswith(b"The request body is larger than 128 KiB.")


def test_a_body_of_no_declared_length_is_cut_off_at_the_limit(limits_server: Server) -> None:
    def endless() -> Iterator[bytes]:
        for n in range(90):  # 360 KB in fields of 4 KB, sent with no Content-Length
            yield f"&field{n}=".encode() + b"a" * 4000

    response = httpx.post(
        f"{limits_server.base_url}/login",
        content=endless(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.text == "The request body is larger than 128 KiB."


def test_a_form_with_too_many_fields_is_refused(limits_server: Server) -> None:
    fields = {f"field{n}": "x" for n in range(200)}
    response = httpx.post(f"{limits_server.base_url}/login", data=fields)
    assert response.status_code == 400
    assert "Too many fields" in response.text


def display_socket(server: Server, token: str, host: str = "127.0.0.1") -> ClientConnection:
    return connect(
        f"ws://{host}:{server.port}/ws/screen/display/4W",
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=10,
    )


def test_a_large_frame_closes_its_screen_socket_and_the_server_lives(
    limits_server: Server,
) -> None:
    token = create_token(limits_server.database_url, "display", "big-frames")
    with display_socket(limits_server, token) as ws:
        ws.recv(timeout=10)  # the screen's first view
        ws.send("x" * (1024 * 1024))
        deadline = time.monotonic() + 10
        with pytest.raises(ConnectionClosed) as closed:
            while time.monotonic() < deadline:  # heartbeats may come first
                ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    healthy_quickly(limits_server)


def own_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_one_address_may_hold_only_so_many_sockets(limits_server: Server) -> None:
    address = own_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    token = create_token(limits_server.database_url, "display", "many-sockets")
    with contextlib.ExitStack() as held:
        sockets = [
            held.enter_context(display_socket(limits_server, token, address))
            for _ in range(PER_ADDRESS)
        ]
        with pytest.raises(InvalidStatus) as refused:
            display_socket(limits_server, token, address)
        assert refused.value.response.status_code == 503
        assert refused.value.response.body == (
            b"Too many connections from your address; close some and retry."
        )
        page = httpx.get(f"http://{address}:{limits_server.port}/healthz", timeout=5)
        assert page.status_code == 503
        healthy_quickly(limits_server)  # from this machine (loopback): not capped

        sockets[0].close()
        deadline = time.monotonic() + 5
        while True:
            try:
                held.enter_context(display_socket(limits_server, token, address))
                break
            except InvalidStatus:
                assert time.monotonic() < deadline, "a closed socket's place was not freed"
                time.sleep(0.1)


def test_the_server_says_its_limits_at_start(limits_server: Server) -> None:
    text = Path(limits_server.log_path).read_text()
    assert "64 per address, request head within 10 s, body within 10 s more" in text
