"""Settings from flags and the environment; the only place that picks adapters."""

from __future__ import annotations

import os
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from unitboard.secret import secret_file_for
from unitboard.service.sessions import SessionPolicy


def default_database_url() -> str:
    return os.environ.get("UNITBOARD_DATABASE_URL") or f"sqlite:///{Path.cwd() / 'unitboard.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None = None
    layout: Path | None = None
    demo: bool = False
    simulate: bool = True
    idle_logoff_minutes: float = 15.0
    session_hours: float = 12.0
    secret_file: Path | None = None
    poll_seconds: float = 2.0
    scheduler_tick_seconds: float = 1.0
    """How often the scheduler looks at most, and tries to take the lead when it has not."""
    subscriber_buffer: int = 2000
    hl7_port: int | None = None
    """The MLLP port of the EHR's ADT feed; None: no feed."""
    hl7_host: str = "127.0.0.1"
    hl7_allow: tuple[IPv4Network | IPv6Network, ...] = (ip_network("127.0.0.1/32"),)
    """The senders the feed accepts connections from."""
    hl7_max_bytes: int = 1024 * 1024
    hl7_idle_seconds: float = 300.0
    adt_demo: bool = False
    """With `demo`: the ADT simulator (messages through the feed) runs instead of the
    command simulator."""

    @property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(
            idle_seconds=self.idle_logoff_minutes * 60,
            lifetime_seconds=self.session_hours * 3600,
        )

    @property
    def secret_path(self) -> Path:
        return self.secret_file or secret_file_for(self.database_url)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": default_database_url(),
            "redis_url": os.environ.get("UNITBOARD_REDIS_URL") or None,
            "idle_logoff_minutes": float(os.environ.get("UNITBOARD_IDLE_LOGOFF_MINUTES", "15")),
            "session_hours": float(os.environ.get("UNITBOARD_SESSION_HOURS", "12")),
            "poll_seconds": float(os.environ.get("UNITBOARD_POLL_SECONDS", "2")),
            "hl7_max_bytes": int(os.environ.get("UNITBOARD_HL7_MAX_BYTES", str(1024 * 1024))),
            "hl7_idle_seconds": float(os.environ.get("UNITBOARD_HL7_IDLE_SECONDS", "300")),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
