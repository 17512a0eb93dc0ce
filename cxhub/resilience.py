"""Staying up while Redis is away: writes never wait on the broker or the cache.

Redis carries Celery's messages and the cache, never a record: every write commits in the database
whether or not its follow-up work could be queued, and the periodic reconcilers bring everything up to
date from the database once Redis is back:

- scores: `journeys.rollup.rollup_new_signals`, run by beat every ROLLUP_INTERVAL_SECONDS, rolls up
  every signal past the ledger's watermark, so a rollup whose message was lost is done by the next one;
- webhooks: `webhooks_catch_up` below, run by beat every WEBHOOK_SWEEP_INTERVAL_SECONDS, queues every
  delivery that is due, including first attempts the broker never took.

A failure to reach Redis is remembered for REDIS_OUTAGE_PAUSE_SECONDS per server and process, so a burst
of requests during an outage does not pay the connect timeout on every call; in that pause queuing is
skipped and the cache behaves as an empty one that forgets what it is told.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import redis
from celery import Task
from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)

# What "Redis cannot be reached" looks like from Celery (kombu wraps the client's errors) and from the
# cache's redis client; OSError covers a refused or reset socket the client lets through.
REDIS_DOWN_ERRORS: tuple[type[BaseException], ...] = (
    BrokerError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError,
)


def redis_address(url: str) -> str:
    """host:port of a redis:// URL (no database, no password): outages are per server."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


class Outages:
    """Servers that failed lately, each until the end of its pause (per process, thread-safe)."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def ongoing(self, address: str) -> bool:
        return time.monotonic() < self._until.get(address, 0.0)

    def note(self, address: str) -> None:
        with self._lock:
            self._until[address] = time.monotonic() + settings.REDIS_OUTAGE_PAUSE_SECONDS

    def clear(self) -> None:
        with self._lock:
            self._until.clear()


outages = Outages()


def enqueue(task: Task, *, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None,
            countdown: float | None = None) -> bool:
    """Send `task` to the broker; False, with a warning, when the broker cannot be reached.

    For follow-up work of a committed write that a reconciler redoes from the database: the caller goes
    on either way. In eager mode (no broker) the task runs at once and its own errors propagate.
    """
    if task.app.conf.task_always_eager:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
        return True
    address = redis_address(str(task.app.conf.broker_url))
    if outages.ongoing(address):
        logger.info("Not queuing %s: the broker at %s failed moments ago", task.name, address)
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
    except REDIS_DOWN_ERRORS as exc:
        outages.note(address)
        logger.warning("Could not queue %s, the broker at %s is unreachable (%s); the periodic catch-up "
                       "will do the work", task.name, address, exc)
        return False
    return True


# --- The cache ---------------------------------------------------------------------------------------


def _not_found(key: str, *args: Any) -> Any:
    raise ValueError(f"Key {key!r} not found (the cache is unreachable).")


# What each client method gives while Redis is unreachable: what an empty cache would give.
_FALLBACKS: dict[str, Callable[..., Any]] = {
    "add": lambda *args: False,
    "get": lambda key, default: default,
    "set": lambda *args: None,
    "touch": lambda *args: False,
    "delete": lambda *args: False,
    "get_many": lambda *args: {},
    "has_key": lambda *args: False,
    "incr": _not_found,
    "set_many": lambda *args: None,
    "delete_many": lambda *args: None,
    "clear": lambda *args: False,
    "count": lambda *args: None,
}


class _CountingRedisCacheClient(RedisCacheClient):
    def count(self, key: str, timeout: int) -> int:
        """Add one to the counter at `key` and return it; a new counter lives `timeout` seconds. One round
        trip (INCR and EXPIRE NX pipelined), where add-then-incr takes three."""
        pipe = self.get_client(key, write=True).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, timeout, nx=True)
        return pipe.execute()[0]


def _tolerant(name: str) -> Callable[..., Any]:
    method = getattr(_CountingRedisCacheClient, name)
    fallback = _FALLBACKS[name]

    def call(self: RedisCacheClient, *args: Any) -> Any:
        address = redis_address(self._servers[0])
        if outages.ongoing(address):
            return fallback(*args)
        try:
            return method(self, *args)
        except REDIS_DOWN_ERRORS as exc:
            outages.note(address)
            logger.warning("The cache at %s is unreachable (%s); going on without it", address, exc)
            return fallback(*args)

    call.__name__ = call.__qualname__ = name
    return call


class TolerantRedisCacheClient(_CountingRedisCacheClient):
    """Django's Redis cache client, with every operation answered as by an empty cache while the server
    is unreachable (a miss, a refused add, a forgotten set; a count of None) instead of raising."""

    add = _tolerant("add")
    get = _tolerant("get")
    set = _tolerant("set")
    touch = _tolerant("touch")
    delete = _tolerant("delete")
    get_many = _tolerant("get_many")
    has_key = _tolerant("has_key")
    incr = _tolerant("incr")
    set_many = _tolerant("set_many")
    delete_many = _tolerant("delete_many")
    clear = _tolerant("clear")
    count = _tolerant("count")


class TolerantRedisCache(RedisCache):
    """CACHES backend: RedisCache with TolerantRedisCacheClient. Throttle counts, the rollup's debounce
    and other best-effort uses carry on (less exactly) through a Redis outage; nothing is stored only
    here."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient

    def count(self, key: str, timeout: int, version: int | None = None) -> int | None:
        """The counter at `key` after adding one (it lives `timeout` seconds from its first count), in
        one round trip; None while Redis is unreachable."""
        return self._cache.count(self.make_and_validate_key(key, version=version), timeout)


# --- Reconcilers -------------------------------------------------------------------------------------


def webhooks_catch_up(*, now: dt.datetime, limit: int, at: str | None = None) -> dict[str, int]:
    """The webhook reconciler: abandon stale deliveries, purge old events, and queue one attempt for each
    of at most `limit` due deliveries (oldest first): first attempts the broker never took and retries.

    Safe to run any time and twice: an attempt claims its delivery first, so a delivery queued twice is
    sent once. A full batch leaves the rest to the next run, since a queued attempt claims its delivery
    only when a worker runs it. Queuing stops at the first broker failure; the next run goes on.
    """
    from cxhub.tasks import deliver_webhook
    from cxhub.webhooks import delivery

    abandoned = delivery.deliveries_abandon_stale(now=now)
    purged = delivery.events_purge(now=now, limit=limit)
    queued = 0
    for delivery_id in delivery.deliveries_due(now=now, limit=limit):
        if not enqueue(deliver_webhook, args=(delivery_id,), kwargs={"at": at}):
            break
        queued += 1
    return {"queued": queued, "abandoned": abandoned, "purged": purged}
