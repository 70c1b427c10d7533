"""The layout file named at start (`serve --layout FILE`): applied when it can be, else
reported and skipped. A server always starts on its log: a file that no longer fits the
hospital (a room it leaves out holds a patient), that cannot be read or that has a mistake
is said plainly in the server's log, and the board goes on with the layout the log has."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from unitboard.domain.errors import DomainError, InvalidInput, RuleViolation
from unitboard.domain.layout.state import Layout
from unitboard.service.auth import Actor
from unitboard.service.handler import CommandService

log = logging.getLogger("uvicorn.error")
"""The server's own log, where its start-up lines go (uvicorn shows it at INFO)."""


@dataclass(frozen=True)
class LayoutAtStart:
    path: Path
    changes: int
    """Events recorded (0: the log had this layout already, or it was skipped)."""
    skipped: str | None = None
    """Why the file was not applied, in words a person can act on; None when it was."""
    remedy: str = "Correct the file"
    had_layout: bool = True
    """Whether the log has a layout to go on with."""

    def describe(self) -> str:
        if self.skipped is not None:
            going_on = (
                "The server runs on the layout already in its log."
                if self.had_layout
                else "The server runs with no layout (no units, no beds) until one is loaded."
            )
            return (
                f"The layout file {self.path} was not applied: {self.skipped} {going_on} "
                f"{self.remedy}, then load it with `unitboard layout load {self.path}`."
            )
        if self.changes:
            return f"The layout file {self.path} was applied: {self.changes} change(s) recorded."
        return f"The layout file {self.path} matches the log: nothing recorded."


def apply_layout_file(service: CommandService, actor: Actor, path: Path) -> LayoutAtStart:
    """Bring the layout in line with the file if the rules allow it; never raises for what
    the file says or lacks (a storage failure still does: there is no board without it)."""
    service.catch_up()
    had = bool(service.state[Layout].units)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return LayoutAtStart(path, 0, "it is not UTF-8 text.", had_layout=had)
    except OSError as exc:
        reason = f"it cannot be read ({exc.strerror or exc})."
        return LayoutAtStart(path, 0, reason, had_layout=had)
    try:
        appended = service.load_layout(actor, text)
    except RuleViolation as refusal:
        remedy = "Move the patients out of what the file takes away (or keep it in the file)"
        return LayoutAtStart(path, 0, _sentence(refusal.message), remedy, had)
    except InvalidInput as mistake:
        reason = _sentence(f"it has a mistake: {mistake.message}")
        return LayoutAtStart(path, 0, reason, had_layout=had)
    except DomainError as refusal:
        return LayoutAtStart(path, 0, _sentence(refusal.message), had_layout=had)
    return LayoutAtStart(path, len(appended.events))


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def report(outcome: LayoutAtStart) -> None:
    """A skipped layout is a warning in the server's log; an applied one, a note."""
    if outcome.skipped is not None:
        log.warning("%s", outcome.describe())
    else:
        log.info("%s", outcome.describe())
