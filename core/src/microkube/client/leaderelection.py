"""Lease-based leader election, as client-go's ``tools/leaderelection``.

Candidates share one ``coordination.k8s.io/v1`` Lease. The holder renews it every
``retry_period``; if it cannot renew for ``renew_deadline`` it stops leading. Others take the
lease over once it has not changed for ``lease_duration`` *by their own clock* (so clock skew
between machines does not matter, only clock rates). Writes carry the resourceVersion last
read, so of two candidates racing for an expired lease only one succeeds.

``leaseDurationSeconds`` in the Lease is an integer: sub-second durations are rounded up.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import attrs

from microkube.client.api import ApiClient
from microkube.client.errors import ApiError, NotFoundError
from microkube.client.resources import LEASES

log = logging.getLogger(__name__)

JITTER_FACTOR = 1.2
MICROTIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_FAILURES = (ApiError, OSError, TimeoutError)


def format_microtime(moment: datetime | None = None) -> str:
    """A Kubernetes MicroTime: ``2006-01-02T15:04:05.000000Z`` (UTC)."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime(MICROTIME_FORMAT)


def parse_microtime(value: str) -> datetime:
    """Parse a MicroTime (or an RFC 3339 time without fractions)."""
    for fmt in (MICROTIME_FORMAT, "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"not a MicroTime: {value!r}")


@attrs.frozen
class LeaderElectionRecord:
    """The election state kept in the Lease's spec."""

    holder_identity: str = ""
    lease_duration_seconds: int = 0
    acquire_time: str | None = None
    renew_time: str | None = None
    leader_transitions: int = 0

    @classmethod
    def from_lease_spec(cls, spec: dict[str, Any]) -> LeaderElectionRecord:
        return cls(
            holder_identity=spec.get("holderIdentity") or "",
            lease_duration_seconds=int(spec.get("leaseDurationSeconds") or 0),
            acquire_time=spec.get("acquireTime"),
            renew_time=spec.get("renewTime"),
            leader_transitions=int(spec.get("leaseTransitions") or 0),
        )

    def to_lease_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "holderIdentity": self.holder_identity,
            "leaseDurationSeconds": self.lease_duration_seconds,
            "leaseTransitions": self.leader_transitions,
        }
        if self.acquire_time:
            spec["acquireTime"] = self.acquire_time
        if self.renew_time:
            spec["renewTime"] = self.renew_time
        return spec


class LeaseLock:
    """A Lease used as the lock: ``get``/``create``/``update`` of its record.

    ``update`` sends the resourceVersion of the Lease as last read or written, so a write
    based on a stale view fails with 409 Conflict.
    """

    def __init__(self, api: ApiClient, namespace: str, name: str, identity: str) -> None:
        self.api = api
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self._lease: dict[str, Any] | None = None

    def describe(self) -> str:
        return f"{self.namespace}/{self.name}"

    async def get(self) -> tuple[LeaderElectionRecord, dict[str, Any]]:
        """The current record and the raw spec it came from (raises NotFoundError)."""
        self._lease = await self.api.get(LEASES, self.name, self.namespace)
        spec = self._lease.get("spec") or {}
        return LeaderElectionRecord.from_lease_spec(spec), spec

    async def create(self, record: LeaderElectionRecord) -> None:
        self._lease = await self.api.create(
            LEASES,
            {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": record.to_lease_spec(),
            },
            self.namespace,
        )

    async def update(self, record: LeaderElectionRecord) -> None:
        if self._lease is None:
            raise RuntimeError(f"lease {self.describe()} must be read before it is updated")
        self._lease = await self.api.replace(
            LEASES, {**self._lease, "spec": record.to_lease_spec()}, self.namespace
        )


class LeaderElector:
    """Campaigns for a lease, then leads until it loses it.

    ``on_started_leading`` is a coroutine function run as a task while leading and cancelled
    when leadership ends. ``on_stopped_leading`` runs when :meth:`run` ends, whether or not
    this candidate ever led (as in client-go). ``on_new_leader(identity)`` runs whenever a
    different holder is observed. Callbacks may be plain or coroutine functions.
    """

    def __init__(
        self,
        lock: LeaseLock,
        *,
        on_started_leading: Callable[[], Awaitable[Any]],
        on_stopped_leading: Callable[[], Any] | None = None,
        on_new_leader: Callable[[str], Any] | None = None,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        release_on_cancel: bool = False,
        name: str = "",
    ) -> None:
        if lease_duration <= renew_deadline:
            raise ValueError("lease_duration must be greater than renew_deadline")
        if renew_deadline <= JITTER_FACTOR * retry_period:
            raise ValueError("renew_deadline must be greater than retry_period*JitterFactor (1.2)")
        if min(lease_duration, renew_deadline, retry_period) <= 0:
            raise ValueError("lease_duration, renew_deadline and retry_period must be positive")
        if not lock.identity:
            raise ValueError("the lock's identity is empty")
        self.lock = lock
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self.on_new_leader = on_new_leader
        self.lease_duration = lease_duration
        self.renew_deadline = renew_deadline
        self.retry_period = retry_period
        self.release_on_cancel = release_on_cancel
        self.name = name or lock.describe()
        self._observed = LeaderElectionRecord()
        self._observed_raw: dict[str, Any] | None = None
        self._observed_time = float("-inf")
        self._reported_leader = ""
        self._callbacks: set[asyncio.Task[Any]] = set()

    # -- state ------------------------------------------------------------------------

    @property
    def leader(self) -> str:
        """The identity of the last observed leader ("" if none yet)."""
        return self._observed.holder_identity

    def is_leader(self) -> bool:
        return self._observed.holder_identity == self.lock.identity

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _set_observed(self, record: LeaderElectionRecord) -> None:
        self._observed = record
        self._observed_time = self._now()

    def _lease_valid(self) -> bool:
        return self._observed_time + self._observed.lease_duration_seconds > self._now()

    # -- the election -----------------------------------------------------------------

    async def run(self) -> None:
        """Acquire the lease, lead, and return once leadership is lost (or on cancellation)."""
        try:
            await self._acquire()
            leading = asyncio.create_task(self._lead(), name=f"leading {self.name}")
            try:
                await self._renew()
            finally:
                leading.cancel()
                await asyncio.gather(leading, return_exceptions=True)
                if self.release_on_cancel:
                    await self._release()
        finally:
            if self.on_stopped_leading is not None:
                await _call(self.on_stopped_leading)

    async def _lead(self) -> None:
        try:
            await self.on_started_leading()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s: on_started_leading failed", self.name)

    async def _attempt(self, deadline: float) -> bool:
        try:
            async with asyncio.timeout_at(deadline):
                succeeded = await self._try_acquire_or_renew()
        except TimeoutError:
            succeeded = False
        self._maybe_report_transition()
        return succeeded

    async def _acquire(self) -> None:
        log.info("%s: attempting to acquire leader lease %s", self.name, self.lock.describe())
        while True:
            if await self._attempt(self._now() + self.renew_deadline):
                break
            await asyncio.sleep(self.retry_period * (1 + random.random() * JITTER_FACTOR))
        log.info("%s: acquired lease %s", self.name, self.lock.describe())

    async def _renew(self) -> None:
        while True:
            deadline = self._now() + self.renew_deadline
            while True:
                if await self._attempt(deadline):
                    break
                remaining = deadline - self._now()
                if remaining <= 0:
                    log.warning("%s: failed to renew lease %s", self.name, self.lock.describe())
                    return
                await asyncio.sleep(min(self.retry_period, remaining))
            await asyncio.sleep(self.retry_period)

    def _record(self, **changes: Any) -> LeaderElectionRecord:
        now = format_microtime()
        return attrs.evolve(
            LeaderElectionRecord(
                holder_identity=self.lock.identity,
                lease_duration_seconds=max(1, math.ceil(self.lease_duration)),
                acquire_time=now,
                renew_time=now,
            ),
            **changes,
        )

    async def _try_acquire_or_renew(self) -> bool:
        # 1. Fast path: the leader renews, assuming its last view is current.
        if self.is_leader() and self._lease_valid():
            record = self._record(
                acquire_time=self._observed.acquire_time,
                leader_transitions=self._observed.leader_transitions,
            )
            try:
                await self.lock.update(record)
                self._set_observed(record)
                return True
            except _FAILURES as exc:
                log.info("%s: optimistic renew failed (%s), reading the lease", self.name, exc)
        # 2. Read the lease, creating it if there is none.
        try:
            old, raw = await self.lock.get()
        except NotFoundError:
            record = self._record()
            try:
                await self.lock.create(record)
            except _FAILURES as exc:
                log.info("%s: cannot create lease: %s", self.name, exc)
                return False
            self._set_observed(record)
            return True
        except _FAILURES as exc:
            log.info("%s: cannot read lease: %s", self.name, exc)
            return False
        # 3. A change restarts the expiry clock; a valid lease held by another is respected.
        if raw != self._observed_raw:
            self._set_observed(old)
            self._observed_raw = raw
        if old.holder_identity and self._lease_valid() and not self.is_leader():
            return False
        # 4. Take or keep it.
        if self.is_leader():
            record = self._record(
                acquire_time=old.acquire_time, leader_transitions=old.leader_transitions
            )
        else:
            record = self._record(leader_transitions=old.leader_transitions + 1)
        try:
            await self.lock.update(record)
        except _FAILURES as exc:
            log.info("%s: cannot update lease: %s", self.name, exc)
            return False
        self._set_observed(record)
        return True

    async def _release(self) -> bool:
        if not self.is_leader():
            return True
        now = format_microtime()
        record = LeaderElectionRecord(
            holder_identity="",
            lease_duration_seconds=1,
            acquire_time=now,
            renew_time=now,
            leader_transitions=self._observed.leader_transitions,
        )
        try:
            await self.lock.update(record)
        except _FAILURES as exc:
            log.warning("%s: failed to release lease: %s", self.name, exc)
            return False
        self._set_observed(record)
        return True

    def _maybe_report_transition(self) -> None:
        if self._observed.holder_identity == self._reported_leader:
            return
        self._reported_leader = self._observed.holder_identity
        if self.on_new_leader is not None:
            task = asyncio.create_task(_call(self.on_new_leader, self._reported_leader))
            self._callbacks.add(task)
            task.add_done_callback(self._callbacks.discard)


async def _call(callback: Callable[..., Any], *args: Any) -> None:
    try:
        result = callback(*args)
        if inspect.isawaitable(result):
            await result
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("leader election callback %r failed", callback)
