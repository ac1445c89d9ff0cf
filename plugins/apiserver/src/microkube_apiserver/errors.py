"""API errors as Kubernetes ``Status`` objects: one exception type, constructors per reason.

Every failure the server answers is an :class:`ApiError`; its :meth:`~ApiError.status` is the
``Status`` body and ``code`` the HTTP status. Messages follow kube-apiserver's wording
(``k8s.io/apimachinery/pkg/api/errors``), because clients print them verbatim
(``Error from server (NotFound): pods "x" not found``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "ApiError",
    "already_exists",
    "bad_request",
    "conflict",
    "expired",
    "forbidden",
    "gone",
    "internal_error",
    "invalid",
    "method_not_supported",
    "not_acceptable",
    "not_found",
    "qualified_resource",
    "request_entity_too_large",
    "stale_object",
    "success_status",
    "timeout",
    "unsupported_media_type",
]


class ApiError(Exception):
    """A failed request: ``code`` is the HTTP status, ``reason`` the Status reason."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
        continue_token: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = dict(details) if details else None
        self.continue_token = continue_token

    def status(self) -> dict[str, Any]:
        """The ``Status`` object clients receive."""
        metadata: dict[str, Any] = {}
        if self.continue_token:
            metadata["continue"] = self.continue_token
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": metadata,
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details:
            body["details"] = self.details
        body["code"] = self.code
        return body


def qualified_resource(group: str, plural: str) -> str:
    """``pods`` or ``deployments.apps``: how Kubernetes names a resource in messages."""
    return f"{plural}.{group}" if group else plural


def _details(group: str, kind: str, name: str, **extra: Any) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    details.update({k: v for k, v in extra.items() if v})
    return details


def not_found(group: str, plural: str, name: str) -> ApiError:
    message = f'{qualified_resource(group, plural)} "{name}" not found'
    return ApiError(404, "NotFound", message, details=_details(group, plural, name))


def already_exists(group: str, plural: str, name: str) -> ApiError:
    message = f'{qualified_resource(group, plural)} "{name}" already exists'
    return ApiError(409, "AlreadyExists", message, details=_details(group, plural, name))


def conflict(group: str, plural: str, name: str, detail: str) -> ApiError:
    message = (
        f'Operation cannot be fulfilled on {qualified_resource(group, plural)} "{name}": {detail}'
    )
    return ApiError(409, "Conflict", message, details=_details(group, plural, name))


def stale_object(group: str, plural: str, name: str) -> ApiError:
    """The optimistic-concurrency conflict: the object changed since the client read it."""
    return conflict(
        group,
        plural,
        name,
        "the object has been modified; please apply your changes to the latest version "
        "and try again",
    )


def forbidden(
    group: str, plural: str, name: str, detail: str, causes: Iterable[Mapping[str, str]] = ()
) -> ApiError:
    message = f'{qualified_resource(group, plural)} "{name}" is forbidden: {detail}'
    details = _details(group, plural, name, causes=[dict(c) for c in causes])
    return ApiError(403, "Forbidden", message, details=details)


def invalid(
    group: str, kind: str, name: str, errors: list[str], causes: list[Mapping[str, str]]
) -> ApiError:
    """422 Invalid in Kubernetes' format: ``Deployment.apps "x" is invalid: <errors>``."""
    qualified = f"{kind}.{group}" if group else kind
    joined = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    message = f'{qualified} "{name}" is invalid: {joined}'
    details = _details(group, kind, name, causes=[dict(c) for c in causes])
    return ApiError(422, "Invalid", message, details=details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def method_not_supported(group: str, plural: str, verb: str) -> ApiError:
    # Go's %q: double quotes
    message = f'{verb} is not supported on resources of kind "{qualified_resource(group, plural)}"'
    return ApiError(405, "MethodNotAllowed", message, details=_details(group, plural, ""))


def unsupported_media_type(content_type: str, accepted: Iterable[str]) -> ApiError:
    message = (
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{', '.join(accepted)}"
    )
    return ApiError(415, "UnsupportedMediaType", message, details={"kind": content_type})


def not_acceptable(accepted: Iterable[str]) -> ApiError:
    message = f"only the following media types are accepted: {', '.join(accepted)}"
    return ApiError(406, "NotAcceptable", message)


def request_entity_too_large(limit: int) -> ApiError:
    return ApiError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}")


def expired(message: str, continue_token: str | None = None) -> ApiError:
    """410 with reason Expired (an old list resourceVersion or continue token)."""
    return ApiError(410, "Expired", message, continue_token=continue_token)


def gone(message: str) -> ApiError:
    return ApiError(410, "Gone", message)


def timeout(
    message: str, causes: Iterable[Mapping[str, str]] = (), retry_after: int = 0
) -> ApiError:
    details: dict[str, Any] = {}
    if causes:
        details["causes"] = [dict(c) for c in causes]
    if retry_after:
        details["retryAfterSeconds"] = retry_after
    return ApiError(504, "Timeout", message, details=details)


def internal_error(detail: str) -> ApiError:
    message = f"Internal error occurred: {detail}"
    return ApiError(500, "InternalError", message, details={"causes": [{"message": detail}]})


def success_status(
    *, code: int = 200, name: str = "", group: str = "", plural: str = "", uid: str = ""
) -> dict[str, Any]:
    """The ``Status`` of a successful delete (or binding/eviction, with ``code`` 201)."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
    }
    if plural:
        body["details"] = _details(group, plural, name, uid=uid)
    if code != 200:
        body["code"] = code
    return body
