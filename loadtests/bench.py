"""`make bench`: every benchmark in one run, on this machine, from a fresh log each time.
Prints a table (markdown, for the README) and writes bench/results.json (the headline
numbers) and bench/details.json (everything each benchmark measured).

    python loadtests/bench.py [--quick]

The fan-out, appends, replay and memory; then the faults: a reconnect storm, commands with
Redis frozen, a reader during a login flood; then call lights to the wall displays and the
scheduler's lateness; then transport jobs to the transporters' tablets; then the EHR's ADT
feed (HL7 over MLLP) against the same patient movements through the API, and to the wall.

`--quick` shrinks every benchmark (200 screens, 10 s, 100,000 events) to try the harness;
its numbers are not the benchmark's. Exit code 1 when a run loses, repeats or reorders a
push, or a command fails: correctness, never timing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_append  # noqa: E402
import bench_calls  # noqa: E402
import bench_fanout  # noqa: E402
import bench_feed  # noqa: E402
import bench_login_flood  # noqa: E402
import bench_reconnect  # noqa: E402
import bench_redis_frozen  # noqa: E402
import bench_replay  # noqa: E402
import bench_transport  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "bench"

# key, what it is, target, met when
TARGETS: list[tuple[str, str, str, Callable[[Any], bool]]] = [
    ("fanout_p50_ms", "fan-out p50, command -> last screen", "", lambda v: True),
    ("fanout_p99_ms", "fan-out p99, command -> last screen", "<= 50 ms", lambda v: v <= 50),
    ("fanout_max_ms", "fan-out max, command -> last screen", "", lambda v: True),
    ("deliveries_per_s", "pushes delivered per second", "", lambda v: True),
    ("cpu_us_per_delivery", "server CPU per delivery (fan-out)", "", lambda v: True),
    (
        "cpu_ratio_vs_bare_broadcast",
        "  ratio to bare websockets.broadcast()",
        "<= 1.5",
        lambda v: v <= 1.5,
    ),  # fmt: skip
    ("append_sqlite_per_s", "durable appends/s, SQLite", "", lambda v: True),
    ("append_sqlite_ratio_vs_raw", "  ratio to raw sqlite3", ">= 0.7", lambda v: v >= 0.7),
    ("append_pg_per_s", "durable appends/s, PostgreSQL", "", lambda v: True),
    ("append_pg_ratio_vs_raw", "  ratio to raw psycopg", ">= 0.7", lambda v: v >= 0.7),
    ("replay_1m_s", "rebuild from 1,000,000 events, s", "<= 10 s", lambda v: v <= 10),
    ("kib_per_screen", "memory per idle screen, KiB", "<= 32", lambda v: v <= 32),
    ("loop_lag_p99_ms", "event-loop lag p99 during fan-out", "<= 20 ms", lambda v: v <= 20),
    (
        "reconnect_all_caught_up_s",
        "reconnect storm (1,000 subscribers, 1,000-event backlog): all caught up, s",
        "< 3 s",
        lambda v: v < 3,
    ),
    ("reconnect_single_s", "  one subscriber alone (baseline), s", "", lambda v: True),
    ("reconnect_loop_lag_max_ms", "  loop lag max during the storm, ms", "", lambda v: True),
    ("reconnect_peak_rss_mib", "  peak RSS (VmHWM), MiB", "", lambda v: True),
    (
        "redis_frozen_command_p99_ms",
        "command p99 with Redis frozen (SIGSTOP), ms",
        "< 100 ms",
        lambda v: v < 100,
    ),
    ("redis_running_command_p99_ms", "  Redis running (baseline), ms", "", lambda v: True),
    (
        "login_flood_reader_p99_ms",
        "reader p99 during 64 concurrent logins, ms",
        "< 100 ms",
        lambda v: v < 100,
    ),
    ("reader_alone_p99_ms", "  reader alone (baseline), ms", "", lambda v: True),
    (
        "call_raise_to_screen_p99_ms",
        "call light raised -> last wall display, p99 (200 lights, 50 units), ms",
        "<= 50 ms",
        lambda v: v <= 50,
    ),
    ("call_baseline_bed_change_p99_ms", "  a bed change (baseline), ms", "", lambda v: True),
    (
        "scheduler_lateness_p99_ms",
        "scheduler lateness p99, due -> recorded (1,000 due times), ms",
        "<= 1000 ms",
        lambda v: v <= 1000,
    ),
    ("scheduler_missed_or_doubled", "  due times missed or fired twice", "0", lambda v: v == 0),
    (
        "transport_command_to_tablet_p99_ms",
        "transport command -> tablet p99 (50 tablets, 2,000 walls, 20 jobs/min), ms",
        "<= 50 ms",
        lambda v: v <= 50,
    ),
    (
        "transport_baseline_bed_change_p99_ms",
        "  a bed change -> wall (baseline), ms",
        "",
        lambda v: True,
    ),
    (
        "transport_offer_lateness_p99_ms",
        "auto dispatch offer lateness p99, due -> offered, ms",
        "<= 1000 ms",
        lambda v: v <= 1000,
    ),
    ("transport_jobs_not_completed", "  jobs not completed, offers doubled", "0", lambda v: v == 0),
    (
        "feed_msgs_per_s_1",
        "ADT messages/s, 1 MLLP connection (A01/A08/A03, ACKed AA once durable)",
        "",
        lambda v: True,
    ),
    ("api_msgs_per_s_1", "  the same through the HTTP API, 1 client", "", lambda v: True),
    ("feed_vs_api_ratio_1", "  ratio feed / API, per patient movement", ">= 1", lambda v: v >= 1),
    ("feed_msgs_per_s_8", "ADT messages/s, 8 MLLP connections", "", lambda v: True),
    ("api_msgs_per_s_8", "  the same through the HTTP API, 8 clients", "", lambda v: True),
    ("feed_vs_api_ratio_8", "  ratio feed / API, per patient movement", ">= 1", lambda v: v >= 1),
    ("feed_to_wall_p50_ms", "ADT A01 -> last wall display p50, ms", "", lambda v: True),
    ("feed_to_wall_p99_ms", "ADT A01 -> last wall display p99, ms", "<= 50 ms", lambda v: v <= 50),
    ("feed_failed", "  not ACKed AA, refused, or missed on a wall", "0", lambda v: v == 0),
    ("misses", "pushes missed", "0", lambda v: v == 0),
    ("duplicates", "pushes repeated", "0", lambda v: v == 0),
    ("gaps", "pushes out of order", "0", lambda v: v == 0),
]


def headline(
    fanout: dict[str, Any],
    append: dict[str, Any],
    replay: dict[str, Any],
    faults: dict[str, Any],
    calls: dict[str, Any],
    transport: dict[str, Any],
    feed: dict[str, Any],
) -> dict:
    ours = fanout["unitboard"]
    storm = faults["reconnect"]["headline"]
    frozen = faults["redis_frozen"]["unitboard"]
    flood = faults["login_flood"]
    return {
        "fanout_p50_ms": ours["p50_ms"],
        "fanout_p99_ms": ours["p99_ms"],
        "fanout_max_ms": ours["max_ms"],
        "deliveries_per_s": ours["deliveries_per_s"],
        "cpu_us_per_delivery": ours["cpu_us_per_delivery"],
        "cpu_ratio_vs_bare_broadcast": fanout["cpu_ratio_vs_bare_broadcast"],
        "append_sqlite_per_s": append["sqlite"]["per_s"],
        "append_sqlite_ratio_vs_raw": append["sqlite"]["ratio_vs_raw"],
        "append_pg_per_s": append["postgresql"]["per_s"],
        "append_pg_ratio_vs_raw": append["postgresql"]["ratio_vs_raw"],
        "replay_1m_s": replay["replay_s"],
        "kib_per_screen": ours["kib_per_screen"],
        "loop_lag_p99_ms": ours["loop_lag"]["p99_ms"],
        "reconnect_all_caught_up_s": storm["all_caught_up_s"],
        "reconnect_single_s": storm["single_subscriber_catch_up_s"],
        "reconnect_loop_lag_max_ms": storm["loop_lag_max_ms"],
        "reconnect_peak_rss_mib": storm["peak_rss_mib"],
        "redis_frozen_command_p99_ms": frozen["redis_frozen"]["p99_ms"],
        "redis_running_command_p99_ms": frozen["redis_running"]["p99_ms"],
        "login_flood_reader_p99_ms": flood["reader_p99_during_flood_ms"],
        "reader_alone_p99_ms": flood["alone"]["reader_p99_ms"],
        "call_raise_to_screen_p99_ms": calls["raise_to_screen"]["p99_ms"],
        "call_baseline_bed_change_p99_ms": calls["baseline_bed_change_to_screen"]["p99_ms"],
        "scheduler_lateness_p99_ms": calls["scheduler_lateness"]["p99_ms"],
        "scheduler_missed_or_doubled": calls["scheduler_lateness"]["missed"]
        + calls["scheduler_lateness"]["doubled"]
        + calls["raise_to_screen"]["misses"],
        "transport_command_to_tablet_p99_ms": transport["command_to_tablet"]["p99_ms"],
        "transport_baseline_bed_change_p99_ms": transport["baseline_bed_change_to_wall"]["p99_ms"],
        "transport_offer_lateness_p99_ms": transport["offer_lateness"]["p99_ms"],
        "transport_jobs_not_completed": transport["jobs"]
        - transport["jobs_completed"]
        + transport["offer_lateness"]["doubled"]
        + transport["command_to_tablet"]["misses"],
        "feed_msgs_per_s_1": feed["feed"]["1"]["messages_per_s"],
        "api_msgs_per_s_1": feed["api"]["1"]["messages_per_s"],
        "feed_vs_api_ratio_1": feed["ratio_feed_vs_api_1"],
        "feed_msgs_per_s_8": feed["feed"]["8"]["messages_per_s"],
        "api_msgs_per_s_8": feed["api"]["8"]["messages_per_s"],
        "feed_vs_api_ratio_8": feed["ratio_feed_vs_api_8"],
        "feed_to_wall_p50_ms": feed["to_wall"]["p50_ms"],
        "feed_to_wall_p99_ms": feed["to_wall"]["p99_ms"],
        "feed_failed": feed["failed"],
        "misses": ours["misses"],
        "duplicates": ours["duplicates"],
        "gaps": ours["gaps"],
    }


def table(results: dict[str, Any], fanout: dict[str, Any]) -> str:
    rows = ["| measure | unitboard | target | met |", "|---|---|---|---|"]
    for key, label, target, met in TARGETS:
        value = results[key]
        verdict = ("yes" if met(value) else "**no**") if target else ""
        rows.append(f"| {label} (`{key}`) | {value:,} | {target} | {verdict} |")
    bare, ours = fanout["bare_broadcast"], fanout["unitboard"]
    rows += [
        "",
        "| fan-out, side by side | unitboard | bare `websockets.broadcast()` |",
        "|---|---|---|",
        f"| p50 / p99 / max ms | {ours['p50_ms']} / {ours['p99_ms']} / {ours['max_ms']} "
        f"| {bare['p50_ms']} / {bare['p99_ms']} / {bare['max_ms']} |",
        f"| deliveries/s | {ours['deliveries_per_s']:,} | {bare['deliveries_per_s']:,} |",
        f"| CPU us per delivery (fan-out) | {ours['cpu_us_per_delivery']} "
        f"| {bare['cpu_us_per_delivery']} |",
        f"| CPU us per delivery, all in (commands too) | {ours['cpu_us_per_delivery_all_in']} "
        f"| {bare['cpu_us_per_delivery']} |",
        f"| bytes per push | {ours['bytes_per_push']:,} | {bare['bytes_per_push']:,} |",
        f"| KiB per idle screen | {ours['kib_per_screen']} | {bare['kib_per_screen']} |",
    ]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    fanout_args = bench_fanout.parser().parse_args([])
    events = 1_000_000
    if options.quick:
        fanout_args.screens, fanout_args.units, fanout_args.seconds = 200, 10, 10.0
        events = 100_000
    print("fan-out ...", file=sys.stderr, flush=True)
    fanout = bench_fanout.run(fanout_args)
    print("append ...", file=sys.stderr, flush=True)
    append = bench_append.run(2000, bench_append.POSTGRES_URL)
    print("replay ...", file=sys.stderr, flush=True)
    replay = bench_replay.run(events, None)
    print("reconnect storm ...", file=sys.stderr, flush=True)
    faults = {"reconnect": bench_reconnect.run(options.quick)}
    print("commands with Redis frozen ...", file=sys.stderr, flush=True)
    faults["redis_frozen"] = bench_redis_frozen.run(options.quick)
    print("login flood ...", file=sys.stderr, flush=True)
    faults["login_flood"] = bench_login_flood.run(options.quick)
    print("call lights and the scheduler ...", file=sys.stderr, flush=True)
    calls_args = bench_calls.parser().parse_args([])
    if options.quick:
        calls_args.units, calls_args.lights, calls_args.pages = 10, 40, 200
    calls = bench_calls.run(calls_args)
    print("transport ...", file=sys.stderr, flush=True)
    transport_args = bench_transport.parser().parse_args([])
    if options.quick:
        transport_args.units, transport_args.walls, transport_args.transporters = 10, 200, 10
        transport_args.minutes = 1.0
    transport = bench_transport.run(transport_args)
    print("the ADT feed ...", file=sys.stderr, flush=True)
    feed_args = bench_feed.parser().parse_args([])
    if options.quick:
        feed_args.patients, feed_args.walls_units = 60, 4
    feed = bench_feed.run(feed_args)
    results = headline(fanout, append, replay, faults, calls, transport, feed)
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    details = {
        "fanout": fanout,
        "append": append,
        "replay": replay,
        **faults,
        "calls": calls,
        "transport": transport,
        "feed": feed,
        "quick": options.quick,
    }
    (OUT / "details.json").write_text(json.dumps(details, indent=2) + "\n")
    print(table(results, fanout))
    print()
    print(bench_login_flood.table(faults["login_flood"]))
    print()
    print(bench_feed.table(feed))
    ours = fanout["unitboard"]
    broken = ours["misses"] or ours["duplicates"] or ours["gaps"] or ours["errors"]
    storm = faults["reconnect"]["headline"]
    broken = broken or storm["not_caught_up"] or storm["errors"]
    broken = broken or faults["redis_frozen"]["unitboard"]["redis_frozen"]["failed"]
    broken = broken or results["scheduler_missed_or_doubled"]
    broken = broken or results["transport_jobs_not_completed"]
    broken = broken or results["feed_failed"]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
