"""The declaration of this aggregate: registered once, in domain/aggregates.py."""

from unitboard.domain.hospital import Hospital
from unitboard.domain.registry import SYSTEM, Aggregate, command
from unitboard.domain.transport import commands as c
from unitboard.domain.transport import decide, events
from unitboard.domain.transport.evolve import EVOLVERS
from unitboard.domain.transport.offers import job_offers, request_offers
from unitboard.domain.transport.places import spot
from unitboard.domain.transport.reactions import REACTIONS
from unitboard.domain.transport.state import Transport
from unitboard.domain.transport.timers import TIMERS

REQUESTING = {"secretary", "charge_nurse", "nurse"}
DESK = {"secretary", "charge_nurse"}
TRANSPORTERS = {"transport"}
JOB = {"transport"}
"""Most steps write the job's stream; those that free or busy a transporter write theirs."""
JOB_AND_PEOPLE = {"transport", "transporter"}


def units_of_transport(state: Hospital, transport_id: str) -> list[str]:
    """The patient's unit, and the units of the job's origin and destination."""
    job = state[Transport].find(transport_id)
    if job is None:
        return []
    units = [job.unit_id]
    for end in (job.origin, job.destination):
        found = spot(state, end)
        if found is not None and found.unit_id is not None:
            units.append(found.unit_id)
    return units


AGGREGATE = Aggregate(
    name="transport",
    part=Transport,
    commands=[
        command(c.RequestTransport, decide.request_transport, REQUESTING, JOB),
        command(c.AssignTransport, decide.assign_transport, DESK, JOB_AND_PEOPLE),
        command(c.AcceptTransport, decide.accept_transport, TRANSPORTERS, JOB_AND_PEOPLE),
        command(c.DeclineTransport, decide.decline_transport, TRANSPORTERS, JOB_AND_PEOPLE),
        command(c.PickUpTransport, decide.pick_up_transport, TRANSPORTERS, JOB),
        command(
            c.CompleteTransport,
            decide.complete_transport,
            TRANSPORTERS,
            {"transport", "transporter", "stay", "bed"},
        ),
        command(c.CancelTransport, decide.cancel_transport, DESK, JOB_AND_PEOPLE),
        command(
            c.SetTransporterStatus, decide.set_transporter_status, TRANSPORTERS, {"transporter"}
        ),
        command(c.OfferTransport, decide.offer_transport, {SYSTEM}, JOB_AND_PEOPLE),
        command(c.ExpireTransportOffer, decide.expire_transport_offer, {SYSTEM}, JOB_AND_PEOPLE),
        command(c.QueueTransport, decide.queue_transport, {SYSTEM}, JOB),
        command(c.MarkTransportLate, decide.mark_transport_late, {SYSTEM}, {"transport", "page"}),
    ],
    events=events.EVENTS,
    evolvers=EVOLVERS,
    locate={"transport": units_of_transport},
    offers={"transport": job_offers, "stay": request_offers},
    timers=TIMERS,
    reactions=REACTIONS,
)
"""What the desk asks of a transport, what a transporter does with one, and what the
scheduler sends, in the system role, when dispatch offers a job, an offer runs out, a
scheduled job joins the queue or a job turns late."""
