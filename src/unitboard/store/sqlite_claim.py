"""One `serve` process per SQLite log, said out loud. Two are safe (they take turns at the
write lock, and each reads the other's events from the log), but every write of one waits
for the other's, and the screens of each hear of the other's writes only by polling unless
both have --redis-url. SQLite is for one server process; more want PostgreSQL.

Each serve process holds a shared flock on a file beside the log for as long as it runs; a
process starting asks for it exclusively first, and is refused if anyone else holds it.
The kernel drops the lock of a process that ends in any way, kill -9 included, so a crashed
server never leaves a false warning behind."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from unitboard.store.urls import SQLITE_DRIVER, engine_url

log = logging.getLogger(__name__)
_held: dict[Path, int] = {}  # lock file -> descriptor, open for the life of the process

SHARED_WARNING = (
    "another unitboard serve process is using the SQLite log %s. That is safe (they take "
    "turns to write) but every write waits for the other's, and without --redis-url each "
    "one's screens see the other's changes only when it polls the log. SQLite is for one "
    "server process: for more, keep the log in PostgreSQL (--database-url "
    "postgresql://...) and join the processes with --redis-url."
)


def lock_file_of(database_url: str) -> Path | None:
    """The file beside a SQLite log that its serve processes lock; None for PostgreSQL."""
    url = make_url(engine_url(database_url))
    if url.drivername != SQLITE_DRIVER or url.database is None:
        return None
    database = Path(url.database).resolve()
    return database.with_name(database.name + "-serve.lock")


def claim_sqlite_log(database_url: str) -> bool:
    """Note that this process serves the log; warn and return False if another does too."""
    path = lock_file_of(database_url)
    if path is None or path in _held:
        return True
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        alone = True
    except BlockingIOError:
        alone = False
        log.warning(SHARED_WARNING, path.with_name(path.name.removesuffix("-serve.lock")))
    fcntl.flock(descriptor, fcntl.LOCK_SH)  # from exclusive: the next one to start sees us
    _held[path] = descriptor
    return alone
