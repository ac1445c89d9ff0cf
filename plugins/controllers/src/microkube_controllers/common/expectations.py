"""Controller expectations, as kube-controller-manager's ``ControllerExpectations``.

A controller that creates 3 pods must not create 3 more before its informer has seen the first
3 (the informer may lag behind the API server). Before acting it records what it expects
(``expect_creations(key, 3)``); its pod event handlers lower the counts as the pods show up
(``creation_observed``); ``satisfied(key)`` tells whether the cache is trustworthy enough to act
again. Expectations older than :data:`EXPECTATIONS_TIMEOUT` are treated as satisfied so that a
lost event never wedges a controller forever.

:class:`UIDTrackingExpectations` also remembers *which* pods it expects to disappear, so a
deletion is counted once even if it is observed twice (an update with deletionTimestamp, then
the delete itself), as upstream's ``UIDTrackingControllerExpectations``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

import attrs

__all__ = [
    "EXPECTATIONS_TIMEOUT",
    "ControlleeExpectations",
    "Expectations",
    "UIDTrackingExpectations",
]

log = logging.getLogger(__name__)

#: Upstream ``ExpectationsTimeout``: expectations older than this are considered satisfied.
EXPECTATIONS_TIMEOUT = 5 * 60.0


@attrs.define
class ControlleeExpectations:
    """Outstanding creations (``add``) and deletions (``delete``) of one controller."""

    add: int
    delete: int
    timestamp: float

    def fulfilled(self) -> bool:
        return self.add <= 0 and self.delete <= 0


class Expectations:
    """Per-controller-key counts of creations and deletions not yet observed."""

    def __init__(
        self, *, expiry: float = EXPECTATIONS_TIMEOUT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.expiry = expiry
        self._clock = clock
        self._store: dict[str, ControlleeExpectations] = {}

    def get(self, key: str) -> ControlleeExpectations | None:
        return self._store.get(key)

    def satisfied(self, key: str) -> bool:
        """True when ``key`` may act: no record, all observed, or the record expired."""
        record = self._store.get(key)
        if record is None:
            return True
        if record.fulfilled():
            return True
        return self._clock() - record.timestamp > self.expiry

    def set(self, key: str, add: int, delete: int) -> None:
        """Replace ``key``'s expectations (and restart their expiry clock)."""
        self._store[key] = ControlleeExpectations(add, delete, self._clock())

    def expect_creations(self, key: str, count: int) -> None:
        self.set(key, count, 0)

    def expect_deletions(self, key: str, count: int) -> None:
        self.set(key, 0, count)

    def raise_expectations(self, key: str, add: int, delete: int) -> None:
        record = self._store.get(key)
        if record is not None:
            record.add += add
            record.delete += delete

    def lower_expectations(self, key: str, add: int, delete: int) -> None:
        record = self._store.get(key)
        if record is not None:
            record.add -= add
            record.delete -= delete

    def creation_observed(self, key: str) -> None:
        self.lower_expectations(key, 1, 0)

    def deletion_observed(self, key: str) -> None:
        self.lower_expectations(key, 0, 1)

    def delete_expectations(self, key: str) -> None:
        """Forget ``key`` (its object was deleted)."""
        self._store.pop(key, None)


class UIDTrackingExpectations(Expectations):
    """:class:`Expectations` whose deletions are tracked per pod key, each counted once."""

    def __init__(
        self, *, expiry: float = EXPECTATIONS_TIMEOUT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(expiry=expiry, clock=clock)
        self._pending_deletes: dict[str, set[str]] = {}

    def expect_deletions(self, key: str, count: int | Iterable[str]) -> None:  # type: ignore[override]
        """Expect the pods whose keys (``namespace/name``) are given to be deleted.

        An integer is refused: this class must know which pods it waits for. Keys still
        pending from an expired round are replaced, as upstream does.
        """
        if isinstance(count, int):
            raise TypeError("UIDTrackingExpectations.expect_deletions takes the pod keys")
        pods = set(count)
        stale = self._pending_deletes.get(key)
        if stale:
            log.warning("%s: clobbering existing delete keys %s", key, sorted(stale))
        self._pending_deletes[key] = pods
        super().expect_deletions(key, len(pods))

    def deletions_expected(self, key: str) -> set[str]:
        return set(self._pending_deletes.get(key, ()))

    def deletion_observed(self, key: str, pod_key: str | None = None) -> None:  # type: ignore[override]
        """Count the deletion of ``pod_key`` once, if it was expected."""
        pending = self._pending_deletes.get(key)
        if pending is None or pod_key not in pending:
            return
        pending.discard(pod_key)
        super().deletion_observed(key)

    def delete_expectations(self, key: str) -> None:
        self._pending_deletes.pop(key, None)
        super().delete_expectations(key)
