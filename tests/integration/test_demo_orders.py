"""The demo's orders under direction. The simulated desk enters orders for the simulator's own
patients as a requisition gives them (the stay's MRN and birth date, a heard order read
back, never a medication); the simulated charge nurse enters the medications and
acknowledges the orders of patients no nurse has; the simulated provider (adeyemi) co-signs
the orders they directed, after a pause, now and then past the demo's deadline. The
newcomer's provider login ("provider") directs most of them and has none co-signed by the
simulator; a newcomer's own admission gets no orders, and a newcomer's own order is left to
them."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from sqlalchemy import Engine
from test_demo_simulator import fire_due, seeded_demo

from hospital import admission
from unitboard.demo.orders import COSIGN_MINUTES, LATE_MINUTES, cosign_at
from unitboard.demo.provenance import SIMULATED_CHARGE, SIMULATED_DESK, SIMULATED_MARK
from unitboard.demo.seed import DEMO_USERS, NEWCOMER_PROVIDER, SIMULATED_PROVIDER
from unitboard.demo.simulator import Simulator
from unitboard.domain.beds.state import Beds
from unitboard.domain.orders.events import (
    OrderAcknowledged,
    OrderCosigned,
    OrderDiscontinued,
    OrderEntered,
)
from unitboard.domain.orders.state import Order, Orders
from unitboard.domain.orders.values import READ_BACK_MODES
from unitboard.domain.pages.state import Pages
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.stays.state import Stays
from unitboard.service.auth import Actor
from unitboard.service.handler import CommandService
from unitboard.store import StoredEvent, batches
from unitboard.store.sessions import SessionStore

DESK = Actor("secretary", "secretary", None, "Sam Secretary")
STEPS = 700
STEP_SECONDS = 6.0
"""About 70 minutes of a demo: past the co-sign deadline of its first orders."""
NURSES = {username for username, role, _, _ in DEMO_USERS if role == "nurse"}


class Clock:
    """The simulated time, from a fixed morning (every pause is drawn from the orders' ids
    and times: the run is the same every time); the log records by it."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def recorded(self) -> str:
        return self.now.isoformat(timespec="microseconds")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(batches, "now_text", clock.recorded)
    return clock


def entered(events: list[StoredEvent]) -> list[tuple[StoredEvent, OrderEntered]]:
    return [(e, e.event) for e in events if isinstance(e.event, OrderEntered)]


def newcomers_patients(service: CommandService) -> None:
    """One admitted to a free bed of 4W, one waiting for a bed on 3N: both the newcomer's."""
    beds = service.state[Beds].beds.values()
    free = next(
        b.bed_id
        for b in beds
        if b.unit_id == "4W" and b.occupancy == "vacant" and b.cleanliness == "clean"
        if b.room_id in ("4W-409", "4W-410", "4W-411", "4W-412", "4W-413", "4W-414")
    )
    service.execute(DESK, "RequestAdmission", admission("E-NEW-IN", unit_id="4W"))
    service.execute(DESK, "AssignBed", {"encounter_id": "E-NEW-IN", "bed_id": free})
    service.execute(DESK, "MarkArrived", {"encounter_id": "E-NEW-IN"})
    service.execute(DESK, "RequestAdmission", admission("E-NEW-WAIT", unit_id="3N"))


def newcomers_order(service: CommandService, simulator: Simulator) -> str:
    """The newcomer enters an order on a patient of the simulator's, directed by the
    simulated provider: it is theirs, and the simulator leaves it alone."""
    simulator.work.refresh()
    stay = next(
        service.state[Stays].stays[e]
        for e in sorted(simulator.work.encounters)
        if service.state[Stays].stays[e].nurse is None
        and service.state[Stays].stays[e].status == "admitted"
    )
    data = {
        "encounter_id": stay.encounter_id,
        "mrn": stay.mrn,
        "birth_date": stay.birth_date.isoformat(),
        "category": "lab",
        "detail": "Lipid panel",
        "mode": "written",
        "directing_provider": SIMULATED_PROVIDER,
    }
    (stored,) = service.execute(DESK, "EnterOrder", data).events
    assert isinstance(stored.event, OrderEntered)
    return stored.event.order_id


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_enters_acknowledges_and_cosigns_orders_and_leaves_the_newcomers_alone(
    engine: Engine, clock: Clock
) -> None:
    service = seeded_demo(engine)
    assert service.state[PolicyInForce].policy.cosign_deadline_hours == 0.5
    newcomers_patients(service)
    simulator = Simulator(service, random.Random(2031), clock)
    theirs = newcomers_order(service, simulator)
    start = service.log.head()

    acknowledged_with_a_nurse: list[str] = []

    def watch(batch: list[StoredEvent]) -> None:
        """An acknowledgement by the simulated charge nurse: the patient has no nurse."""
        for stored in batch:
            event = stored.event
            if (
                isinstance(event, OrderAcknowledged)
                and stored.metadata["actor"] == SIMULATED_CHARGE
            ):
                order = service.state[Orders].orders[event.order_id]
                if service.state[Stays].stays[order.encounter_id].nurse is not None:
                    acknowledged_with_a_nurse.append(order.order_id)

    service.subscribe(watch)
    for step in range(STEPS):
        clock.now += dt.timedelta(seconds=STEP_SECONDS)
        fire_due(service, clock.now)
        if step % 20 == 0:
            simulator.enter_an_order()  # more orders than the steps' share: a short test
        if step % 100 == 50:
            simulator.enter_a_medication()
        if step == STEPS // 2:
            assert simulator.discontinue_an_order()
        simulator.step()

    events = list(service.log.iter_from(start))
    orders = entered(events)
    assert len(orders) >= 30
    stays = service.state[Stays].stays

    # Entered by the simulated desk and charge nurse, on the simulator's own patients, with
    # the identifiers of the stay, read back when heard.
    assert {e.metadata["actor"] for e, _ in orders} == {SIMULATED_DESK, SIMULATED_CHARGE}
    assert all(e.metadata["correlation_id"].startswith(SIMULATED_MARK) for e, _ in orders)
    assert all(o.encounter_id in simulator.work.encounters for _, o in orders)
    assert not {o.encounter_id for _, o in orders} & {"E-NEW-IN", "E-NEW-WAIT"}
    for _, order in orders:
        stay = stays[order.encounter_id]
        assert (order.mrn, order.birth_date) == (stay.mrn, stay.birth_date.isoformat())
    heard = [o for _, o in orders if o.mode in READ_BACK_MODES]
    assert heard and all(o.read_back for o in heard)
    assert {o.mode for _, o in orders} >= {"written", "telephone", "protocol"}
    for order in heard:
        if order.mode == "verbal" and order.unit_id == "4W":
            assert order.received_by in NURSES, "a verbal order on 4W is relayed by its nurse"
    by_desk = [o for e, o in orders if e.metadata["actor"] == SIMULATED_DESK]
    assert "medication" not in {o.category for o in by_desk}
    assert len({o.category for o in by_desk}) >= 6
    medications = [o for e, o in orders if e.metadata["actor"] == SIMULATED_CHARGE]
    assert medications and {o.category for o in medications} == {"medication"}
    assert {o.priority for _, o in orders} == {"stat", "routine"}
    directing = [o.directing_provider for _, o in orders]
    assert set(directing) == {NEWCOMER_PROVIDER, SIMULATED_PROVIDER}

    # Acknowledged by the charge nurse only for patients no nurse has.
    acks = [e for e in events if e.type == "OrderAcknowledged"]
    assert acks and {e.metadata["actor"] for e in acks} == {SIMULATED_CHARGE}
    assert acknowledged_with_a_nurse == []

    # Co-signed by the simulated provider alone, only their own, each within its pause.
    part = service.state[Orders]
    cosigns = [e for e in events if e.type == "OrderCosigned"]
    assert cosigns and {e.metadata["actor"] for e in cosigns} == {SIMULATED_PROVIDER}
    assert all(e.metadata["correlation_id"].startswith(SIMULATED_MARK) for e in cosigns)
    signed = [part.orders[e.event.order_id] for e in cosigns if isinstance(e.event, OrderCosigned)]
    assert {o.directing_provider for o in signed} == {SIMULATED_PROVIDER}
    newcomers = [o for o in part.orders.values() if o.directing_provider == NEWCOMER_PROVIDER]
    assert newcomers and not any(o.cosigned for o in newcomers)
    overdue = [o for o in newcomers if o.overdue_at is not None]
    assert overdue, "the newcomer's unsigned orders turn overdue at the demo's deadline"
    latest = clock.now - dt.timedelta(minutes=LATE_MINUTES[1])
    for _, order in orders:
        if order.directing_provider == SIMULATED_PROVIDER:
            mine = part.orders[order.order_id]
            if dt.datetime.fromisoformat(mine.entered_at) < latest:
                assert mine.cosigned, f"{mine.order_id} still unsigned"

    # Discontinued now and then by the charge nurse, with a reason.
    stops = [e for e in events if isinstance(e.event, OrderDiscontinued)]
    assert stops and {e.metadata["actor"] for e in stops} == {SIMULATED_CHARGE}
    assert all(isinstance(e.event, OrderDiscontinued) and e.event.reason for e in stops)

    # The newcomer's own order, directed by the simulated provider, waits for them.
    mine = part.orders[theirs]
    assert (mine.acknowledged_by, mine.cosigned_by, mine.discontinued_by) == (None, None, None)
    service.log.close()


def demo_simulator(engine: Engine, clock: Clock) -> Simulator:
    simulator = Simulator(seeded_demo(engine), random.Random(4), clock)
    simulator.work.refresh()
    return simulator


def entered_for(simulator: Simulator, provider: str) -> Order:
    """The desk enters one order directed by `provider`."""
    simulator.rounds.directing_provider = lambda rng: provider  # type: ignore[method-assign]
    known = set(simulator.work.orders)
    assert simulator.enter_an_order()
    simulator.work.refresh()
    (order_id,) = simulator.work.orders - known
    return simulator.service.state[Orders].orders[order_id]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_late_signature_turns_overdue_and_the_simulator_signs_only_its_providers(
    engine: Engine, clock: Clock
) -> None:
    """Left unsigned past the demo's 30 minutes, an order is overdue and pages its provider.
    The simulated provider signs theirs (late) and answers the page; the newcomer's provider
    has theirs waiting for them, however long."""
    simulator = demo_simulator(engine, clock)
    service = simulator.service
    theirs = entered_for(simulator, SIMULATED_PROVIDER)
    newcomers = entered_for(simulator, NEWCOMER_PROVIDER)
    clock.now += dt.timedelta(minutes=31)
    fire_due(service, clock.now)
    for order, provider in ((theirs, SIMULATED_PROVIDER), (newcomers, NEWCOMER_PROVIDER)):
        assert order.overdue_at is not None and order.overdue_page is not None
        page = service.state[Pages].find(order.overdue_page)
        assert page is not None and page.open and page.to == provider

    clock.now += dt.timedelta(minutes=LATE_MINUTES[1])
    simulator.rounds.turn()
    assert theirs.cosigned_by == SIMULATED_PROVIDER
    page = service.state[Pages].find(theirs.overdue_page or "")
    assert page is not None and page.acknowledged_by == SIMULATED_PROVIDER
    clock.now += dt.timedelta(hours=3)
    simulator.step()
    assert not newcomers.cosigned
    page = service.state[Pages].find(newcomers.overdue_page or "")
    assert page is not None and page.open
    service.log.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_while_someone_is_logged_in_as_the_simulated_provider_it_is_theirs_to_sign(
    engine: Engine, clock: Clock
) -> None:
    simulator = demo_simulator(engine, clock)
    order = entered_for(simulator, SIMULATED_PROVIDER)
    now = time.time()
    SessionStore(engine).open("adeyemi-at-the-desk", now, now + 3600, SIMULATED_PROVIDER)
    clock.now += dt.timedelta(hours=3)
    simulator.rounds.turn()
    assert not order.cosigned
    simulator.service.log.close()


def test_the_simulated_provider_signs_in_minutes_and_now_and_then_past_the_deadline() -> None:
    """Of many orders, most are signed within COSIGN_MINUTES, some past 30 minutes."""
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    delays = []
    for n in range(400):
        at = (start + dt.timedelta(minutes=n)).isoformat()
        order = Order(
            f"OR-{n}", "E1", "4W", "lab", "CBC", "routine", "written", "adeyemi", "x", False,
            entered_by="sim:secretary", entered_at=at,
        )  # fmt: skip
        delays.append((cosign_at(order) - start - dt.timedelta(minutes=n)).total_seconds() / 60)
    late = [d for d in delays if d > 30]
    assert all(COSIGN_MINUTES[0] <= d <= LATE_MINUTES[1] for d in delays)
    assert 0.05 < len(late) / len(delays) < 0.3
