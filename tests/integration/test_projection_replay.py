"""The board projection built live, event by event as the server follows the log, equals
the one rebuilt from the log after a long random run of the demo simulator."""

from __future__ import annotations

import random

from sqlalchemy import Engine

from unitboard.demo.seed import seed
from unitboard.demo.simulator import Simulator
from unitboard.domain.hospital import Hospital
from unitboard.projections.board import BoardProjection
from unitboard.projections.verify import rebuild_and_verify, views
from unitboard.service.handler import CommandService
from unitboard.store import EventLog
from unitboard.store.credentials import CredentialStore


def test_the_projection_rebuilt_from_the_log_equals_the_live_one(engine: Engine) -> None:
    log = EventLog(engine)
    service = CommandService(log, CredentialStore(engine))
    live = BoardProjection()
    service.subscribe(live.apply)
    seed(service, CredentialStore(engine))
    simulator = Simulator(service, random.Random(20261123))
    for _ in range(900):
        simulator.step()

    rebuilt = BoardProjection()
    rebuilt.apply(list(log.iter_from(0)))

    assert log.head() == live.position == rebuilt.position > 800
    assert views(rebuilt) == views(live)
    assert rebuilt.hospital == service.state
    kinds = {event.type for event in log.iter_from(0)}
    assert {"PatientArrived", "PatientMoved", "PatientDischarged", "BedCleaned"} <= kinds
    assert {"CallLightRaised", "CallLightCleared", "NurseAssigned"} <= kinds
    report = rebuild_and_verify(log)
    assert report.ok and report.events == log.head()
    log.close()


def test_a_fresh_fold_of_an_empty_log_is_an_empty_hospital(engine: Engine) -> None:
    log = EventLog(engine)
    projection = BoardProjection()
    projection.apply(list(log.iter_from(0)))
    assert projection.hospital == Hospital()
    log.close()
