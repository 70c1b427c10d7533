"""When the database fails, what is known about the write, in words a person can act on.

Three answers, and only these, tell the truth:
- the log cannot be reached (down or hung), or is too busy (past its lock or statement
  timeout): nothing was recorded;
- the database's disk is full: nothing was recorded, and nothing will be until space is
  freed (SQLite's SQLITE_FULL, PostgreSQL's 53100 disk_full);
- the commit was sent but its answer never came (the connection broke, or the deadline
  passed while the write was running): it may or may not have been recorded. Sending it
  again with the same idempotency key is safe: a recorded write answers with its first
  answer and records nothing twice.
"""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy.exc import DBAPIError

SQLITE_BUSY = 5
SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"
POSTGRES_TOO_SLOW = ("55P03", "57014")
"""lock_not_available (lock_timeout) and query_canceled (statement_timeout)."""
POSTGRES_CONNECTION_LOST = ("08", "57P01", "57P02", "57P03")
"""SQLSTATE classes and codes of a connection that broke (with no SQLSTATE at all)."""


class StorageFault(Exception):
    """The log could not do what was asked; `code` and `status` say which case it is."""

    code = "unavailable"
    status = 503

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def message(self, writing: bool) -> str:
        """What the person who asked reads (`writing`: they asked to record something)."""
        if writing:
            return "The event log cannot be reached just now; nothing was recorded. Try again."
        return "The event log cannot be reached just now. Try again in a moment."


class LogUnreachable(StorageFault):
    """Down, hung or busy: the write never reached a commit."""


class LogBusy(LogUnreachable):
    """It answered, but did not get to this in time (a lock or statement timeout)."""

    def message(self, writing: bool) -> str:
        if writing:
            return "The event log is too busy just now; nothing was recorded. Try again."
        return "The event log is too busy just now. Try again in a moment."


class StorageFull(StorageFault):
    code = "storage_full"
    status = 507

    def message(self, writing: bool) -> str:
        return (
            "The database's disk is full, so nothing can be recorded (nothing was recorded "
            "now). Tell whoever runs unitboard to free space on the database's disk."
        )


class OutcomeUnknown(StorageFault):
    """The commit may have happened: only a retry with the same idempotency key can tell."""

    code = "outcome_unknown"

    def message(self, writing: bool) -> str:
        return (
            "The event log stopped answering while this was being recorded: it may or may "
            "not have been recorded. Send it again with the same idempotency key; if it was "
            "recorded you get its first answer and nothing is recorded twice."
        )

    def on_screen(self) -> str:
        """For a person at a screen, who sends no idempotency key of their own."""
        return (
            "The event log stopped answering while this was being recorded: it may or may "
            "not have been recorded. Check the board before doing it again."
        )


def classify(error: BaseException) -> StorageFault | None:
    """The fault a database error stands for; None if it is not the database failing."""
    if isinstance(error, StorageFault):
        return error
    if isinstance(error, DBAPIError) and error.orig is not None:
        return classify(error.orig)
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        if code == SQLITE_FULL:
            return StorageFull(str(error))
        return LogBusy(str(error)) if code == SQLITE_BUSY else LogUnreachable(str(error))
    if isinstance(error, psycopg.OperationalError):
        if error.sqlstate == POSTGRES_DISK_FULL:
            return StorageFull(_first_line(error))
        if error.sqlstate in POSTGRES_TOO_SLOW:
            return LogBusy(_first_line(error))
        return LogUnreachable(_first_line(error))
    return None


def connection_lost(error: psycopg.Error) -> bool:
    """True if the connection broke (rather than the server refusing with a reason): what
    was sent may or may not have been done."""
    if isinstance(error, (psycopg.DataError, psycopg.ProgrammingError)) and error.sqlstate is None:
        return False  # refused by the driver before anything was sent (a NUL in a string)
    state = error.sqlstate
    return state is None or state.startswith(POSTGRES_CONNECTION_LOST)


def unknown_after_commit(error: psycopg.Error) -> OutcomeUnknown:
    return OutcomeUnknown(_first_line(error))


def sqlite_commit_failed(error: sqlite3.Error) -> StorageFault:
    """SQLite's COMMIT failed: on a full disk it did not happen (the writer rolls back);
    after an I/O error part of it may be on disk."""
    if getattr(error, "sqlite_errorcode", None) == SQLITE_FULL:
        return StorageFull(str(error))
    return OutcomeUnknown(str(error))


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
