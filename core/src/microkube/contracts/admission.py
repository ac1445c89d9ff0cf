"""The admission contract: mutating plugins run first, then validating ones.

Plugins see the object as Kubernetes JSON (a ``dict``) exactly as it will be stored. A mutating
plugin edits ``request.object`` in place; any plugin rejects by raising :class:`AdmissionDenied`
(the API server answers with a ``Status`` carrying its code, reason and causes).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Protocol, runtime_checkable

import attrs


class Operation(Enum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    CONNECT = "CONNECT"


@attrs.frozen(kw_only=True)
class UserInfo:
    username: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class GroupVersionResource:
    group: str
    version: str
    resource: str


@attrs.frozen(kw_only=True)
class Cause:
    """One bad field, as in ``Status.details.causes``."""

    field: str
    message: str
    reason: str = "FieldValueInvalid"


@attrs.define(kw_only=True)
class AdmissionRequest:
    operation: Operation
    resource: GroupVersionResource
    kind: str
    namespace: str
    name: str
    subresource: str = ""
    object: dict[str, Any] | None = None
    old_object: dict[str, Any] | None = None
    user: UserInfo = UserInfo(username="")
    dry_run: bool = False
    #: Warnings to return to the client in ``Warning`` headers.
    warnings: list[str] = attrs.field(factory=list)


class AdmissionDenied(Exception):
    """Reject the request. ``code``/``reason`` become the Status' (422 Invalid by default when
    ``causes`` are given, else 403 Forbidden)."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        reason: str | None = None,
        causes: tuple[Cause, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.causes = causes
        self.code = code if code is not None else (422 if causes else 403)
        self.reason = reason if reason is not None else ("Invalid" if causes else "Forbidden")


@runtime_checkable
class AdmissionPlugin(Protocol):
    @property
    def name(self) -> str: ...

    def handles(self, request: AdmissionRequest) -> bool:
        """Cheap test: does this plugin care about this request at all?"""


@runtime_checkable
class MutatingAdmission(AdmissionPlugin, Protocol):
    async def admit(self, request: AdmissionRequest) -> None: ...


@runtime_checkable
class ValidatingAdmission(AdmissionPlugin, Protocol):
    async def validate(self, request: AdmissionRequest) -> None: ...
