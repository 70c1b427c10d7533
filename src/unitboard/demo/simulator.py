"""A living demo: admissions, bed assignments, arrivals, moves, discharges, cleaning and
transports at a pace a newcomer can watch. Every step is a real command through the service,
and acts only on the patients and beds the simulator itself started with (provenance.py): a
newcomer's own admission waits for them. The desk asks for transports of its patients; the
simulated crew (transporters.py) carries them out, a job or two at a time. The desk enters
orders on a provider's direction for its patients, the charge nurse a medication now and
then; the charge nurse acknowledges and the simulated provider co-signs (orders.py)."""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections.abc import Callable
from typing import Any

from unitboard.demo.orders import (
    DESK_CATEGORIES,
    DESK_MODES,
    DISCONTINUE_REASONS,
    NURSE_MODES,
    OrderRounds,
    requisition,
    weighted,
)
from unitboard.demo.provenance import (
    SIMULATED_CHARGE,
    SIMULATED_DESK,
    SIMULATED_EVS,
    SIMULATED_MARK,
    SIMULATED_NURSE_CALL,
    SimulatedWork,
)
from unitboard.demo.transporters import Clock, TransportCrew, draw, minutes
from unitboard.domain.beds.state import Bed, Beds
from unitboard.domain.calls.state import Call, Calls
from unitboard.domain.errors import DomainError
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.orders.values import OrderCategory
from unitboard.domain.stays.state import Stay, Stays
from unitboard.domain.transport.state import Transport
from unitboard.domain.transport.timing import moment, starts_at
from unitboard.service.auth import Actor
from unitboard.service.handler import CommandService

GIVEN = [
    "Maria",
    "James",
    "Aisha",
    "Wei",
    "Olga",
    "Carlos",
    "Fatima",
    "John",
    "Emma",
    "Raj",
    "Lena",
    "Tomás",
    "Grace",
    "Yusuf",
    "Hannah",
    "Kofi",
    "Sofia",
    "Mateo",
    "Ingrid",
    "Noah",
]
FAMILY = [
    "Smith",
    "Garcia",
    "Okafor",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Jensen",
    "Rossi",
    "Patel",
    "Müller",
    "Dubois",
    "Tanaka",
    "Silva",
    "Cohen",
    "Andersson",
    "Brown",
    "O'Neill",
    "Moreau",
    "Ivanova",
    "Mensah",
]
LIGHT_KINDS = {
    "routine": 30,
    "bathroom": 25,
    "pain": 20,
    "bed_exit": 12,
    "staff_assist": 10,
    "code_blue": 1,
}
"""How often each kind of call light is pressed, roughly."""
NEEDS = {
    "routine": "water, and the blinds closed",
    "bathroom": "help to the bathroom",
    "pain": "pain 6/10, asks for the next dose",
    "bed_exit": "trying to get up alone",
    "staff_assist": "nurse asks for a second pair of hands",
    "code_blue": "team on the way",
}
DESK_PAGES = [
    ("Family at the desk asking for an update", "routine"),
    ("Pharmacy on line 2 about a dose", "urgent"),
    ("Lab called a critical potassium", "urgent"),
    ("Transport here for the patient", "routine"),
    ("Dr. Park asks you to call back", "routine"),
]
"""What the simulated desk pages a nurse about, and how urgently."""
ATTENDINGS = ["Dr. Adeyemi", "Dr. Lindqvist", "Dr. Park", "Dr. Romero", "Dr. Weiss"]
PROCEDURES = {"RAD": 5, "CT": 4, "DIALYSIS": 1}
"""Where patients go for a test or a treatment (places of the demo layout), and how often;
they are brought back to their bed after it."""
DISCHARGE_LOUNGE = "LOUNGE"
AT_PROCEDURE_MINUTES = (10.0, 30.0)
"""How long a patient stays at a procedure before the desk asks for the trip back."""
TRIPS = {"procedure": 6, "transfer": 3, "lounge": 2}
"""What the desk asks a transport for, and how often, when each is possible."""
TRANSPORT_PRIORITIES = {"routine": 70, "urgent": 22, "stat": 8}
TRANSPORT_MODES = {"wheelchair": 45, "stretcher": 25, "ambulatory": 18, "bed": 12}
TRANSPORT_NEEDS = {"oxygen": 0.12, "iv_pump": 0.15, "monitor": 0.08, "bariatric": 0.03}
"""How often a job needs each (isolation comes from the patient's precautions)."""
SCHEDULED = 0.12
SCHEDULED_MINUTES = (20.0, 40.0)
"""The share of procedure trips booked ahead, and how far ahead."""
ORDERS = 0.22
MEDICATIONS = 0.03
DISCONTINUED = 0.012
CATCH_UP = 6.0
"""Step weights of the orders. A step runs every 1 to 3.5 s (runtime.simulate), about 1,600
an hour, one action drawn by weight out of about 30 in all: the desk enters some 12 orders
an hour across the hospital, the charge nurse 1 or 2 medications, and discontinues one
every other hour or so; while catching up (orders.CATCH_UP_ORDERS), the desk enters one
every quarter of a minute or so."""
UNDER_WAY_MINUTES = 60.0
"""A patient a transport has in hand (a job started this long ago or less, or a procedure
they were taken to) is not moved, discharged or given their new bed by the desk meanwhile.
Only for this long: a job stuck on someone's tablet holds up nothing after it."""
log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Simulator:
    def __init__(
        self,
        service: CommandService,
        rng: random.Random | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.service = service
        self.rng = rng or random.Random()
        self.clock = clock
        self.desk = Actor(SIMULATED_DESK, "secretary", None, "simulated unit secretary")
        self.evs = Actor(SIMULATED_EVS, "evs", None, "simulated housekeeping")
        self.nurse_call = Actor(SIMULATED_NURSE_CALL, "integration", None, "simulated nurse call")
        self.charge = Actor(SIMULATED_CHARGE, "charge_nurse", None, "simulated charge nurse")
        self.work = SimulatedWork(service.log)
        self.crew = TransportCrew(service, self.run, clock)
        self.rounds = OrderRounds(service, self.run, clock, self.work, self.charge)
        self._serial = 0

    @property
    def state(self) -> Hospital:
        return self.service.state

    @property
    def beds(self) -> dict[str, Bed]:
        return self.state[Beds].beds

    def run(self, name: str, data: dict[str, Any], actor: Actor | None = None) -> bool:
        marked = f"{SIMULATED_MARK}{uuid.uuid4()}"
        try:
            self.service.execute(actor or self.desk, name, data, correlation_id=marked)
        except DomainError as refusal:
            log.debug("simulated %s refused: %s", name, refusal.message)
            return False
        return True

    def step(self) -> None:
        """One thing happens somewhere in the hospital (called every few seconds), to a
        patient or bed of the simulator's own, and the transport crew does what is due for
        them; nothing until it has read the whole log."""
        if not self.work.refresh():
            return
        self.crew.turn()
        self.rounds.turn()
        entering = CATCH_UP if self.rounds.catching_up() else ORDERS
        actions: list[tuple[float, Callable[[], object]]] = [
            (3, self.request_admission),
            (4, self.assign_waiting),
            (4, self.arrive_reserved),
            (2, self.order_discharge),
            (3, self.discharge_ordered),
            (5, self.clean_a_bed),
            (1, self.move_someone),
            (1, self.transfer_someone),
            (2, self.assign_a_nurse),
            (0.5, self.page_a_nurse),
            (0.8, self.press_a_call_light),
            (2, self.answer_a_call_light),
            (2, self.clear_a_call_light),
            (0.36, self.request_a_transport),
            (entering, self.enter_an_order),
            (MEDICATIONS, self.enter_a_medication),
            (DISCONTINUED, self.discontinue_an_order),
        ]
        weights = [w for w, _ in actions]
        self.rng.choices([a for _, a in actions], weights)[0]()

    def _stays(self, predicate: Callable[[Stay], bool]) -> list[Stay]:
        """Open (pending or admitted) stays of the simulator's own that match."""
        own = self.work.encounters
        return [
            s
            for s in self.state[Stays].open_stays.values()
            if s.encounter_id in own and predicate(s)
        ]

    def request_admission(self, unit_id: str | None = None) -> str | None:
        self._serial += 1
        encounter_id = f"V{self.rng.randrange(10**6, 10**7)}{self._serial}"
        unit_id = unit_id or self.rng.choice(list(self.state[Layout].units))
        data = {
            "encounter_id": encounter_id,
            "mrn": f"MRN{self.rng.randrange(10**6, 10**7)}",
            "family_name": self.rng.choice(FAMILY),
            "given_name": self.rng.choice(GIVEN),
            "birth_date": f"{self.rng.randrange(1932, 2006)}-{self.rng.randrange(1, 13):02d}-"
            f"{self.rng.randrange(1, 29):02d}",
            "sex": self.rng.choice("FM") if self.rng.random() > 0.02 else "X",
            "unit_id": unit_id,
            "source": self.rng.choice(["ed", "ed", "direct", "or", "transfer"]),
            "attending": self.rng.choice(ATTENDINGS),
            "isolation": self.rng.choices(
                ["none", "contact", "droplet", "airborne"], [85, 8, 5, 2]
            )[0],
            "fall_risk": self.rng.random() < 0.25,
            "confidential": self.rng.random() < 0.04,
        }
        return encounter_id if self.run("RequestAdmission", data) else None

    def admit_into(self, bed_id: str) -> None:
        bed = self.beds[bed_id]
        encounter_id = self.request_admission(bed.unit_id)
        if encounter_id and self.run("AssignBed", {"encounter_id": encounter_id, "bed_id": bed_id}):
            self.run("MarkArrived", {"encounter_id": encounter_id})
        elif encounter_id:
            self.run("CancelAdmission", {"encounter_id": encounter_id, "reason": "demo seed"})

    def assign_waiting(self) -> None:
        waiting = self._stays(
            lambda s: (
                s.reserved_bed_id is None
                and (
                    s.status == "pending"
                    or (s.status == "admitted" and bool(s.transfer_to_unit_id))
                )
            )
        )
        if not waiting:
            return
        stay = self.rng.choice(waiting)
        unit_id = stay.transfer_to_unit_id or stay.unit_id
        beds = [b for b in self.beds.values() if b.unit_id == unit_id]
        self.rng.shuffle(beds)
        for bed in beds:
            if self.run("AssignBed", {"encounter_id": stay.encounter_id, "bed_id": bed.bed_id}):
                return

    def arrive_reserved(self) -> None:
        """A patient reaches their new bed (a transport to it records the arrival itself)."""
        moving = self._under_way()
        coming = self._stays(
            lambda s: s.active and s.reserved_bed_id is not None and s.encounter_id not in moving
        )
        if coming:
            self.run("MarkArrived", {"encounter_id": self.rng.choice(coming).encounter_id})

    def order_discharge(self) -> None:
        staying = self._stays(lambda s: s.status == "admitted" and not s.discharge_ordered)
        if staying:
            self.run("OrderDischarge", {"encounter_id": self.rng.choice(staying).encounter_id})

    def discharge_ordered(self) -> None:
        moving = self._under_way()
        leaving = self._stays(
            lambda s: (
                s.status == "admitted" and s.discharge_ordered and s.encounter_id not in moving
            )
        )
        if leaving:
            self.run("DischargePatient", {"encounter_id": self.rng.choice(leaving).encounter_id})

    def clean_a_bed(self) -> None:
        own = self.work.beds
        beds = [
            b
            for b in self.beds.values()
            if b.bed_id in own and b.cleanliness != "clean" and b.occupancy != "occupied"
        ]
        if not beds:
            return
        bed = self.rng.choice(beds)
        name = "StartCleaning" if bed.cleanliness == "dirty" else "MarkBedClean"
        self.run(name, {"bed_id": bed.bed_id}, actor=self.evs)

    def move_someone(self) -> None:
        moving = self._under_way()
        staying = self._stays(lambda s: s.status == "admitted" and s.encounter_id not in moving)
        if not staying:
            return
        stay = self.rng.choice(staying)
        beds = [
            b for b in self.beds.values() if b.unit_id == stay.unit_id and b.occupancy == "vacant"
        ]
        if beds:
            self.run(
                "MovePatient",
                {"encounter_id": stay.encounter_id, "bed_id": self.rng.choice(beds).bed_id},
            )

    def transfer_someone(self) -> None:
        staying = self._stays(lambda s: s.status == "admitted" and s.transfer_to_unit_id is None)
        if not staying:
            return
        stay = self.rng.choice(staying)
        others = [u for u in self.state[Layout].units if u != stay.unit_id]
        self.run(
            "RequestTransfer",
            {
                "encounter_id": stay.encounter_id,
                "to_unit_id": self.rng.choice(others),
                "reason": "level of care",
            },
        )

    def assign_a_nurse(self) -> None:
        """The charge nurse gives a patient of the simulator's without a nurse to one of the
        unit's nurses (the demo's nurse and nurse2 on 4W), so their phones have patients and
        the ladder's first step someone to page."""
        nurses = self._nurses_by_unit()
        unassigned = self._stays(
            lambda s: s.status == "admitted" and s.nurse is None and s.unit_id in nurses
        )
        if unassigned:
            stay = self.rng.choice(unassigned)
            self._assign(stay, self.rng.choice(nurses[stay.unit_id]))

    def _nurses_by_unit(self) -> dict[str, list[str]]:
        by_unit: dict[str, list[str]] = {}
        for person in self.service.people.everyone():
            if person.role == "nurse" and person.active:
                for unit_id in person.units:
                    by_unit.setdefault(unit_id, []).append(person.username)
        return by_unit

    def _assign(self, stay: Stay, nurse: str) -> None:
        data = {"encounter_id": stay.encounter_id, "nurse": nurse}
        self.run("AssignNurse", data, actor=self.charge)

    def page_a_nurse(self) -> None:
        """The desk pages a patient's nurse about them, as desks do all shift long."""
        nursed = self._stays(lambda s: s.status == "admitted" and s.nurse is not None)
        if not nursed:
            return
        stay = self.rng.choice(nursed)
        message, priority = self.rng.choice(DESK_PAGES)
        data = {
            "to": stay.nurse,
            "message": message,
            "priority": priority,
            "regarding": stay.encounter_id,
            "callback": "x4410",
        }
        self.run("SendPage", data)

    # -- call lights: a few per unit an hour, answered in a minute or two, cleared later --

    def _own_lights(self, predicate: Callable[[Call], bool]) -> list[Call]:
        own = self.work.calls
        return [c for c in self.state[Calls].active.values() if c.call_id in own and predicate(c)]

    def press_a_call_light(self) -> None:
        in_bed = self._stays(lambda s: s.status == "admitted" and s.bed_id is not None)
        if not in_bed:
            return
        stay = self.rng.choice(in_bed)
        kind = self.rng.choices(list(LIGHT_KINDS), list(LIGHT_KINDS.values()))[0]
        self.run("RaiseCallLight", {"bed_id": stay.bed_id, "kind": kind}, actor=self.nurse_call)

    def answer_a_call_light(self) -> None:
        """The desk answers over the intercom; some lights wait long enough to escalate."""
        waiting = self._own_lights(lambda c: c.status == "raised" and self.rng.random() < 0.5)
        if waiting:
            call = self.rng.choice(waiting)
            note = NEEDS.get(call.kind, "on the way")
            self.run("AnswerCallLight", {"call_id": call.call_id, "note": note})

    def clear_a_call_light(self) -> None:
        """Staff reach the bedside and reset the light (a code blue, whatever its state)."""
        answered = self._own_lights(
            lambda c: (c.status == "answered" or c.kind == "code_blue") and self.rng.random() < 0.4
        )
        if answered:
            call = self.rng.choice(answered)
            self.run("ClearCallLight", {"call_id": call.call_id}, actor=self.nurse_call)

    # -- orders: the desk and the charge nurse enter, the rounds (orders.py) follow up ------

    def enter_an_order(self) -> bool:
        """The desk enters what a provider directed for a patient of its own (admitted or
        waiting for a bed); never a medication."""
        stays = self._stays(lambda s: s.active)
        if not stays:
            return False
        category = weighted(DESK_CATEGORIES, self.rng)
        return self._enter(self.rng.choice(stays), category, DESK_MODES, self.desk)

    def enter_a_medication(self) -> bool:
        """The charge nurse enters a medication order (a secretary may not)."""
        stays = self._stays(lambda s: s.status == "admitted")
        if not stays:
            return False
        return self._enter(self.rng.choice(stays), "medication", NURSE_MODES, self.charge)

    def _enter(
        self, stay: Stay, category: OrderCategory, modes: dict[str, float], actor: Actor
    ) -> bool:
        provider = self.rounds.directing_provider(self.rng)
        if provider is None:
            return False
        nurses = self._nurses_by_unit().get(stay.unit_id, [])
        data = requisition(stay, category, modes, provider, self.rng, nurses)
        return self.run("EnterOrder", data, actor=actor)

    def discontinue_an_order(self) -> bool:
        """The charge nurse discontinues one of the simulator's orders, with a reason."""
        orders = self.rounds.to_discontinue()
        if not orders:
            return False
        order = self.rng.choice(orders)
        data = {"order_id": order.order_id, "reason": self.rng.choice(DISCONTINUE_REASONS)}
        return self.run("DiscontinueOrder", data, actor=self.charge)

    # -- transports: the desk asks, the crew (transporters.py) carries them out ------------

    def _under_way(self) -> set[str]:
        """The simulator's patients a transport has in hand: an open job whose clock started
        less than UNDER_WAY_MINUTES ago, or a procedure they were taken to as lately."""
        since = self.clock() - dt.timedelta(minutes=UNDER_WAY_MINUTES)
        jobs = self.state[Transport].jobs.values()
        moving = {job.encounter_id for job in jobs if starts_at(job) > since}
        for encounter_id, delivery in self.work.deliveries.items():
            at = moment(delivery.at)
            if delivery.destination in PROCEDURES and at is not None and at > since:
                moving.add(encounter_id)
        return moving

    def request_a_transport(self) -> None:
        """The desk asks for a move of a patient of its own in a bed with no job open: back
        from a procedure that is over, else (as each is possible) to a procedure, to the
        bed a transfer reserved, or to the discharge lounge."""
        part = self.state[Transport]
        places = self.state[Layout].places
        moving = {job.encounter_id for job in part.jobs.values()}
        ready = self._stays(
            lambda s: (
                s.status == "admitted" and s.bed_id is not None and s.encounter_id not in moving
            )
        )
        back = [s for s in ready if self._procedure_over(s)]
        if back:
            stay = self.rng.choice(back)
            origin = self.work.deliveries[stay.encounter_id].destination
            self._request(stay, str(stay.bed_id), origin=origin, priority="routine")
            return
        here = [s for s in ready if self._taken_to(s) not in (*PROCEDURES, DISCHARGE_LOUNGE)]
        procedures = [p for p in PROCEDURES if p in places]
        staying = [s for s in here if not s.discharge_ordered and s.reserved_bed_id is None]
        trips: dict[str, list[Stay]] = {
            "procedure": staying if procedures else [],
            "transfer": [s for s in here if s.reserved_bed_id is not None],
            "lounge": [s for s in here if s.discharge_ordered and DISCHARGE_LOUNGE in places],
        }
        possible = [trip for trip, stays in trips.items() if stays]
        if not possible:
            return
        trip = self.rng.choices(possible, [TRIPS[t] for t in possible])[0]
        stay = self.rng.choice(trips[trip])
        if trip == "procedure":
            weights = [PROCEDURES[p] for p in procedures]
            self._request(stay, self.rng.choices(procedures, weights)[0], booked=True)
        elif trip == "transfer":
            self._request(stay, str(stay.reserved_bed_id))
        else:
            self._request(stay, DISCHARGE_LOUNGE, priority="routine")

    def _taken_to(self, stay: Stay) -> str | None:
        """Where a transport last took the patient (None: nowhere yet)."""
        delivery = self.work.deliveries.get(stay.encounter_id)
        return delivery.destination if delivery is not None else None

    def _procedure_over(self, stay: Stay) -> bool:
        """The patient is at a procedure, and it is over: time to go back to bed."""
        delivery = self.work.deliveries.get(stay.encounter_id)
        delivered = moment(delivery.at) if delivery is not None else None
        if delivery is None or delivered is None or delivery.destination not in PROCEDURES:
            return False
        there = minutes(AT_PROCEDURE_MINUTES, draw("procedure", stay.encounter_id, delivery.at))
        return self.clock() >= delivered + there

    def _request(
        self,
        stay: Stay,
        destination: str,
        origin: str | None = None,
        priority: str | None = None,
        booked: bool = False,
    ) -> bool:
        rng = self.rng
        data: dict[str, Any] = {
            "encounter_id": stay.encounter_id,
            "destination": destination,
            "priority": priority
            or rng.choices(list(TRANSPORT_PRIORITIES), list(TRANSPORT_PRIORITIES.values()))[0],
            "mode": rng.choices(list(TRANSPORT_MODES), list(TRANSPORT_MODES.values()))[0],
            "needs": [need for need, share in TRANSPORT_NEEDS.items() if rng.random() < share],
        }
        if origin is not None:
            data["origin"] = origin
        if booked and rng.random() < SCHEDULED:
            ahead = minutes(SCHEDULED_MINUTES, rng)
            data["scheduled_for"] = (self.clock() + ahead).isoformat(timespec="seconds")
        return self.run("RequestTransport", data)
