"""What the demo simulator started, as the log tells it: the encounters whose admission it
requested, the beds whose latest event it caused, where its patients were last taken, and
the orders it entered that await their co-signature. The simulator acts on these only, so
a newcomer's own admission (or the bed their patient left, the cleaning they began, the order
they entered) waits for them. Read from the log, a little more at each step: it holds
across restarts and sees what every process did, and nothing in memory decides whose a
patient is."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from unitboard.domain.calls.events import CallLightRaised
from unitboard.domain.events import BedEvent
from unitboard.domain.orders.events import OrderCosigned, OrderEntered, OrderEvent
from unitboard.domain.stays.events import AdmissionCancelled, AdmissionRequested, PatientDischarged
from unitboard.domain.transport.events import (
    TransportCancelled,
    TransportCompleted,
    TransportRequested,
)
from unitboard.store import EventLog, StoredEvent

SIMULATED_DESK = "sim:secretary"
SIMULATED_EVS = "sim:evs"
SIMULATED_NURSE_CALL = "sim:nurse-call"
SIMULATED_CHARGE = "sim:charge-nurse"
SIMULATED_ACTORS = frozenset(
    {SIMULATED_DESK, SIMULATED_EVS, SIMULATED_NURSE_CALL, SIMULATED_CHARGE}
)
"""The actors the simulator acts as: an event whose metadata names one was its doing."""
SIMULATED_MARK = "sim:"
"""How the correlation id of every command the simulator sends begins: its transporters act
under their own usernames (the logins a newcomer may use too), so the mark, not the actor,
tells their steps from a person's."""
RECENT_ORDERS = 32
"""How many of its latest orders' entry times the simulator keeps (to tell how many it
entered lately)."""
READ_PER_STEP = 10_000
"""Events read per step: a long log is read over a few steps, never holding the writer
thread (the simulator runs on it) for long."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a patient was last taken, and when the transporter delivered them."""

    destination: str
    at: str


def by_simulator(stored: StoredEvent) -> bool:
    actor = stored.metadata.get("actor")
    correlation = stored.metadata.get("correlation_id") or ""
    return actor in SIMULATED_ACTORS or correlation.startswith(SIMULATED_MARK)


class SimulatedWork:
    def __init__(self, log: EventLog, per_step: int = READ_PER_STEP) -> None:
        self.log = log
        self.per_step = per_step
        self.position = 0
        """The last log position read."""
        self.encounters: set[str] = set()
        """Encounters whose admission the simulator requested."""
        self.beds: set[str] = set()
        """Beds whose latest cleaning, dirtying or block event the simulator caused."""
        self.calls: set[str] = set()
        """Call lights the simulator raised (it answers and clears only these)."""
        self.trips: dict[str, tuple[str, str]] = {}
        """Open transports of the simulator's patients: transport id -> (encounter,
        destination)."""
        self.deliveries: dict[str, Delivery] = {}
        """The simulator's patients still in the hospital: the last place a transport took
        them."""
        self.orders: set[str] = set()
        """Orders the simulator entered that nobody has co-signed yet: the ones it may still
        acknowledge, co-sign or discontinue (a newcomer's order is theirs)."""
        self.orders_entered_at: deque[str] = deque(maxlen=RECENT_ORDERS)
        """When the simulator entered its latest orders, oldest first (recorded times)."""

    def refresh(self) -> bool:
        """Read on from the last position, at most `per_step` events; True once it has
        read the whole log (only then may the simulator act: what it has not read yet may
        be a person's)."""
        batch = self.log.read(self.position, self.per_step)
        for stored in batch:
            self.note(stored)
        return len(batch) < self.per_step

    def note(self, stored: StoredEvent) -> None:
        simulated = by_simulator(stored)
        event = stored.event
        if isinstance(event, AdmissionRequested) and simulated:
            self.encounters.add(event.encounter_id)
        elif isinstance(event, CallLightRaised) and simulated:
            self.calls.add(event.call_id)
        elif isinstance(event, BedEvent):
            if simulated:
                self.beds.add(event.bed_id)
            else:
                self.beds.discard(event.bed_id)
        elif isinstance(event, OrderEvent):
            self.note_order(stored, simulated)
        else:
            self.note_transport(stored)
        self.position = stored.position

    def note_order(self, stored: StoredEvent, simulated: bool) -> None:
        event = stored.event
        if isinstance(event, OrderEntered) and simulated:
            self.orders.add(event.order_id)
            self.orders_entered_at.append(stored.recorded_at)
        elif isinstance(event, OrderCosigned):
            self.orders.discard(event.order_id)

    def note_transport(self, stored: StoredEvent) -> None:
        """Trips of the simulator's patients, whoever asked for them or drove them: a patient
        taken to radiology by a newcomer's transporter is still brought back by the desk."""
        event = stored.event
        if isinstance(event, TransportRequested) and event.encounter_id in self.encounters:
            self.trips[event.transport_id] = (event.encounter_id, event.destination)
        elif isinstance(event, TransportCompleted):
            trip = self.trips.pop(event.transport_id, None)
            if trip is not None:
                self.deliveries[trip[0]] = Delivery(trip[1], stored.recorded_at)
        elif isinstance(event, TransportCancelled):
            self.trips.pop(event.transport_id, None)
        elif isinstance(event, (PatientDischarged, AdmissionCancelled)):
            self.deliveries.pop(event.encounter_id, None)
