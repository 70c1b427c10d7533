"""The `unitboard` command line, run as the real binary: layout load (idempotent, precise
errors, refusing to drop an occupied bed), users add (password on stdin), replay, and
db upgrade (the only command that moves an existing database to a newer schema)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from e2e_support import admission, free_port, fresh_postgres_database, run_cli

from hospital import LAYOUT, without_room
from unitboard.service.auth import Actor, actor_for_password, actor_for_token
from unitboard.service.handler import CommandService
from unitboard.store import EventLog, make_engine, schema_state
from unitboard.store.credentials import CredentialStore
from unitboard.store.migrate import alembic_config

V1_LOG = Path(__file__).parents[1] / "fixtures" / "v1" / "unitboard-v1.sqlite"


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/cli.db"
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def replayed_count(database_url: str) -> int:
    result = run_cli("replay", "--database-url", database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verified" in result.stdout
    assert "Traceback" not in result.stderr
    match = re.search(r"replayed (\d+) events", result.stdout)
    assert match, result.stdout
    return int(match.group(1))


def log_head(database_url: str) -> int:
    engine = make_engine(database_url)
    log = EventLog(engine)
    try:
        return int(log.head())
    finally:
        log.close()
        engine.dispose()


def test_layout_load_twice_then_replay(cli_database_url: str, tmp_path: Path) -> None:
    layout = write(tmp_path, "layout.toml", LAYOUT)
    first = run_cli("layout", "load", str(layout), "--database-url", cli_database_url)
    assert first.returncode == 0, first.stderr
    assert "layout loaded" in first.stdout
    recorded = int(re.search(r"(\d+) change", first.stdout).group(1))  # type: ignore[union-attr]
    assert recorded > 0
    assert log_head(cli_database_url) == recorded

    second = run_cli("layout", "load", str(layout), "--database-url", cli_database_url)
    assert second.returncode == 0, second.stderr
    assert "unchanged" in second.stdout and "nothing recorded" in second.stdout
    assert log_head(cli_database_url) == recorded
    assert replayed_count(cli_database_url) == recorded


def test_layout_unknown_key_names_line_and_key(tmp_path: Path) -> None:
    bad = LAYOUT.replace('beds = ["A"]\n', 'beds = ["A"]\ncolour = "teal"\n', 1)
    line = bad.splitlines().index('colour = "teal"') + 1
    layout = write(tmp_path, "bad.toml", bad)
    result = run_cli("layout", "load", str(layout), "--database-url", f"sqlite:///{tmp_path}/x.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"line {line}" in result.stderr
    assert "colour" in result.stderr and "unknown key" in result.stderr
    assert result.stdout == ""


def test_layout_not_toml_is_refused_cleanly(tmp_path: Path) -> None:
    layout = write(tmp_path, "broken.toml", "[hospital\nname = 1\n")
    result = run_cli("layout", "load", str(layout), "--database-url", f"sqlite:///{tmp_path}/x.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "TOML" in result.stderr


def test_removing_an_occupied_bed_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/occupied.db"
    layout = write(tmp_path, "layout.toml", LAYOUT)
    assert run_cli("layout", "load", str(layout), "--database-url", url).returncode == 0

    engine = make_engine(url)
    log = EventLog(engine)
    try:
        service = CommandService(log, CredentialStore(engine))
        service.catch_up()
        actor = Actor("test", "secretary", None, "test")
        service.execute(actor, "RequestAdmission", admission("O1"))
        service.execute(actor, "AssignBed", {"encounter_id": "O1", "bed_id": "4W-402-A"})
        service.execute(actor, "MarkArrived", {"encounter_id": "O1"})
    finally:
        log.close()
        engine.dispose()
    before = log_head(url)

    without = without_room(LAYOUT, "4W", "402")
    assert without != LAYOUT
    smaller = write(tmp_path, "smaller.toml", without)
    result = run_cli("layout", "load", str(smaller), "--database-url", url)
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    message = result.stderr.lower()
    assert "4w-402" in message
    assert "occupied" in message or "patient" in message, result.stderr
    assert log_head(url) == before


def test_users_add_reads_password_from_stdin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/users.db"
    result = run_cli(
        "users",
        "add",
        "alice",
        "--role",
        "nurse",
        "--name",
        "Alice A",
        "--database-url",
        url,
        stdin="correct horse battery\n",
    )
    assert result.returncode == 0, result.stderr
    assert "alice" in result.stdout
    assert "correct horse" not in result.stdout + result.stderr

    engine = make_engine(url)
    try:
        store = CredentialStore(engine)
        actor = actor_for_password(store, "alice", "correct horse battery")
        assert actor is not None and actor.role == "nurse"
        assert actor_for_password(store, "alice", "wrong") is None
    finally:
        engine.dispose()

    again = run_cli("users", "add", "alice", "--role", "nurse", "--database-url", url, stdin="x\n")
    assert again.returncode != 0
    assert "Traceback" not in again.stderr


def test_tokens_create_prints_token_last(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/tokens.db"
    result = run_cli(
        "tokens", "create", "wall-4w", "--role", "display", "--unit", "4W", "--database-url", url
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\S{20,}", token)
    bad = run_cli("tokens", "create", "x", "--role", "janitor", "--database-url", url)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_tokens_create_user_makes_a_personal_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/tokens.db"
    added = run_cli(
        "users", "add", "kim", "--role", "nurse", "--unit", "4W", "--database-url", url,
        stdin="a long password\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    made = run_cli("tokens", "create", "kim-phone", "--user", "kim", "--database-url", url)
    assert made.returncode == 0, made.stderr
    assert "token 'kim-phone' (acts as kim)" in made.stdout
    token = made.stdout.strip().splitlines()[-1]
    engine = make_engine(url)
    try:
        actor = actor_for_token(CredentialStore(engine), token)
    finally:
        engine.dispose()
    assert actor is not None and (actor.name, actor.role, actor.units) == ("kim", "nurse", ("4W",))
    for args, words in [
        (("--user", "nobody"), "no user 'nobody'"),
        (("--user", "kim", "--unit", "4W"), "leave out --unit"),
        (("--user", "kim", "--role", "nurse"), "not allowed with argument"),
        ((), "one of the arguments --role --user is required"),
    ]:
        bad = run_cli("tokens", "create", "x", *args, "--database-url", url)
        assert bad.returncode == 2 and words in bad.stderr, bad.stderr
        assert "Traceback" not in bad.stderr


def copy_of_the_v1_log(tmp_path: Path) -> str:
    """A copy of the log unitboard 0.1 wrote (schema before Alembic): its database URL."""
    path = tmp_path / V1_LOG.name
    shutil.copyfile(V1_LOG, path)
    return f"sqlite:///{path}"


def at_revision_0001(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0001")
    finally:
        engine.dispose()
    return database_url


def revision_of(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        return schema_state(engine).revision
    finally:
        engine.dispose()


def assert_refused_as_outdated(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "schema is at revision 0001; this unitboard needs 0005" in result.stderr
    assert "Run: unitboard db upgrade --database-url " in result.stderr


def test_db_upgrade_upgrades_the_v1_log_then_says_it_is_current(tmp_path: Path) -> None:
    url = copy_of_the_v1_log(tmp_path)
    first = run_cli("db", "upgrade", "--database-url", url)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "upgraded from 0001 to 0005 (head)\n"
    again = run_cli("db", "upgrade", "--database-url", url)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "database at revision 0005 (head)\n"
    assert log_head(url) == 606
    added = run_cli(
        "users",
        "add",
        "newcomer",
        "--role",
        "nurse",
        "--database-url",
        url,
        stdin="a long password\n",
    )
    assert added.returncode == 0, added.stderr


def test_db_upgrade_creates_a_new_database(cli_database_url: str) -> None:
    result = run_cli("db", "upgrade", "--database-url", cli_database_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "created the schema at revision 0005 (head)\n"
    assert revision_of(cli_database_url) == "0005"


def test_serve_refuses_the_v1_log_and_leaves_it_alone(tmp_path: Path) -> None:
    url = copy_of_the_v1_log(tmp_path)
    port = str(free_port())
    result = run_cli("serve", "--port", port, "--database-url", url)
    assert_refused_as_outdated(result)
    assert revision_of(url) == "0001"


def test_serve_and_users_add_refuse_an_outdated_database(cli_database_url: str) -> None:
    url = at_revision_0001(cli_database_url)
    assert_refused_as_outdated(run_cli("serve", "--port", str(free_port()), "--database-url", url))
    added = run_cli(
        "users", "add", "kim", "--role", "nurse", "--database-url", url, stdin="a long password\n"
    )
    assert_refused_as_outdated(added)
    assert revision_of(url) == "0001"
    upgraded = run_cli("db", "upgrade", "--database-url", url)
    assert upgraded.stdout == "upgraded from 0001 to 0005 (head)\n", upgraded.stderr
    added = run_cli(
        "users", "add", "kim", "--role", "nurse", "--database-url", url, stdin="a long password\n"
    )
    assert added.returncode == 0, added.stderr
