"""The Redis doorbell between server processes: "the log moved to N". Pub/sub is
at-most-once, so it only rings; every process catches up from the log by position, and a
poll covers a missed ring.

Nothing on the command path waits on Redis. The writer thread only notes the newest head
(`ring`); a task on the event loop publishes it with short timeouts, and rings that pile up
meanwhile fold into the newest one, the only one that matters. A Redis that is down or hung
costs the others a poll's delay, never a command its answer.

The listener pings Redis while it waits: a connection that died without a word (a hung or
unplugged Redis) is noticed within seconds and replaced. While there is no doorbell it rings
for itself every `fallback_poll` seconds, so screens keep following the log by polling,
and reconnects with backoff and jitter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from unitboard.throttled_log import ThrottledWarning

CHANNEL = "unitboard:log"
log = logging.getLogger(__name__)

TIMEOUT = 0.5
"""Seconds any one exchange with Redis may take before it counts as down."""
PING_EVERY = 2.0
"""Seconds between the listener's pings; no answer within TIMEOUT after one means dead."""
FALLBACK_POLL = 0.5
"""Seconds between looks at the log while the doorbell is down."""
RETRY_MAX = 10.0
POLL_LIMIT = 5.0
"""Seconds a look at the log may take before the listener tries Redis again."""

Ring = Callable[[int | None], None]
Poll = Callable[[], Awaitable[None]]


class DoorbellSilent(Exception):
    """Redis stopped answering the listener's pings."""


class RedisDoorbell:
    def __init__(
        self,
        url: str,
        channel: str = CHANNEL,
        *,
        timeout: float = TIMEOUT,
        ping_every: float = PING_EVERY,
        fallback_poll: float = FALLBACK_POLL,
    ) -> None:
        self.url = url
        self.shown_url = shown(url)
        """The URL as logs say it: without its password."""
        self.channel = channel
        self.timeout = timeout
        self.ping_every = ping_every
        self.fallback_poll = fallback_poll
        self.listening = False
        """True while subscribed and answering pings: rings from other processes arrive."""
        self.rings_sent = 0
        self.rings_failed = 0
        self._newest = 0  # the newest head noted by the writer
        self._sent = 0  # the newest head published
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._publish_warning = ThrottledWarning(log)
        self._listen_warning = ThrottledWarning(log)

    def _client(self, retries: int = 0) -> aioredis.Redis:
        """A client whose every try takes `timeout` at most: the doorbell retries in its
        own time (redis-py's default would retry three times with backoff)."""
        return aioredis.Redis.from_url(
            self.shown_url,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
            socket_keepalive=True,
            retry=Retry(NoBackoff(), retries),
        )

    # -- ringing -----------------------------------------------------------------------------

    def ring(self, head: int) -> None:
        """Note that the log moved to `head` (called on the writing thread, after an append).
        Returns at once: the publishing happens on the event loop."""
        if head <= self._newest:
            return
        self._newest = head
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to ring
                loop.call_soon_threadsafe(wake.set)

    async def send_rings(self) -> None:
        """Publish the newest head each time it moves (run as a task on the event loop)."""
        self._wake = wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        client = self._client(retries=1)  # once more on a new connection: Redis restarted
        try:
            while True:
                if self._newest <= self._sent:
                    await wake.wait()
                    wake.clear()
                    continue
                head = self._newest
                await self._publish(client, head)
                self._sent = head
        finally:
            self._loop = self._wake = None
            await client.aclose()

    async def _publish(self, client: aioredis.Redis, head: int) -> None:
        try:
            async with asyncio.timeout(self.timeout * 3):
                await client.publish(self.channel, str(head))
        except (redis.RedisError, OSError, TimeoutError) as exc:
            self.rings_failed += 1
            self._publish_warning.failed(
                "could not ring the doorbell at %s (%s); other processes will see new events "
                "by polling the log",
                self.shown_url,
                _said(exc),
            )
            return
        self.rings_sent += 1
        self._publish_warning.recovered("the doorbell at %s rings again", self.shown_url)

    # -- listening ---------------------------------------------------------------------------

    async def listen(self, on_ring: Ring, poll: Poll) -> None:
        """Call `on_ring(head)` for every ring from any process (None: the log may have moved
        while we were not listening), reconnecting for as long as the task runs; while Redis
        is away, `poll()` the log every `fallback_poll` seconds instead."""
        delay = 0.5
        while True:
            try:
                await self._listen_once(on_ring)
            except (redis.RedisError, OSError, TimeoutError, DoorbellSilent) as exc:
                self._listen_warning.failed(
                    "the doorbell at %s is unreachable (%s); following the log by polling "
                    "every %.1fs until it answers",
                    self.shown_url,
                    _said(exc),
                    self.fallback_poll,
                )
            if self.listening:
                delay = 0.5  # it had worked: the next try comes soon
            self.listening = False
            await self._poll_for(delay * random.uniform(0.5, 1.5), poll)
            delay = min(delay * 2, RETRY_MAX)

    async def _listen_once(self, on_ring: Ring) -> None:
        client = self._client()
        pubsub: Any = client.pubsub()
        try:
            async with asyncio.timeout(self.timeout * 2):
                await self._subscribe(pubsub)
            self.listening = True
            self._listen_warning.recovered("the doorbell at %s answers again", self.shown_url)
            on_ring(None)
            await self._relay(pubsub, on_ring)
        finally:
            await pubsub.aclose()
            await client.aclose()

    async def _subscribe(self, pubsub: Any) -> None:
        await pubsub.subscribe(self.channel)
        while True:  # the server's confirmation: until it comes, nobody is listening
            message = await pubsub.get_message(timeout=self.timeout)
            if message is not None and message["type"] == "subscribe":
                return

    async def _relay(self, pubsub: Any, on_ring: Ring) -> None:
        """Pass rings on; ping when it is quiet, and give up when Redis stops answering."""
        heard = pinged = time.monotonic()
        while True:
            message = await pubsub.get_message(timeout=min(self.ping_every, self.timeout))
            now = time.monotonic()
            if message is not None:
                heard = now
                if message["type"] == "message" and (head := _head_in(message["data"])):
                    on_ring(head)
            if now - heard > self.ping_every + self.timeout:
                raise DoorbellSilent(f"no answer to a ping within {self.timeout:.1f}s")
            if now - pinged >= self.ping_every:
                await pubsub.ping()
                pinged = now

    async def _poll_for(self, seconds: float, poll: Poll) -> None:
        """Wait `seconds` before the next try, meanwhile looking at the log now and then (its
        failures are the follower's to report: its own, slower poll says so)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, self.fallback_poll))
            with contextlib.suppress(Exception):
                async with asyncio.timeout(POLL_LIMIT):
                    await poll()


def _head_in(data: Any) -> int | None:
    """The head a ring names; None for anything else on the channel (it is not ours)."""
    try:
        return int(data)
    except (TypeError, ValueError):
        return None


def _said(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def shown(url: str) -> str:
    """A Redis URL without its password, for the log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))
