"""The demo's orders under direction. The simulated desk types what a provider directed from
the requisition (the patient's MRN and birth date copied right, a heard order read back),
in words a ward uses; the simulated charge nurse enters the medications a secretary may not.
Then the rounds: the charge nurse acknowledges the orders of patients no nurse has (a
nurse's patient's orders wait for that nurse's phone), and the simulated provider co-signs
the orders they directed after a human pause, now and then late enough to turn overdue
under the demo's deadline. The newcomer's provider login directs most orders and co-signs
none but by the person using it: their queue fills. Every pause is drawn from the order's
id and entry time, so a restarted simulator keeps the same pace."""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from unitboard.demo.provenance import SimulatedWork
from unitboard.demo.seed import DEMO_MARK, NEWCOMER_PROVIDER, SIMULATED_PROVIDER
from unitboard.demo.transporters import CREW_SECONDS, Act, Clock, draw, minutes
from unitboard.domain.orders.state import Order, Orders
from unitboard.domain.orders.values import DIRECTING_ROLE, READ_BACK_MODES, OrderCategory
from unitboard.domain.stays.state import Stay, Stays
from unitboard.service.auth import Actor
from unitboard.service.handler import CommandService
from unitboard.service.sessions import SessionPolicy
from unitboard.store.sessions import SessionStore

DETAILS: dict[OrderCategory, tuple[str, ...]] = {
    "lab": (
        "CBC and BMP in the morning",
        "Basic metabolic panel now",
        "Troponin every 6 hours, three times",
        "Blood cultures, two sets, before antibiotics",
        "Lactate now, repeat in 2 hours",
        "Magnesium and phosphorus in the morning",
        "Urinalysis with culture",
        "PT/INR daily",
    ),
    "imaging": (
        "Chest X-ray, portable",
        "CT head without contrast",
        "Ultrasound of the right upper quadrant",
        "Abdominal X-ray, two views",
        "Venous duplex of the left leg",
    ),
    "diet": (
        "NPO after midnight",
        "Cardiac diet, 2 g sodium",
        "Clear liquids, advance as tolerated",
        "Diabetic diet, consistent carbohydrate",
        "Thickened liquids, nectar consistency",
    ),
    "activity": (
        "Up in chair three times a day",
        "Bed rest with bathroom privileges",
        "Walk in the hall four times a day",
        "Out of bed with assistance only",
    ),
    "nursing": (
        "Strict intake and output",
        "Vital signs every 4 hours",
        "Daily weight before breakfast",
        "Fingerstick glucose before meals and at bedtime",
        "Neuro checks every 2 hours",
        "Continuous pulse oximetry",
        "Fall precautions, bed alarm on",
    ),
    "consult": (
        "Physical therapy evaluation",
        "Cardiology consult, new atrial fibrillation",
        "Social work for discharge planning",
        "Wound care nurse consult",
        "Nutrition consult",
    ),
    "therapy": (
        "Incentive spirometer 10 times an hour while awake",
        "Chest physiotherapy twice a day",
        "Oxygen 2 L by nasal cannula, keep saturation above 92%",
        "Occupational therapy, activities of daily living",
    ),
    "medication": (
        "Acetaminophen 650 mg by mouth every 6 hours as needed for pain",
        "Ondansetron 4 mg IV every 8 hours as needed for nausea",
        "Enoxaparin 40 mg subcutaneous once daily",
        "Potassium chloride 20 mEq by mouth once",
        "Furosemide 40 mg IV once, now",
        "Metoprolol tartrate 25 mg by mouth twice a day",
    ),
    "other": (
        "Telemetry monitoring",
        "Sequential compression devices while in bed",
        "Remove the urinary catheter in the morning",
        "Saline lock the IV",
    ),
}
"""What a requisition says, by category."""
DESK_CATEGORIES: dict[OrderCategory, float] = {
    "lab": 26,
    "imaging": 12,
    "diet": 10,
    "activity": 9,
    "nursing": 18,
    "consult": 9,
    "therapy": 8,
    "other": 8,
}
"""What the desk enters, and how often (never medication: a licensed person enters it)."""
STAT_SHARE: dict[OrderCategory, float] = {"lab": 0.2, "imaging": 0.25, "medication": 0.15}
"""The share of STAT orders by category; the rest of the categories now and then (OTHER)."""
OTHER_STAT_SHARE = 0.03
DESK_MODES: dict[str, float] = {"written": 40, "telephone": 25, "verbal": 20, "protocol": 15}
"""How the desk gets an order: a written requisition, a provider on the phone, a verbal
order a nurse heard at the bedside and relays, a standing protocol."""
NURSE_MODES: dict[str, float] = {"verbal": 40, "telephone": 35, "written": 15, "protocol": 10}
"""How the charge nurse gets a medication order: mostly heard, and read back."""
DISCONTINUE_REASONS = (
    "Duplicate order",
    "Changed on rounds",
    "Patient refused",
    "No longer needed",
)

NEWCOMER_SHARE = 0.6
"""The share of orders the newcomer's provider directs (the simulated provider the rest)."""
NEWCOMER_QUEUE = 8
"""The newcomer's provider is given no more while this many of their orders await their
co-signature: their queue fills, and stops growing while nobody works it."""
ACKNOWLEDGE_MINUTES = (1.0, 8.0)
STAT_ACKNOWLEDGE_MINUTES = (0.5, 2.0)
"""From entry to the charge nurse's acknowledgement."""
COSIGN_MINUTES = (3.0, 20.0)
"""From entry to the simulated provider's co-signature, most of the time."""
LATE = 0.15
LATE_MINUTES = (35.0, 55.0)
"""Now and then the provider signs late: past the demo's 30-minute deadline (seed.py's
DEMO_POLICY), so the order turns overdue and pages them first."""
RECENT_HOUR = dt.timedelta(hours=1)
CATCH_UP_ORDERS = 6
"""While the simulator entered fewer orders than this in the last hour (a demo just
started, or started again after a pause), the desk enters them faster: a newcomer finds
orders on the screens within a minute or two."""


def weighted(choices: dict[Any, float], rng: random.Random) -> Any:
    return rng.choices(list(choices), list(choices.values()))[0]


def requisition(
    stay: Stay,
    category: OrderCategory,
    modes: dict[str, float],
    provider: str,
    rng: random.Random,
    nurses: list[str],
) -> dict[str, Any]:
    """EnterOrder's data as typed from the requisition: the stay's own MRN and birth date, a
    heard order read back, a verbal one received by a nurse of the unit (the patient's own
    when they have one) if there is one, else by whoever enters it."""
    mode = weighted(modes, rng)
    stat = rng.random() < STAT_SHARE.get(category, OTHER_STAT_SHARE)
    data: dict[str, Any] = {
        "encounter_id": stay.encounter_id,
        "mrn": stay.mrn,
        "birth_date": stay.birth_date.isoformat(),
        "category": category,
        "detail": rng.choice(DETAILS[category]),
        "priority": "stat" if stat else "routine",
        "mode": mode,
        "directing_provider": provider,
        "read_back": mode in READ_BACK_MODES,
    }
    heard_by = stay.nurse or (rng.choice(nurses) if nurses else None)
    if mode == "verbal" and heard_by is not None:
        data["received_by"] = heard_by
    return data


def acknowledge_at(order: Order) -> dt.datetime:
    span = STAT_ACKNOWLEDGE_MINUTES if order.priority == "stat" else ACKNOWLEDGE_MINUTES
    chance = draw("acknowledge", order.order_id, order.entered_at)
    return dt.datetime.fromisoformat(order.entered_at) + minutes(span, chance)


def cosign_at(order: Order) -> dt.datetime:
    chance = draw("cosign", order.order_id, order.entered_at)
    span = LATE_MINUTES if chance.random() < LATE else COSIGN_MINUTES
    return dt.datetime.fromisoformat(order.entered_at) + minutes(span, chance)


class OrderRounds:
    """Who directs the next order, and what is due on the simulator's orders now."""

    def __init__(
        self,
        service: CommandService,
        act: Act,
        clock: Clock,
        work: SimulatedWork,
        charge: Actor,
    ) -> None:
        self.service = service
        self.act = act
        self.clock = clock
        self.work = work
        self.charge = charge
        self.sessions = SessionStore(service.log.engine)
        self._directing: tuple[str, ...] = ()
        self._signing: Actor | None = None
        self._seen: dt.datetime | None = None

    @property
    def part(self) -> Orders:
        return self.service.state[Orders]

    def catching_up(self) -> bool:
        """Fewer than CATCH_UP_ORDERS orders entered in the last hour, and a provider to
        direct more."""
        since = self.clock() - RECENT_HOUR
        entered = self.work.orders_entered_at
        recent = sum(1 for at in entered if dt.datetime.fromisoformat(at) > since)
        return recent < CATCH_UP_ORDERS and bool(self._look(self.clock())[0])

    def directing_provider(self, rng: random.Random) -> str | None:
        """The newcomer's provider about NEWCOMER_SHARE of the time (while their queue has
        room), else the simulated one; None when neither is an active provider of a
        database the demo made."""
        directing = self._look(self.clock())[0]
        newcomer = NEWCOMER_PROVIDER in directing and self._queue_has_room()
        simulated = SIMULATED_PROVIDER in directing
        if newcomer and (not simulated or rng.random() < NEWCOMER_SHARE):
            return NEWCOMER_PROVIDER
        return SIMULATED_PROVIDER if simulated else None

    def _queue_has_room(self) -> bool:
        unsigned = self.part.unsigned.values()
        waiting = sum(1 for o in unsigned if o.directing_provider == NEWCOMER_PROVIDER)
        return waiting < NEWCOMER_QUEUE

    def to_discontinue(self) -> list[Order]:
        """The simulator's orders still active, of patients still in the hospital."""
        open_stays = self.service.state[Stays].open_stays
        orders = (self.part.orders.get(order_id) for order_id in sorted(self.work.orders))
        return [o for o in orders if o and o.active and o.encounter_id in open_stays]

    # -- the rounds ------------------------------------------------------------------------

    def turn(self) -> None:
        """The charge nurse acknowledges, and the simulated provider co-signs, what is due."""
        now = self.clock()
        provider = self._look(now)[1]
        for order_id in sorted(self.work.orders):
            order = self.part.orders.get(order_id)
            if order is None or order.cosigned:
                continue
            if self._acknowledgement_due(order, now):
                self.act("AcknowledgeOrder", {"order_id": order_id}, self.charge)
            mine = provider is not None and order.directing_provider == provider.name
            if mine and now >= cosign_at(order):
                assert provider is not None
                self._cosign(order, provider)

    def _acknowledgement_due(self, order: Order, now: dt.datetime) -> bool:
        """Active, unacknowledged, of a patient in the hospital whom no nurse has, and the
        charge nurse's pause is over."""
        if not order.active or order.acknowledged_by is not None:
            return False
        stay = self.service.state[Stays].open_stays.get(order.encounter_id)
        return stay is not None and stay.nurse is None and now >= acknowledge_at(order)

    def _cosign(self, order: Order, provider: Actor) -> None:
        """Signed; the page its deadline sent them, if it turned overdue, answered too."""
        page_id = order.overdue_page
        if self.act("CosignOrder", {"order_id": order.order_id}, provider) and page_id:
            self.act("AcknowledgePage", {"page_id": page_id}, provider)

    # -- who acts ----------------------------------------------------------------------------

    def _look(self, now: dt.datetime) -> tuple[tuple[str, ...], Actor | None]:
        """The demo's providers who may direct an order (active, in a database the demo
        made), and the simulated provider while nobody is logged in as them; looked up
        again every CREW_SECONDS."""
        seen = self._seen
        if seen is None or abs((now - seen).total_seconds()) >= CREW_SECONDS:
            self._directing, self._signing = self._find_providers()
            self._seen = now
        return self._directing, self._signing

    def _find_providers(self) -> tuple[tuple[str, ...], Actor | None]:
        if self.service.credentials.get_setting(DEMO_MARK) is None:
            return (), None  # real people log in here: nobody's orders are the demo's
        people = [self.service.people.person(u) for u in (NEWCOMER_PROVIDER, SIMULATED_PROVIDER)]
        active = {p.username: p for p in people if p and p.active and p.role == DIRECTING_ROLE}
        simulated = active.get(SIMULATED_PROVIDER)
        if simulated is None or SIMULATED_PROVIDER in self._logged_in():
            return tuple(active), None
        return tuple(active), Actor(SIMULATED_PROVIDER, DIRECTING_ROLE, None, simulated.name)

    def _logged_in(self) -> set[str]:
        """Who has a login in use (seen within the idle timeout)."""
        now = time.time()
        idle = SessionPolicy().idle_seconds
        return {
            row.username
            for row in self.sessions.open_sessions(now)
            if row.username is not None and now - row.last_seen_at <= idle
        }
