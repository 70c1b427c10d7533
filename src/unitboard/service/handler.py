"""The command service: authorize -> validate -> decide -> append -> evolve.

One instance per process owns the write model (the hospital state as of its last append or
catch-up). Calls are serialised by a lock; appends are optimistic on the log's head, so a
second process that wrote in between makes us catch up and decide again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from unitboard.domain.commands import Command
from unitboard.domain.context import Context
from unitboard.domain.errors import DomainError
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, Recorded, decide, fold
from unitboard.domain.roles import role_label
from unitboard.domain.together import decide_together
from unitboard.service.auth import Actor
from unitboard.service.errors import Conflict, Forbidden, InputError, KeyReused
from unitboard.service.people import StaffDirectory
from unitboard.service.scope import check_scope
from unitboard.service.validation import describe
from unitboard.store import Appended, ConcurrencyError, EventLog, IdempotencyConflict, StoredEvent
from unitboard.store.credentials import CredentialStore

_RETRIES = 5

Listener = Callable[[list[StoredEvent]], None]
Step = tuple[str, Any]
"""A command's name and its data, as the API takes them."""
Observer = Callable[[str, str, float], None]
"""Told of every command this service answers: its name, its outcome (`accepted`, or the
refusal's code: `rule_violation`, `not_found`, `invalid_input`, `forbidden`, ...) and the
seconds it took, for the metrics."""


def request_hash(actor: str, name: str, data: Mapping[str, Any]) -> str:
    """What an idempotency key stands for: this caller asking this command with this data."""
    request = {"actor": actor, "command": name, "data": data}
    body = json.dumps(request, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


class CommandService:
    def __init__(self, log: EventLog, credentials: CredentialStore) -> None:
        self.log = log
        self.credentials = credentials
        self.people = StaffDirectory(credentials)
        self.state = Hospital(log.codec.registry)
        # Each stream's last version, for the log's optimistic check (the log's concern, not
        # the board's, so it is counted here rather than in the domain state).
        self.versions: dict[str, int] = {}
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._observers: list[Observer] = []

    def observe(self, observer: Observer) -> None:
        """Call `observer` after every command, accepted or refused."""
        self._observers.append(observer)

    def subscribe(self, listener: Listener) -> None:
        """Called with the events of every append, in log order, from the writing thread."""
        self._listeners.append(listener)

    def catch_up(self) -> None:
        with self._lock:
            self._catch_up()

    def absorb(self, events: Sequence[Recorded]) -> None:
        """Fold events read elsewhere (start-up replay) without telling the listeners."""
        with self._lock:
            self._fold([e for e in events if e.position > self.state.position])

    def execute(
        self,
        actor: Actor,
        name: str,
        data: Any,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
    ) -> Appended:
        with self._observed(lambda: (name,)):
            return self._execute(actor, name, data, idempotency_key, correlation_id)

    @contextlib.contextmanager
    def _observed(self, names: Callable[[], Iterable[str]]) -> Iterator[None]:
        """Tell the observers, once the block is done, of each command `names()` gives then:
        accepted, or the refusal's code, and the seconds it took."""
        started = time.perf_counter()
        outcome = "accepted"
        try:
            yield
        except DomainError as refusal:
            outcome = refusal.code
            raise
        except Exception:
            outcome = "failed"
            raise
        finally:
            seconds = time.perf_counter() - started
            for name in names():
                for observer in self._observers:
                    observer(name, outcome, seconds)

    def _execute(
        self,
        actor: Actor,
        name: str,
        data: Any,
        idempotency_key: str | None,
        correlation_id: str | None,
    ) -> Appended:
        command = self.validate(actor, name, data)
        context = Context(actor.name, actor.role, self.people, actor.display_name)

        def decider(state: Hospital) -> list[Event]:
            check_scope(state, actor, command)
            return decide(state, command, context)

        digest = request_hash(actor.name, name, data)
        metadata = self._metadata(actor, name, idempotency_key, correlation_id)
        return self._decide_and_append(decider, metadata, idempotency_key, digest)

    def execute_together(
        self,
        actor: Actor,
        name: str,
        plan: Callable[[Hospital], Sequence[Step]],
        request: Any,
        idempotency_key: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Appended:
        """Run the commands `plan` chooses from the hospital as it is (read under the lock,
        so nothing moves between choosing and deciding) as one change: all recorded in one
        append, or none. `name` says what asked for them (an ADT message type) and `request`
        is what the idempotency key stands for; `details` go into the events' metadata."""
        context = Context(actor.name, actor.role, self.people, actor.display_name)
        metadata = {**self._metadata(actor, name, idempotency_key, None), **(details or {})}

        def decider(state: Hospital) -> list[Event]:
            commands = [self.validate(actor, step, data) for step, data in plan(state)]
            for command in commands:
                check_scope(state, actor, command)
            metadata["commands"] = [type(command).__name__ for command in commands]
            return decide_together(state, commands, context, str(metadata["time"]))

        # Counted as the commands it ran (none, when the plan itself was refused).
        with self._observed(lambda: metadata.get("commands", ())):
            digest = request_hash(actor.name, name, request)
            return self._decide_and_append(decider, metadata, idempotency_key, digest)

    def _decide_and_append(
        self,
        decider: Callable[[Hospital], list[Event]],
        metadata: dict[str, Any],
        idempotency_key: str | None,
        digest: str,
    ) -> Appended:
        with self._lock:
            try:
                # A retry the board would still accept is answered by the log itself: the
                # append finds its key and hands back the first answer, recording nothing.
                try:
                    return self._append_decided(decider, metadata, idempotency_key, digest)
                except DomainError:
                    # Refused on what this process knew: another process (`layout load`,
                    # a second server) may have moved the log since. Refuse only on the
                    # log as it is.
                    if self.log.head() <= self.state.position:
                        raise
                    self._catch_up()
                    return self._append_decided(decider, metadata, idempotency_key, digest)
            except DomainError:
                # A retry the board has moved past (the bed is taken now: by this very
                # command) gets its first answer too; only a new request gets the refusal.
                if idempotency_key and (answer := self._stored_answer(idempotency_key, digest)):
                    return answer
                raise

    def validate(self, actor: Actor, name: str, data: Any) -> Command:
        spec = self.state.registry.spec(name)
        if spec is None:
            raise InputError(f"There is no command {name!r}.")
        if actor.role not in spec.roles:
            raise Forbidden(f"The {role_label(actor.role)} role may not use {name}.")
        if not isinstance(data, dict):
            raise InputError("data must be a JSON object of the command's fields.")
        try:
            command: Command = spec.model.model_validate(data)
        except ValidationError as exc:
            raise InputError(describe(exc)) from None
        return command

    def load_layout(self, actor: Actor, text: str) -> Appended:
        """Bring the layout in line with a layout file's text (LoadLayout)."""
        return self.execute(actor, "LoadLayout", {"toml": text})

    # -- the write path ---------------------------------------------------------------------

    def _append_decided(
        self,
        decider: Callable[[Hospital], list[Event]],
        metadata: dict[str, Any],
        key: str | None,
        digest: str | None,
    ) -> Appended:
        for _ in range(_RETRIES):
            events = decider(self.state)
            try:
                appended = self.log.append(
                    events,
                    metadata=metadata,
                    expected_position=self.state.position,
                    stream_versions=self.versions,
                    idempotency_key=key,
                    request_hash=digest,
                )
            except ConcurrencyError:
                self._catch_up()
                continue
            except IdempotencyConflict:
                raise KeyReused(_REUSED_KEY) from None
            if appended.replayed:
                self._catch_up()
            else:
                self._apply(appended.events)
            return appended
        raise Conflict("The board changed too often while this was decided; try again.")

    def _stored_answer(self, key: str, digest: str) -> Appended | None:
        try:
            return self.log.answer_for(key, digest)
        except IdempotencyConflict:
            raise KeyReused(_REUSED_KEY) from None

    def _catch_up(self) -> None:
        missed = self.log.read(after=self.state.position, limit=100_000)
        while missed:
            self._apply(missed)
            missed = self.log.read(after=self.state.position, limit=100_000)

    def _apply(self, events: list[StoredEvent]) -> None:
        if not events:
            return
        self._fold(events)
        for listener in self._listeners:
            listener(events)

    def _fold(self, events: Sequence[Recorded]) -> None:
        fold(self.state, events)
        versions = self.versions
        for event in events:
            versions[event.stream_id] = versions.get(event.stream_id, 0) + 1

    @staticmethod
    def _metadata(
        actor: Actor, command: str, key: str | None, correlation_id: str | None
    ) -> dict[str, Any]:
        return {
            "actor": actor.name,
            "role": actor.role,
            "command": command,
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
            "correlation_id": correlation_id or str(uuid.uuid4()),
            "idempotency_key": key,
        }


_REUSED_KEY = "This idempotency key was already used for a different command."
