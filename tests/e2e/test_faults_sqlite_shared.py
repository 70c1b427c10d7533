"""Two `serve` processes on one SQLite file work, but SQLite is for one: the second says so
in its log, naming PostgreSQL. A server killed with SIGKILL leaves no false warning for the
next one to start."""

from __future__ import annotations

from pathlib import Path

from e2e_support import Server

WARNING = "another unitboard serve process is using the SQLite log"


def test_a_second_server_on_one_sqlite_file_warns_and_a_killed_one_leaves_no_trace(
    layout_file: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    first = Server(url, layout_file, tmp_path / "first.log")
    second = Server(url, None, tmp_path / "second.log")
    third = Server(url, None, tmp_path / "third.log")
    try:
        first.start()
        second.start()
        assert WARNING not in first.log_text()
        said = second.log_text()
        assert WARNING in said and "PostgreSQL" in said and str(tmp_path / "shared.db") in said
        assert said.count(WARNING) == 1

        first.kill()
        second.kill()
        third.start()
        assert WARNING not in third.log_text()
    finally:
        for server in (first, second, third):
            server.stop()
