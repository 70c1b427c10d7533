"""House view benchmark: what one push of the house view costs the server, in a 50-unit,
1,000-bed hospital whose beds each walk admit -> assign -> arrive -> discharge -> start
cleaning -> clean, one command per batch (the server's worst case: a push per command).

    python loadtests/bench_house.py [--quick]

Side by side in the same run: the house view's push (`HouseRenderer.changes`: the units a
batch touched recounted, every unit's waiting patients in one pass over the open stays, only
the rows that moved rendered), the whole house table rendered each time (what a renderer
without row diffs would send), and a wall display's push for the same batch
(`DisplayRenderer.changes`, the fan-out's busiest view). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fanout import layout  # noqa: E402
from traffic import Bed  # noqa: E402

from unitboard.domain.aggregates import HOUSE  # noqa: E402
from unitboard.domain.beds.state import Beds  # noqa: E402
from unitboard.domain.hospital import Hospital, decide  # noqa: E402
from unitboard.domain.layout.commands import LoadLayout  # noqa: E402
from unitboard.projections.board import BoardProjection  # noqa: E402
from unitboard.realtime.screens import TouchedUnits  # noqa: E402
from unitboard.store import StoredEvent  # noqa: E402
from unitboard.web.display import DisplayRenderer, display_view  # noqa: E402
from unitboard.web.house import HOUSE_VIEW, HouseRenderer  # noqa: E402


def summary(samples_us: list[float]) -> dict[str, float]:
    ordered = sorted(samples_us)
    return {
        "mean_us": round(statistics.fmean(ordered), 1),
        "p50_us": round(ordered[len(ordered) // 2], 1),
        "p99_us": round(ordered[int(len(ordered) * 0.99)], 1),
    }


def run(quick: bool) -> dict[str, Any]:
    commands = 2_000 if quick else 20_000
    projection = BoardProjection(Hospital(HOUSE))
    touched = TouchedUnits(projection)
    house = HouseRenderer(projection)
    walls = DisplayRenderer(projection)
    position = 0

    def apply(events: list[Any]) -> list[StoredEvent]:
        nonlocal position
        batch = []
        for event in events:
            position += 1
            batch.append(
                StoredEvent(position, event.stream_id, 1, event, {}, "2026-01-01T00:00:00+00:00")
            )
        projection.apply(batch)
        return batch

    apply(decide(projection.hospital, LoadLayout(toml=layout(50))))
    house.snapshot(HOUSE_VIEW)
    beds = deque(
        Bed(b.bed_id, b.unit_id, "F") for b in list(projection.hospital[Beds].beds.values())
    )
    for unit in projection.layout.units:
        walls.snapshot(display_view(unit))
    timings: dict[str, list[float]] = {"house_push": [], "house_whole": [], "wall_push": []}
    sizes: dict[str, list[int]] = {"house_push": [], "house_whole": [], "wall_push": []}
    for _ in range(commands):
        bed = beds.popleft()
        name, data = bed.next_command()
        command = HOUSE.commands[name].model.model_validate(data)
        batch = apply(decide(projection.hospital, command))
        bed.advance()
        beds.append(bed)
        units = touched(batch)

        started = time.perf_counter()
        house.counts.touched(units)
        push = house.changes(HOUSE_VIEW) or ""
        timings["house_push"].append((time.perf_counter() - started) * 1e6)
        sizes["house_push"].append(len(push))

        started = time.perf_counter()
        house.whole = None
        whole = house.snapshot(HOUSE_VIEW)
        timings["house_whole"].append((time.perf_counter() - started) * 1e6)
        sizes["house_whole"].append(len(whole))

        started = time.perf_counter()
        wall = "".join(walls.changes(display_view(u)) or "" for u in sorted(units or ()))
        timings["wall_push"].append((time.perf_counter() - started) * 1e6)
        sizes["wall_push"].append(len(wall))
    return {
        "commands": commands,
        "units": len(projection.layout.units),
        "beds": len(projection.beds),
        **{
            name: {**summary(samples), "bytes_mean": round(statistics.fmean(sizes[name]))}
            for name, samples in timings.items()
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(run(parser.parse_args().quick), indent=2))
