"""The signing key: from the environment, or a file only its owner reads, made whole on
first start; processes starting together end up with one key."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from unitboard.secret import ENV_FILE, ENV_KEY, load_secret, secret_file_for


def test_a_new_key_is_a_file_only_its_owner_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)
    path = tmp_path / "unitboard.db.secret"
    key = load_secret(path)
    assert len(key) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(path) == key  # the next start reads the same key
    assert [p.name for p in tmp_path.iterdir()] == ["unitboard.db.secret"]  # no draft left


def test_processes_starting_together_share_one_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)
    path = tmp_path / "key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_secret(path), range(32)))
    assert len(keys) == 1


def test_the_environment_wins_and_must_be_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_KEY, "x" * 40)
    assert load_secret(tmp_path / "key") == b"x" * 40
    assert not (tmp_path / "key").exists()
    monkeypatch.setenv(ENV_KEY, "short")
    with pytest.raises(ValueError, match="at least 32 characters"):
        load_secret(tmp_path / "key")


def test_the_key_lives_beside_a_sqlite_log_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_FILE, raising=False)
    assert secret_file_for("sqlite:////var/lib/ub/unitboard.db") == Path(
        "/var/lib/ub/unitboard.db.secret"
    )
    monkeypatch.setenv(ENV_FILE, "/etc/unitboard/key")
    assert secret_file_for("postgresql://db/ub") == Path("/etc/unitboard/key")
