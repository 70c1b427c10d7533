"""A server always comes back on its log. The story a hospital lives: the demo runs, the
layout gains a room (`unitboard layout load`), a patient is put in it, the server restarts
with `--demo` as `make run` does: it starts, the patient is there, and the built-in layout
is not applied again. A layout file that no longer fits (`serve --layout OLDER_FILE`), or
that cannot be read, is reported in the server's log and skipped, never a reason to stay
down. `--demo` on a hospital's own layout adds the logins and nothing else."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from e2e_support import Api, Server, admission, create_token, run_cli

from hospital import BED_IDS, LAYOUT
from unitboard.demo.seed import demo_layout

DEMO = ("--demo", "--no-simulator")
NEW_ROOM = '[[unit.room]]\nid = "417"\nbeds = ["A"]\nfeatures = ["private"]\n\n'
NEW_BED = "4W-417-A"
NOT_REAPPLIED = "the demo's built-in layout was not applied"


def grown_demo_layout() -> str:
    """The demo layout, copied and given one more room on 4W (before the ICU's unit)."""
    text = demo_layout()
    marker = '[[unit]]\nid = "ICU"'
    assert marker in text
    return text.replace(marker, NEW_ROOM + marker)


def wait_for_bed(api: Api, unit: str, bed_id: str, seconds: float = 15) -> None:
    """The server reads another process's writes by polling its log (every 2 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(b["bed_id"] == bed_id for b in api.board(unit)["beds"]):
            return
        time.sleep(0.2)
    raise AssertionError(f"the server never showed bed {bed_id}")


def log_since(server: Server, offset: int) -> str:
    return server.log_text()[offset:]


def login_works(server: Server, username: str, password: str) -> bool:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        form = {"csrf": token.group(1), "username": username, "password": password}
        return client.post("/login", data=form).status_code == 303


def test_the_demo_comes_back_after_a_room_was_added_and_filled(
    e2e_database_url: str, tmp_path: Path
) -> None:
    server = Server(e2e_database_url, None, tmp_path / "server.log", serve_args=DEMO)
    server.start(timeout=90)
    try:
        grown = tmp_path / "grown.toml"
        grown.write_text(grown_demo_layout())
        loaded = run_cli("layout", "load", str(grown), "--database-url", e2e_database_url)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        desk = Api(server, create_token(e2e_database_url, "secretary", "e2e-desk"))
        wait_for_bed(desk, "4W", NEW_BED)
        patient = admission("E-417", mrn="MRN-417", unit_id="4W")
        desk.ok("RequestAdmission", patient)
        desk.ok("AssignBed", {"encounter_id": "E-417", "bed_id": NEW_BED})
        desk.ok("MarkArrived", {"encounter_id": "E-417"})
        head = desk.last_position()

        # `make run` again: the same database, --demo.
        server.stop()
        offset = len(server.log_text())
        server.start(timeout=90)
        restarted = log_since(server, offset)
        bed = desk.bed("4W", NEW_BED)
        assert bed["status"] == "occupied" and bed["encounter_id"] == "E-417", bed
        assert NOT_REAPPLIED in restarted, restarted
        assert "secretary-demo" in restarted and "nurse2" in restarted
        assert "/display/4W#token=" in restarted
        assert desk.last_position() == head, "a restart recorded something"
        assert login_works(server, "secretary", "secretary-demo")

        # An older layout file (the built-in one, without room 417) named at start.
        server.stop()
        older = tmp_path / "older.toml"
        older.write_text(demo_layout())
        server.layout = older
        offset = len(server.log_text())
        server.start(timeout=90)
        restarted = log_since(server, offset)
        assert f"The layout file {older} was not applied" in restarted, restarted
        assert "4W-417" in restarted and "occupied" in restarted
        assert "runs on the layout already in its log" in restarted
        assert desk.bed("4W", NEW_BED)["encounter_id"] == "E-417"
        assert server.http.get("/healthz").status_code == 200
        assert desk.last_position() == head
    finally:
        server.stop()
    server.assert_no_server_errors()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(
            LAYOUT.replace('beds = ["A", "B"]', 'colour = "red"\nbeds = ["A", "B"]', 1),
            "unknown key",
            id="a-mistake-in-the-file",
        ),  # fmt: skip
        pytest.param(None, "cannot be read", id="a-missing-file"),
        pytest.param(b"\xff\xfe not text", "not UTF-8 text", id="not-text"),
    ],
)
def test_a_layout_file_that_cannot_be_applied_is_reported_and_skipped(
    tmp_path: Path, layout_file: Path, content: str | bytes | None, reason: str
) -> None:
    database_url = f"sqlite:///{tmp_path}/layout.db"
    server = Server(database_url, layout_file, tmp_path / "server.log")
    server.start()
    try:
        server.stop()
        broken = tmp_path / "broken.toml"
        if isinstance(content, str):
            broken.write_text(content)
        elif isinstance(content, bytes):
            broken.write_bytes(content)
        server.layout = broken
        offset = len(server.log_text())
        server.start()
        said = log_since(server, offset)
        assert f"The layout file {broken} was not applied" in said and reason in said, said
        desk = Api(server, create_token(database_url, "secretary"))
        beds = [b["bed_id"] for b in desk.board("4W")["beds"]]
        assert beds == [b for b in BED_IDS if b.startswith("4W-")]
    finally:
        server.stop()
    server.assert_no_server_errors()


def test_demo_on_a_hospitals_own_layout_adds_the_logins_and_nothing_else(
    tmp_path: Path, layout_file: Path
) -> None:
    database_url = f"sqlite:///{tmp_path}/own.db"
    server = Server(database_url, layout_file, tmp_path / "server.log", serve_args=DEMO)
    server.start(timeout=60)
    try:
        desk = Api(server, create_token(database_url, "secretary"))
        units = desk.get("/api/units").json()
        assert [u["unit_id"] for u in units["units"]] == ["4W", "ICU"], units
        board = desk.board("4W")
        assert [b["bed_id"] for b in board["beds"]] == [b for b in BED_IDS if b.startswith("4W-")]
        assert all(b["patient"] is None for b in board["beds"]), "the demo census was added"
        assert NOT_REAPPLIED in server.log_text()
        assert "/display/4W#token=" in server.log_text()
        assert login_works(server, "nurse2", "nurse2-demo")
    finally:
        server.stop()
    server.assert_no_server_errors()


def test_demo_on_a_database_with_its_own_people_adds_no_demo_logins(
    tmp_path: Path, layout_file: Path
) -> None:
    """A `--demo` left in a service definition must not give a real hospital's database an
    `admin` whose password is printed in the README."""
    database_url = f"sqlite:///{tmp_path}/real.db"
    added = run_cli(
        "users", "add", "rn-kim", "--role", "nurse", "--database-url", database_url,
        stdin="a-long-password\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    server = Server(database_url, layout_file, tmp_path / "server.log", serve_args=DEMO)
    server.start(timeout=60)
    try:
        assert not login_works(server, "admin", "admin-demo")
        assert login_works(server, "rn-kim", "a-long-password")
        assert "the demo adds no logins to it" in server.log_text()
        assert "#token=" not in server.log_text()
    finally:
        server.stop()
    server.assert_no_server_errors()
