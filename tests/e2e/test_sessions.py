"""Sessions the server ends, written as the attacks that worked when the session was a
signed cookie: the old cookie after logout, the open socket after a user is disabled, the
idle desk's next person, the revoked display, the display token in a logged address, a
display token for one unit showing another, a page on another origin using the cookie."""

from __future__ import annotations

import contextlib
import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e_support import Server, create_token, run_cli
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from hospital import LAYOUT

PASSWORD = "a-long-password"
COOKIE = "unitboard_session"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("sessions")
    layout = tmp / "layout.toml"
    layout.write_text(LAYOUT)
    # A desk idles off after 4 s here (15 minutes by default).
    env = {"UNITBOARD_IDLE_LOGOFF_MINUTES": str(4 / 60), "UNITBOARD_SECRET_FILE": ""}
    server = Server(f"sqlite:///{tmp}/sessions.db", layout, tmp / "server.log", env=env)
    server.start()
    for user, role in [("sam", "secretary"), ("ana", "charge_nurse"), ("ida", "secretary")]:
        added = run_cli(
            "users", "add", user, "--role", role, "--database-url", server.database_url,
            stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    try:
        yield server
    finally:
        server.stop()
    server.assert_no_server_errors()


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def log_in(server: Server, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=10)
    csrf = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf})
    assert answer.status_code == 303, answer.text
    assert client.cookies.get(COOKIE)
    return client


def log_out(client: httpx.Client) -> None:
    csrf = csrf_of(client.get("/station/4W").text)
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303


def socket(server: Server, path: str, cookie: str, origin: str | None = None) -> ClientConnection:
    headers = {"Cookie": f"{COOKIE}={cookie}", "Origin": origin or server.base_url}
    return connect(server.ws_url + path, additional_headers=headers, open_timeout=5)


def closed_code(ws: ClientConnection, within: float) -> int:
    """Read (ignoring pushes) until the server closes; the close code."""
    deadline = time.monotonic() + within
    with pytest.raises(ConnectionClosed) as closed:
        while time.monotonic() < deadline:
            try:
                ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
    assert closed.value.rcvd is not None, f"still open after {within} s"
    return closed.value.rcvd.code


def test_the_old_cookie_reads_nothing_after_logout(server: Server) -> None:
    client = log_in(server, "sam")
    old = client.cookies[COOKIE]
    assert client.get("/api/units/4W/board").status_code == 200
    log_out(client)
    replay = httpx.Client(base_url=server.base_url, cookies={COOKIE: old})
    assert replay.get("/api/units/4W/board").status_code == 401
    assert replay.get("/api/units").status_code == 401
    station = replay.get("/station/4W")
    assert station.status_code == 303 and station.headers["location"] == "/login"
    with pytest.raises(InvalidStatus):
        socket(server, "/ws/screen/station/4W", old).recv(timeout=5)


def test_a_socket_open_at_logout_closes(server: Server) -> None:
    client = log_in(server, "ida")
    with socket(server, "/ws/screen/station/4W?after=0", client.cookies[COOKIE]) as ws:
        ws.recv(timeout=5)  # the station's snapshot
        log_out(client)
        assert closed_code(ws, within=10) == 4401


def test_disabling_a_user_closes_their_open_socket_within_seconds(server: Server) -> None:
    client = log_in(server, "ana")
    with socket(server, "/ws/screen/station/4W?after=0", client.cookies[COOKIE]) as ws:
        ws.recv(timeout=5)
        disabled = run_cli("users", "disable", "ana", "--database-url", server.database_url)
        assert disabled.returncode == 0, disabled.stderr
        assert "1 open session(s) ended" in disabled.stdout
        started = time.monotonic()
        assert closed_code(ws, within=12) == 4401
        print(f"closed {time.monotonic() - started:.1f} s after the user was disabled")
    assert client.get("/api/units/4W/board").status_code == 401


def test_the_next_person_at_an_idle_desk_reads_nothing(server: Server) -> None:
    client = log_in(server, "sam")
    with socket(server, "/ws/screen/station/4W?after=0", client.cookies[COOKIE]) as ws:
        ws.recv(timeout=5)
        # Nobody touches the desk: the open station socket is not activity.
        assert closed_code(ws, within=15) == 4401
    assert client.get("/api/units/4W/board").status_code == 401
    assert client.get("/station/4W").headers["location"] == "/login"


def test_a_desk_in_use_stays_logged_in(server: Server) -> None:
    client = log_in(server, "sam")
    for _ in range(4):  # 8 s of clicks, a click every 2 s: never 4 s idle
        time.sleep(2)
        assert client.get("/api/units/4W/board").status_code == 200


def start_display(server: Server, token: str, unit: str) -> httpx.Client:
    """What the kiosk's page does with /display/UNIT#token=...: post it, never in a URL."""
    client = httpx.Client(base_url=server.base_url, timeout=10)
    page = client.get(f"/display/{unit}")
    assert page.status_code == 200 and "Display token" in page.text
    answer = client.post(
        "/display/session", data={"token": token, "unit_id": unit, "csrf": csrf_of(page.text)}
    )
    assert answer.status_code == 303, answer.text
    return client


def test_a_display_shows_its_tokens_unit_and_stops_when_revoked(server: Server) -> None:
    token = create_token(server.database_url, "display", "wall-icu") + ""
    made = run_cli(
        "tokens", "create", "wall-icu-2", "--role", "display", "--unit", "ICU",
        "--database-url", server.database_url,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    icu_token = made.stdout.strip().splitlines()[-1]

    kiosk = start_display(server, icu_token, "4W")  # the ICU's token, opened at 4W's URL
    assert kiosk.get("/display/4W").headers["location"] == "/display/ICU"
    assert kiosk.get("/display/ICU").status_code == 200
    assert kiosk.get("/display/4W/fragment").status_code == 403
    cookie = kiosk.cookies[COOKIE]
    with pytest.raises(InvalidStatus):
        socket(server, "/ws/screen/display/4W", cookie).recv(timeout=5)

    with socket(server, "/ws/screen/display/ICU?after=0", cookie) as ws:
        ws.recv(timeout=5)
        revoked = run_cli("tokens", "revoke", "wall-icu-2", "--database-url", server.database_url)
        assert revoked.returncode == 0, revoked.stderr
        assert "1 display session(s) ended" in revoked.stdout
        assert closed_code(ws, within=12) == 4401
    page = kiosk.get("/display/ICU")
    assert "Display token" in page.text and "ICU" not in page.text.split("<main")[0]
    assert token  # a unit-less display token may show any unit
    anywhere = start_display(server, token, "ICU")
    assert anywhere.get("/display/4W").status_code == 200


def test_revoking_a_systems_token_closes_its_open_event_feed(server: Server) -> None:
    made = run_cli(
        "tokens", "create", "feed-to-revoke", "--role", "integration",
        "--database-url", server.database_url,
    )  # fmt: skip
    token = made.stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    url = server.ws_url + "/ws/events?after=0"
    with connect(url, additional_headers=headers, open_timeout=5) as ws:
        ws.recv(timeout=5)
        revoked = run_cli(
            "tokens", "revoke", "feed-to-revoke", "--database-url", server.database_url
        )
        assert revoked.returncode == 0, revoked.stderr
        assert closed_code(ws, within=12) == 4401


def test_a_revoked_name_says_so(server: Server) -> None:
    missing = run_cli("tokens", "revoke", "no-such-token", "--database-url", server.database_url)
    assert missing.returncode == 2
    assert "there is no valid token named 'no-such-token'" in missing.stderr


def test_a_display_token_in_the_address_is_refused_and_never_logged(server: Server) -> None:
    token = create_token(server.database_url, "display", "wall-in-url")
    answer = httpx.get(f"{server.base_url}/display/4W?token={token}")
    assert answer.status_code == 400
    assert "#token=" in answer.text
    assert COOKIE not in answer.cookies
    assert token not in server.log_text()


def test_another_origin_cannot_use_the_cookie(server: Server) -> None:
    client = log_in(server, "sam")
    cookie = client.cookies[COOKIE]
    evil = "http://127.0.0.1:1"  # same site, another port
    with pytest.raises(InvalidStatus):
        socket(server, "/ws/screen/station/4W", cookie, origin=evil).recv(timeout=5)
    csrf = csrf_of(client.get("/station/4W").text)
    posted = client.post(
        "/station/4W/command",
        data={"csrf": csrf, "command": "MarkBedDirty", "bed_id": "4W-402-A"},
        headers={"Origin": evil},
    )
    assert posted.status_code == 403
    api = client.post(
        "/api/commands",
        json={"command": "MarkBedDirty", "data": {"bed_id": "4W-402-A"}},
        headers={"Origin": evil, "X-CSRF-Token": csrf},
    )
    assert api.status_code == 403
    login = httpx.Client(base_url=server.base_url)
    form = {"username": "sam", "password": PASSWORD, "csrf": csrf_of(login.get("/login").text)}
    assert login.post("/login", data=form, headers={"Origin": evil}).status_code == 403


def test_one_session_cannot_open_sockets_without_end(server: Server) -> None:
    client = log_in(server, "sam")
    cookie = client.cookies[COOKIE]
    with contextlib.ExitStack() as stack:
        for _ in range(12):  # a dozen tabs
            held = stack.enter_context(socket(server, "/ws/screen/station/4W?after=0", cookie))
            held.recv(timeout=5)
        with socket(server, "/ws/screen/station/4W", cookie) as extra:
            assert closed_code(extra, within=5) == 4429


def test_the_signing_key_is_a_file_only_its_owner_reads_not_a_database_row(
    server: Server,
) -> None:
    database = Path(server.database_url.removeprefix("sqlite:///"))
    key = database.with_name(database.name + ".secret")
    assert key.exists()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().strip().encode() not in database.read_bytes()


def test_behind_a_tls_proxy_the_cookie_is_secure_and_hsts_is_sent(server: Server) -> None:
    """uvicorn trusts X-Forwarded-Proto from the addresses in --forwarded-allow-ips (by
    default the proxy on this machine, 127.0.0.1)."""
    proxied = {"X-Forwarded-Proto": "https"}
    client = httpx.Client(base_url=server.base_url, headers=proxied)
    page = client.get("/login")
    assert "secure" in page.headers["set-cookie"].lower()
    assert page.headers["strict-transport-security"].startswith("max-age=")
    form = {"username": "sam", "password": PASSWORD, "csrf": csrf_of(page.text)}
    origin = server.base_url.replace("http://", "https://")
    nonce = page.headers["set-cookie"].split(";")[0]  # a Secure cookie: httpx keeps it for https
    headers = {"Origin": origin, "Cookie": nonce}
    answer = client.post("/login", data=form, headers=headers)
    assert answer.status_code == 303, answer.text
    session = answer.headers["set-cookie"].lower()
    assert session.startswith(COOKIE) and "; secure" in session and "httponly" in session
    plain = log_in(server, "sam")
    assert "secure" not in plain.get("/login").headers.get("set-cookie", "").lower()


@pytest.mark.browser
def test_a_station_left_open_in_another_tab_goes_to_the_login_at_logout(server: Server) -> None:
    """In Chromium: two tabs of one desk; logging out in one takes the other to the login
    page within seconds, without a click (its socket is closed with 4401 and it reloads)."""
    from playwright.sync_api import expect, sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            first = context.new_page()
            first.goto(f"{server.base_url}/login")
            first.fill("input[name=username]", "ida")
            first.fill("input[name=password]", PASSWORD)
            first.click("button[type=submit]")
            expect(first).to_have_url(re.compile(r"/station/4W$"))
            second = context.new_page()
            second.goto(f"{server.base_url}/station/4W")
            expect(second.locator("#bed-4W-401-A")).to_be_visible()
            first.locator("form[action='/logout'] button").click()
            expect(first).to_have_url(re.compile(r"/login$"))
            expect(second).to_have_url(re.compile(r"/login$"), timeout=15_000)
            expect(second.locator("body")).not_to_contain_text("4W-401")
        finally:
            browser.close()
