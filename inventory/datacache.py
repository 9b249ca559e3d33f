"""Results computed from the database (the backlog, due lists, the forecast, charts), kept until their data change.

Every write the app makes appends an audit event in the same transaction (docs/architecture.md), so the audit
trail tells when anything a result is computed from may have changed. The **data version** of a topic is read
in one cheap query: the newest audit event that can change its data (``TOPICS``: sign-ins, user and token
changes and refusals never do; only register imports and schedule loads change the register's results) and
how many such events lie in the last ``WINDOW`` ids below it. A new write raises the first; a
transaction that took its id earlier but committed later (ids are handed out before commit on PostgreSQL)
raises the second. A result is stored under its key *and* the version read before its data, in this process's
memory (at most ``max_entries`` results, the least recently used dropped first); since the version comes from
the database, every server process sees a change as soon as it is committed. The day is part of every key
that depends on it, so a new day computes afresh.

Not seen: a change written outside the app without an audit event (``vaxstock db upgrade`` loading reference
data, ``vaxstock restore``): restart the server after those.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit.models import AuditEvent
from inventory.auth import Principal

T = TypeVar("T")

WINDOW = 1000
"""How far below the newest relevant audit id a late commit is still noticed (a transaction would have to stay
open while a thousand other writes commit to be missed)."""
DEFAULT_ENTRIES = 1024

TOPICS = {
    "all": and_(AuditEvent.action.not_like("user.%"), AuditEvent.action != "request.refused"),
    "register": AuditEvent.action.in_(("register.import", "schedule.load")),
}
"""Which audit events change the data a result is computed from: any write but sign-ins, user and token
changes and refusals; for the register's results (backlog, due lists, session plans), only a register import
or a new schedule table (postings, holds and settings change nothing there)."""


def version_query(topic: str) -> Select[tuple[int | None, int]]:
    """The newest relevant audit id and the number of relevant events in the WINDOW ids below it."""
    relevant = TOPICS[topic]
    top = select(func.max(AuditEvent.id)).where(relevant).scalar_subquery()
    return select(func.max(AuditEvent.id), func.count(AuditEvent.id)).where(
        relevant, AuditEvent.id > top - WINDOW
    )


VERSION_QUERIES = {topic: version_query(topic) for topic in TOPICS}
_SESSION_KEY = "vaxstock.data_version"


class Version(NamedTuple):
    """The data version: the newest relevant audit event's id and the count of relevant events near it."""

    top: int
    count: int


def scope_of(principal: Principal) -> tuple[str, int | None]:
    """What a result may depend on about who asks: the role and the facility (same pair, same rights)."""
    return (principal.role, principal.facility_id)


class DataCache:
    """Results by (key, data version), bounded, shared by the requests of one server process."""

    def __init__(self, max_entries: int = DEFAULT_ENTRIES, *, secret: str = "") -> None:
        self.max_entries = max_entries
        self._secret = secret.encode()
        self._entries: OrderedDict[tuple[Hashable, Version], Any] = OrderedDict()
        self._locks: dict[tuple[Hashable, Version], asyncio.Lock] = {}
        self.computed: Counter[str] = Counter()
        """Computations by the key's first part (what was computed), for tests and measurements."""

    async def version(self, session: AsyncSession, topic: str = "all") -> Version:
        """The data version of a topic, read once per request (session) before any data it versions."""
        memo = session.info.setdefault(_SESSION_KEY, {})
        known = memo.get(topic)
        if known is None:
            top, count = (await session.execute(VERSION_QUERIES[topic])).one()
            known = memo[topic] = Version(int(top or 0), int(count))
        return known  # type: ignore[no-any-return]

    def etag(self, key: Hashable, version: Version) -> str:
        """An entity tag for a result: its key and version, signed (not guessable from outside)."""
        text = repr((key, tuple(version))).encode()
        return hmac.new(self._secret, text, hashlib.sha256).hexdigest()[:32]

    async def get(
        self, session: AsyncSession, key: Hashable, compute: Callable[[], Awaitable[T]], topic: str = "all"
    ) -> T:
        """The stored result for `key` at the topic's current data version, else `compute()` once (concurrent
        askers in this process wait for the one computation) and stored. A refusal (an exception) is not
        stored."""
        full = (key, await self.version(session, topic))
        if full in self._entries:
            self._entries.move_to_end(full)
            return self._entries[full]  # type: ignore[no-any-return]
        lock = self._locks.setdefault(full, asyncio.Lock())
        try:
            async with lock:
                if full in self._entries:
                    return self._entries[full]  # type: ignore[no-any-return]
                value = await compute()
                kind = key[0] if isinstance(key, tuple) and key else key
                self.computed[str(kind)] += 1
                self._store(full, value)
                return value
        finally:
            if not lock.locked():
                self._locks.pop(full, None)

    def _store(self, full: tuple[Hashable, Version], value: Any) -> None:
        if self.max_entries <= 0:
            return
        key, version = full
        for old in [k for k in self._entries if k[0] == key and k[1].top < version.top]:
            del self._entries[old]  # superseded by a later write: never asked for again
        self._entries[full] = value
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


async def cached(
    cache: DataCache | None,
    session: AsyncSession,
    key: Hashable,
    compute: Callable[[], Awaitable[T]],
    topic: str = "all",
) -> T:
    """`compute()` through the cache when there is one (the command line has none)."""
    if cache is None:
        return await compute()
    return await cache.get(session, key, compute, topic)
