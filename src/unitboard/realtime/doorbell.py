"""The Redis doorbell between server processes: "the log moved to N". Pub/sub is
at-most-once, so it only rings; every process catches up from the log by position, and a
poll covers a missed ring. The listener reconnects with backoff and jitter."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

import redis
import redis.asyncio as aioredis

CHANNEL = "unitboard:log"
log = logging.getLogger(__name__)


class RedisDoorbell:
    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        self.url = url
        self.channel = channel
        self._publisher = redis.Redis.from_url(url, socket_timeout=1.0)

    def ring(self, head: int) -> None:
        """Called from the writing thread after an append; a failure only delays others."""
        try:
            self._publisher.publish(self.channel, str(head))
        except redis.RedisError:
            log.warning("could not ring the doorbell at %s; other processes will poll", self.url)

    async def listen(self, on_ring: Callable[[int | None], None]) -> None:
        delay = 0.5
        while True:
            client = aioredis.Redis.from_url(self.url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    delay = 0.5
                    on_ring(None)
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            on_ring(int(message["data"]))
            except (redis.RedisError, OSError):
                log.warning("doorbell at %s unreachable; retrying in %.1fs", self.url, delay)
            finally:
                await client.aclose()
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 10.0)

    def close(self) -> None:
        self._publisher.close()
