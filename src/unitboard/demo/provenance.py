"""What the demo simulator started, as the log tells it: the encounters whose admission it
requested, and the beds whose latest event it caused. The simulator acts on these only, so
a newcomer's own admission (or the bed their patient left, or the cleaning they began) waits
for them. Read from the log, a little more at each step: it holds across restarts and sees
what every process did, and nothing in memory decides whose a patient is."""

from __future__ import annotations

from unitboard.domain.calls.events import CallLightRaised
from unitboard.domain.events import BedEvent
from unitboard.domain.stays.events import AdmissionRequested
from unitboard.store import EventLog, StoredEvent

SIMULATED_DESK = "sim:secretary"
SIMULATED_EVS = "sim:evs"
SIMULATED_NURSE_CALL = "sim:nurse-call"
SIMULATED_CHARGE = "sim:charge-nurse"
SIMULATED_ACTORS = frozenset(
    {SIMULATED_DESK, SIMULATED_EVS, SIMULATED_NURSE_CALL, SIMULATED_CHARGE}
)
"""The actors the simulator acts as: an event whose metadata names one was its doing."""
READ_PER_STEP = 10_000
"""Events read per step: a long log is read over a few steps, never holding the writer
thread (the simulator runs on it) for long."""


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

    def refresh(self) -> bool:
        """Read on from the last position, at most `per_step` events; True once it has
        read the whole log (only then may the simulator act: what it has not read yet may
        be a person's)."""
        batch = self.log.read(self.position, self.per_step)
        for stored in batch:
            self.note(stored)
        return len(batch) < self.per_step

    def note(self, stored: StoredEvent) -> None:
        by_simulator = stored.metadata.get("actor") in SIMULATED_ACTORS
        event = stored.event
        if isinstance(event, AdmissionRequested) and by_simulator:
            self.encounters.add(event.encounter_id)
        elif isinstance(event, CallLightRaised) and by_simulator:
            self.calls.add(event.call_id)
        elif isinstance(event, BedEvent):
            if by_simulator:
                self.beds.add(event.bed_id)
            else:
                self.beds.discard(event.bed_id)
        self.position = stored.position
