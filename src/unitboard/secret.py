"""The server's signing key, kept apart from the data it protects: from the environment
(UNITBOARD_SECRET_KEY, for several processes or machines) or from a file only its owner
can read, created with 256 random bits on first start. Never in the database: a copy of
the database must not let anyone forge what the server signs (the forms' CSRF tokens)."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

ENV_KEY = "UNITBOARD_SECRET_KEY"
ENV_FILE = "UNITBOARD_SECRET_FILE"
log = logging.getLogger(__name__)


def secret_file_for(database_url: str) -> Path:
    """Where the key lives unless UNITBOARD_SECRET_FILE says: beside a SQLite database, or
    in the working directory."""
    if configured := os.environ.get(ENV_FILE):
        return Path(configured)
    if database_url.startswith("sqlite") and ":///" in database_url:
        database = Path(database_url.split(":///", 1)[1].split("?", 1)[0])
        return database.with_name(database.name + ".secret")
    return Path.cwd() / "unitboard.secret"


def load_secret(path: Path) -> bytes:
    """The key: from the environment, else from `path` (made, readable by its owner only, if
    it does not exist yet)."""
    if from_env := os.environ.get(ENV_KEY):
        if len(from_env) < 32:
            raise ValueError(
                f"{ENV_KEY} must be at least 32 characters (try: openssl rand -hex 32)"
            )
        return from_env.encode()
    if path.exists():
        return _read(path)
    # Written whole beside it, then linked into place: a crash leaves no empty key, and of
    # two processes starting together one link wins and both read the same key.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32) + "\n")
        file.flush()
        os.fsync(file.fileno())
    try:
        os.link(draft, path)
        log.warning(
            "created the signing key %s (readable by its owner only); servers sharing one "
            "database must share one key: set %s or %s",
            path,
            ENV_KEY,
            ENV_FILE,
        )
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return _read(path)


def _read(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the signing key %s is readable by others: chmod 600 %s", path, path)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise ValueError(f"the signing key in {path} is too short; delete it to make a new one")
    return key.encode()
