"""What every registry operation is given: the server's parts and the request's target."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs

from microkube.contracts.admission import UserInfo
from microkube.contracts.storage import Storage
from microkube_apiserver.discovery import Catalogue, Resource
from microkube_apiserver.options import ApiServerOptions
from microkube_apiserver.registry.conversion import Conversion, conversion_for
from microkube_apiserver.registry.rules import KindRules, rules_for
from microkube_apiserver.store import keys
from microkube_apiserver.store.shared_lines import SharedLines

__all__ = ["Api", "Result", "Target", "WriteOptions", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(UTC)


@attrs.define
class Api:
    """The server's parts a registry operation uses. ``admission`` is an
    :class:`~microkube_apiserver.admission.chain.AdmissionChain`."""

    storage: Storage
    catalogue: Catalogue
    admission: Any
    options: ApiServerOptions = attrs.field(factory=ApiServerOptions)
    clock: Callable[[], datetime] = utc_now
    #: Watch event lines encoded once for every watcher (see ``store/shared_lines.py``).
    watch_lines: SharedLines = attrs.field(factory=SharedLines)
    #: The ``metrics.k8s.io`` samples gathered from kubelets (a ``metrics.summary.SummaryCache``,
    #: made on first use).
    metrics_cache: Any = attrs.field(default=None, eq=False)
    #: Authentication and authorization (an ``authn.front_door.FrontDoor``); None: open.
    front_door: Any = attrs.field(default=None, eq=False)
    #: Signs service-account tokens (an ``authn.tokens.TokenIssuer``); None: no TokenRequest.
    token_issuer: Any = attrs.field(default=None, eq=False)
    #: The auditor (an ``audit.log.Auditor``); None: no audit.
    audit: Any = attrs.field(default=None, eq=False)

    def resource(self, group: str, plural: str) -> Resource | None:
        """The served resource ``plural`` of ``group`` (its first, preferred version)."""
        return next((r for r in self.catalogue if r.group == group and r.plural == plural), None)


@attrs.frozen
class Target:
    """The resource a request addresses: a collection (no ``name``) or one object."""

    resource: Resource
    namespace: str = ""
    name: str = ""
    subresource: str = ""

    @property
    def rules(self) -> KindRules:
        return rules_for(self.resource)

    @property
    def group(self) -> str:
        return self.resource.group

    @property
    def plural(self) -> str:
        return self.resource.plural

    @property
    def conversion(self) -> Conversion | None:
        """How objects are stored when not as served (events.k8s.io Events are core Events)."""
        return conversion_for(self.resource)

    @property
    def key(self) -> str:
        group, plural = self._stored_in()
        return keys.object_key(group, plural, self.namespace or None, self.name)

    @property
    def prefix(self) -> str:
        group, plural = self._stored_in()
        return keys.prefix(group, plural, self.namespace or None)

    def _stored_in(self) -> tuple[str, str]:
        conversion = self.conversion
        if conversion is None:
            return self.group, self.plural
        return conversion.storage_group, conversion.storage_plural

    def named(self, name: str) -> Target:
        return attrs.evolve(self, name=name)


@attrs.frozen
class WriteOptions:
    """Query options of a write: ``dryRun``, ``fieldManager``, ``fieldValidation``, ``force``."""

    dry_run: bool = False
    field_manager: str = ""
    field_validation: str = "Warn"
    force: bool = False
    #: what the body's strict decoding found besides unknown fields (keys set twice)
    strict_errors: tuple[str, ...] = ()
    user: UserInfo = attrs.field(factory=lambda: UserInfo(username=""))


@attrs.define
class Result:
    """An answer: HTTP status, JSON body, and warnings for ``Warning`` headers.

    ``encoded``, when set, is the body's JSON already at hand (a create answers with what it
    stored), so the answer is not encoded again; whoever changes ``body`` drops it.
    """

    code: int
    body: dict[str, Any]
    warnings: list[str] = attrs.field(factory=list)
    encoded: bytes | None = None
