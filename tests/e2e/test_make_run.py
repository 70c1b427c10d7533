"""`make run PORT=8001` serves the demo on that port (the README's first command, on a
machine where 8000 is taken)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
from e2e_support import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_takes_a_port(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "make-run.log"
    database = f"sqlite:///{tmp_path}/demo.db"
    command = ["make", "-s", "-C", str(ROOT), "-o", ".venv/.installed", "run"]
    command += [f"PORT={port}", f"DEMO_DB={database}", "ARGS=--no-simulator"]
    with log.open("wb") as out:
        # A session of its own: make and the server it starts are stopped together.
        make = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=os.environ
        )
    try:
        deadline = time.monotonic() + 60
        healthy = False
        while time.monotonic() < deadline and make.poll() is None and not healthy:
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success
            except httpx.HTTPError:
                time.sleep(0.2)
        assert healthy, log.read_text(errors="replace")[-3000:]
        assert f"127.0.0.1:{port}" in log.read_text(errors="replace")
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGTERM)
        try:
            make.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(10)
