"""The Prometheus metrics of a server process, served at GET /metrics: what the people who
run unitboard graph and alert on. Counts and timings only, never a patient.

Two kinds live here. What happens (commands answered, HL7 messages acknowledged) is counted
as it happens, in counters and histograms. What already is counted elsewhere (screens
connected, pushes, event-loop lag, the scheduler, open transport jobs, orders awaiting
co-signature) is read from where it is kept when Prometheus scrapes (`RuntimeCollector`),
so there is one source for each number, shared with the JSON summary at /metrics.json.

Each Runtime has a registry of its own (`Telemetry`): several apps built in one process,
as the tests build them, never count each other's commands. HL7 messages are counted per
process (`count_hl7_message`, called by the feed, which has no Runtime at hand), and every
runtime's registry shows them.

Label values come from outside (a command's name from the request, an HL7 event from the
message): each label keeps a bounded set of values, so that nobody can grow the number of
series without end by sending made-up names."""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import disable_created_metrics as _disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from unitboard.domain.orders.state import Orders
from unitboard.domain.prints.state import Prints
from unitboard.domain.transport.state import Transport

if TYPE_CHECKING:
    from unitboard.runtime import Runtime

__all__ = [
    "COMMAND_SECONDS_BUCKETS",
    "HL7_ACKS",
    "RuntimeCollector",
    "Telemetry",
    "count_hl7_message",
    "observe_hl7_seconds",
]

_disable_created_metrics()  # type: ignore[no-untyped-call]  # the library leaves it untyped
"""No `_created` series beside every counter: Prometheus does not use them and they double
the size of each scrape."""

COMMAND_SECONDS_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
"""A command takes about a millisecond when the database is well; the top buckets show a
database that struggles (a write gives up at WRITE_SECONDS)."""

HL7_SECONDS_BUCKETS = COMMAND_SECONDS_BUCKETS
QUANTILES = (0.5, 0.99, 1.0)
"""The quantiles of the windowed timings (loop lag, scheduler lateness): 1.0 is the worst."""

UNKNOWN_COMMAND = "unknown"
OTHER = "other"
HL7_ACKS = frozenset({"AA", "AE", "AR", "CA", "CE", "CR"})
"""HL7 table 0008: the original mode (AA, AE, AR) and the enhanced mode (CA, CE, CR)."""
HL7_EVENT = re.compile(r"[A-Z]{3}(\^[A-Z0-9]{3})?")
"""A message type with its trigger event, as MSH-9 gives them: `ADT^A01`."""
HL7_EVENTS_KEPT = 64
"""Distinct HL7 events counted by name; any more are counted as `other`."""


class BoundedLabel:
    """The values one label may take: those `known` (all of them, when given), else the
    first `limit` seen; anything else is `fallback`."""

    def __init__(
        self,
        fallback: str,
        *,
        known: Collection[str] | None = None,
        pattern: re.Pattern[str] | None = None,
        limit: int = HL7_EVENTS_KEPT,
    ) -> None:
        self.fallback = fallback
        self.known = known
        self.pattern = pattern
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if self.known is not None:
            return value if value in self.known else self.fallback
        if value in self._seen:
            return value
        if self.pattern is not None and not self.pattern.fullmatch(value):
            return self.fallback
        with self._lock:
            if len(self._seen) >= self.limit:
                return self.fallback
            self._seen.add(value)
        return value


# The HL7 feed's numbers: one set per process (see the module's docstring).
_HL7_MESSAGES = Counter(
    "unitboard_hl7_messages",
    "HL7 v2 messages answered on the MLLP port, by message type and trigger event "
    "(MSH-9, e.g. ADT^A01) and the ACK code sent back (MSA-1: AA, AE or AR).",
    ["event", "ack"],
    registry=None,
)
_HL7_SECONDS = Histogram(
    "unitboard_hl7_message_duration_seconds",
    "Seconds from an HL7 message's last byte to its ACK, by message type and trigger event.",
    ["event"],
    buckets=HL7_SECONDS_BUCKETS,
    registry=None,
)
_hl7_event = BoundedLabel(OTHER, pattern=HL7_EVENT)
_hl7_ack = BoundedLabel(OTHER, known=HL7_ACKS)


def count_hl7_message(event: str, ack: str) -> None:
    """Count one HL7 message answered: `event` as MSH-9 gives it (`ADT^A01`; anything that
    is not a message type is counted as `other`), `ack` the code sent back (`AA`, `AE`,
    `AR`)."""
    _HL7_MESSAGES.labels(event=_hl7_event(event), ack=_hl7_ack(ack)).inc()


def observe_hl7_seconds(event: str, seconds: float) -> None:
    """Record how long one HL7 message took, from its arrival to its ACK."""
    _HL7_SECONDS.labels(event=_hl7_event(event)).observe(seconds)


class Telemetry:
    """One Runtime's registry: its commands, its running numbers (read at scrape time), the
    process's HL7 feed, and the Python process itself (memory, CPU, collector)."""

    def __init__(self, runtime: Runtime) -> None:
        self.registry = CollectorRegistry()
        self._command = BoundedLabel(UNKNOWN_COMMAND, known=runtime.registry.commands)
        self.commands = Counter(
            "unitboard_commands",
            "Commands answered, by command and outcome: `accepted`, or the refusal's code "
            "(`rule_violation`, `not_found`, `invalid_input`, `forbidden`, ...), or "
            "`failed` when the log could not be written.",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.command_seconds = Histogram(
            "unitboard_command_duration_seconds",
            "Seconds to answer a command on the writer thread (check, decide, append), by "
            "command, refusals included.",
            ["command"],
            buckets=COMMAND_SECONDS_BUCKETS,
            registry=self.registry,
        )
        self._series: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        for collector in (RuntimeCollector(runtime), _HL7_MESSAGES, _HL7_SECONDS):
            self.registry.register(collector)
        for shared in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(shared)

    def command_answered(self, name: str, outcome: str, seconds: float) -> None:
        """An observer of the command service (called on the writer thread). The series of
        each command and outcome are looked up once and kept: `labels()` checks and locks on
        every call, which cost more than counting."""
        series = self._series.get((name, outcome))
        if series is None:
            command = self._command(name)
            series = (
                self.commands.labels(command=command, outcome=outcome),
                self.command_seconds.labels(command=command),
            )
            if command != UNKNOWN_COMMAND:  # made-up names are not kept either
                self._series[(name, outcome)] = series
        counted, timed = series
        counted.inc()
        timed.observe(seconds)

    def exposition(self) -> bytes:
        """The Prometheus text format of everything in this registry."""
        return generate_latest(self.registry)


class RuntimeCollector(Collector):
    """The numbers a Runtime keeps already, read when Prometheus scrapes."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def describe(self) -> Iterable[Metric]:
        return []  # read at scrape time only: the runtime may still be starting

    def collect(self) -> Iterable[Metric]:
        runtime = self.runtime
        yield from self._screens(runtime)
        yield _gauge(
            "unitboard_projection_position",
            "The last position of the event log this process's board shows.",
            runtime.projection.position,
        )
        yield _gauge(
            "unitboard_log_write_failures_in_a_row",
            "Writes to the event log that failed since the last one that got through (a full "
            "disk, a database away); 0 once writes succeed again.",
            runtime.write_health.failures,
        )
        yield _quantiles(
            "unitboard_event_loop_lag_seconds",
            "How late the event loop woke over the last minute (probes every 50 ms), by "
            "quantile; 1 is the worst.",
            runtime.loop_lag.samples,
        )
        yield from self._scheduler(runtime)
        yield from self._doorbell(runtime)
        yield from _board_gauges(runtime)

    @staticmethod
    def _screens(runtime: Runtime) -> Iterable[Metric]:
        hubs = runtime.hubs
        yield _gauge(
            "unitboard_screens_connected",
            "Screens (walls, stations, dispatch) connected over a websocket.",
            sum(hub.count() for hub in hubs),
        )
        yield _gauge(
            "unitboard_event_feed_subscribers",
            "Clients connected to the raw event feed, WS /ws/events.",
            runtime.feed.count(),
        )
        yield _counter(
            "unitboard_screen_renders",
            "Changes rendered for screens (once per view, however many screens show it).",
            sum(hub.renders for hub in hubs),
        )
        yield _counter(
            "unitboard_screen_pushes",
            "Changes pushed to screens (one per screen per render).",
            sum(hub.deliveries for hub in hubs),
        )
        yield _counter(
            "unitboard_screen_push_bytes",
            "Bytes of the changes pushed to screens (UTF-8, before websocket compression).",
            sum(hub.bytes_sent for hub in hubs),
        )

    @staticmethod
    def _scheduler(runtime: Runtime) -> Iterable[Metric]:
        stats = runtime.scheduler.stats
        yield _gauge(
            "unitboard_scheduler_leading",
            "1 when this process fires what falls due (one process leads), else 0.",
            int(stats.leading),
        )
        firings = CounterMetricFamily(
            "unitboard_scheduler_firings",
            "What fell due and was fired, by outcome: `fired` recorded events, "
            "`already_fired` recorded nothing (fired before), `refused` by a rule, "
            "`failed` to be written.",
            labels=["outcome"],
        )
        for outcome, count in [
            ("fired", stats.fired),
            ("already_fired", stats.already),
            ("refused", stats.refused),
            ("failed", stats.failed),
        ]:
            firings.add_metric([outcome], count)
        yield firings
        yield _quantiles(
            "unitboard_scheduler_lateness_seconds",
            "Seconds from a due time to its firing's recording over the last 10,000 "
            "firings, by quantile; 1 is the worst.",
            stats.lateness,
        )

    @staticmethod
    def _doorbell(runtime: Runtime) -> Iterable[Metric]:
        doorbell = runtime.doorbell
        if doorbell is None:
            return
        yield _gauge(
            "unitboard_doorbell_listening",
            "1 while the Redis doorbell is heard (else this process polls the log).",
            int(doorbell.listening),
        )
        yield _counter(
            "unitboard_doorbell_rings_sent", "Doorbell rings sent to Redis.", doorbell.rings_sent
        )
        yield _counter(
            "unitboard_doorbell_rings_failed",
            "Doorbell rings that could not be sent.",
            doorbell.rings_failed,
        )


def _board_gauges(runtime: Runtime) -> Iterable[Metric]:
    """Transport and orders as the JSON summary counts them (web/health.py reads the same
    projections)."""
    transport = runtime.projection.hospital[Transport]
    yield _gauge(
        "unitboard_transport_jobs_open", "Transport jobs not yet ended.", len(transport.jobs)
    )
    yield _gauge(
        "unitboard_transport_jobs_late",
        "Open transport jobs past their due time.",
        sum(job.late for job in transport.jobs.values()),
    )
    yield _gauge(
        "unitboard_transporters_available",
        "Transporters whose status is available.",
        sum(t.status == "available" for t in transport.transporters.values()),
    )
    orders = runtime.projection.hospital[Orders]
    yield _gauge(
        "unitboard_orders_awaiting_cosign",
        "Orders entered for a provider and not yet co-signed.",
        len(orders.unsigned),
    )
    yield _gauge(
        "unitboard_orders_cosign_overdue",
        "Orders awaiting co-signature past their due time.",
        sum(order.overdue for order in orders.unsigned.values()),
    )
    yield _counter(
        "unitboard_prints",
        "Armbands and labels printed, as recorded in the log.",
        runtime.projection.hospital[Prints].count,
    )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, value=value)


def _quantiles(name: str, documentation: str, samples: Sequence[float]) -> GaugeMetricFamily:
    """Gauges by quantile over a window of samples (none while the window is empty)."""
    family = GaugeMetricFamily(name, documentation, labels=["quantile"])
    ordered = sorted(samples)
    for share in QUANTILES:
        if ordered:
            value = ordered[min(len(ordered) - 1, int(share * len(ordered)))]
            family.add_metric([_share(share)], value)
    return family


def _share(share: float) -> str:
    return format(share, "g")
