"""Which endpoint a new connection goes to: round-robin, with ClientIP affinity.

One balancer serves one traffic policy of one service port (cluster IPs use the internal
policy's endpoints, node ports and external/load-balancer IPs the external policy's). Its
endpoints are replaced in place on every update, so listeners keep their balancer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

Target = tuple[str, int]

#: Expired affinity entries are dropped every this many new affine connections.
_EXPIRE_EVERY = 1024


class Balancer:
    def __init__(
        self,
        endpoints: tuple[Target, ...] = (),
        affinity_seconds: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoints = endpoints
        self.affinity_seconds = affinity_seconds
        self._clock = clock
        self._next = 0
        self._uses = 0
        #: client IP -> (endpoint, last used)
        self._affinity: dict[str, tuple[Target, float]] = {}

    def set(self, endpoints: tuple[Target, ...], affinity_seconds: int) -> None:
        """New endpoints; affinity to endpoints that are gone (or to all, when affinity was
        turned off) is forgotten."""
        self.endpoints = endpoints
        self.affinity_seconds = affinity_seconds
        if not affinity_seconds:
            self._affinity.clear()
        else:
            present = set(endpoints)
            self._affinity = {c: v for c, v in self._affinity.items() if v[0] in present}

    def affine(self, client_ip: str) -> Target | None:
        """The endpoint ``client_ip`` sticks to now (None: none, or expired)."""
        sticky = self._affinity.get(client_ip)
        if not self.affinity_seconds or sticky is None:
            return None
        if self._clock() - sticky[1] > self.affinity_seconds:
            return None
        return sticky[0]

    def candidates(self, client_ip: str) -> Iterator[Target]:
        """Endpoints to try for a new connection from ``client_ip``, best first: its
        affine endpoint (if any and not expired), then round-robin over the rest."""
        endpoints = self.endpoints
        if not endpoints:
            return
        tried: set[Target] = set()
        sticky = self.affine(client_ip)
        if sticky is not None and sticky in endpoints:
            tried.add(sticky)
            yield sticky
        else:
            self._affinity.pop(client_ip, None)
        start = self._next % len(endpoints)
        self._next = start + 1
        for i in range(len(endpoints)):
            target = endpoints[(start + i) % len(endpoints)]
            if target not in tried:
                yield target

    def used(self, client_ip: str, target: Target) -> None:
        """``client_ip`` reached ``target``: with affinity, it sticks there from now on."""
        if self.affinity_seconds:
            self._affinity[client_ip] = (target, self._clock())
            self._uses += 1
            if self._uses % _EXPIRE_EVERY == 0:
                self.expire()

    def failed(self, client_ip: str, target: Target) -> None:
        sticky = self._affinity.get(client_ip)
        if sticky and sticky[0] == target:
            del self._affinity[client_ip]

    def expire(self) -> None:
        """Drop affinity entries older than the timeout."""
        if not self._affinity:
            return
        oldest = self._clock() - self.affinity_seconds
        self._affinity = {c: v for c, v in self._affinity.items() if v[1] >= oldest}
