"""Errors of the client: API failures keyed by the Status ``reason``/``code``, and transport ones.

An :class:`ApiError` carries the server's ``Status`` dict; its text is the Status message, as
kubectl prints it (``pods "web" not found``).
"""

from __future__ import annotations

import json
from typing import Any


class ApiError(Exception):
    """The API server answered with a failure ``Status``."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = status
        self.code: int = int(status.get("code") or 0)
        self.reason: str = status.get("reason") or ""
        self.message: str = status.get("message") or self.reason or f"HTTP {self.code}"
        super().__init__(self.message)

    @property
    def details(self) -> dict[str, Any]:
        return self.status.get("details") or {}

    @property
    def retry_after(self) -> float | None:
        """``details.retryAfterSeconds`` if the server suggested one."""
        value = self.details.get("retryAfterSeconds")
        return float(value) if value is not None else None


class BadRequestError(ApiError):
    """400 BadRequest."""


class UnauthorizedError(ApiError):
    """401 Unauthorized: no or wrong credentials."""


class ForbiddenError(ApiError):
    """403 Forbidden."""


class NotFoundError(ApiError):
    """404 NotFound."""


class MethodNotAllowedError(ApiError):
    """405 MethodNotAllowed."""


class ConflictError(ApiError):
    """409 Conflict: a stale resourceVersion or a failed precondition."""


class AlreadyExistsError(ApiError):
    """409 AlreadyExists (deliberately not a ConflictError: retrying an update won't help)."""


class GoneError(ApiError):
    """410 Gone: the requested resourceVersion (or continue token) is no longer available."""


class ExpiredError(GoneError):
    """410 with reason ``Expired``/``ResourceExpired``: a watch or list from a compacted version."""


class UnsupportedMediaTypeError(ApiError):
    """415 UnsupportedMediaType."""


class InvalidError(ApiError):
    """422 Invalid: the object failed validation; ``causes`` says which fields."""

    @property
    def causes(self) -> list[dict[str, Any]]:
        return list(self.details.get("causes") or [])


class TooManyRequestsError(ApiError):
    """429 TooManyRequests (also an eviction blocked by a disruption budget)."""


class InternalError(ApiError):
    """500 InternalError."""


class ServiceUnavailableError(ApiError):
    """503 ServiceUnavailable."""


class ServerTimeoutError(ApiError):
    """504 or reason ``Timeout``/``ServerTimeout``."""


class TransportError(ConnectionError):
    """The connection failed, broke, or spoke something other than HTTP/1.1."""


class RequestTimeoutError(TransportError, TimeoutError):
    """A request or connect did not finish within its timeout."""


_BY_REASON: dict[str, type[ApiError]] = {
    "BadRequest": BadRequestError,
    "Unauthorized": UnauthorizedError,
    "Forbidden": ForbiddenError,
    "NotFound": NotFoundError,
    "MethodNotAllowed": MethodNotAllowedError,
    "AlreadyExists": AlreadyExistsError,
    "Conflict": ConflictError,
    "Gone": GoneError,
    "Expired": ExpiredError,
    "ResourceExpired": ExpiredError,
    "UnsupportedMediaType": UnsupportedMediaTypeError,
    "Invalid": InvalidError,
    "TooManyRequests": TooManyRequestsError,
    "InternalError": InternalError,
    "ServiceUnavailable": ServiceUnavailableError,
    "Timeout": ServerTimeoutError,
    "ServerTimeout": ServerTimeoutError,
}

_BY_CODE: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    410: GoneError,
    415: UnsupportedMediaTypeError,
    422: InvalidError,
    429: TooManyRequestsError,
    500: InternalError,
    503: ServiceUnavailableError,
    504: ServerTimeoutError,
}


def error_from_status(status: dict[str, Any], code: int | None = None) -> ApiError:
    """The most specific :class:`ApiError` for a Status (reason first, then HTTP code)."""
    if code is not None and not status.get("code"):
        status = {**status, "code": code}
    cls = _BY_REASON.get(status.get("reason") or "")
    if cls is None:
        cls = _BY_CODE.get(int(status.get("code") or 0), ApiError)
    return cls(status)


def status_for(code: int, message: str, reason: str = "") -> dict[str, Any]:
    """A failure Status dict, for answers that carried no Status body."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def error_from_response(
    code: int, body: bytes, message: str, retry_after: str | None = None
) -> ApiError:
    """The error for a failed HTTP answer: its Status body if it has one, else ``message``.

    ``retry_after`` (a Retry-After header) becomes ``details.retryAfterSeconds`` when the body
    did not already say so.
    """
    status: dict[str, Any] | None = None
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        status = parsed
    if status is None:
        text = body.decode("utf-8", "replace").strip()
        if text and code >= 500:
            message = f'an error on the server ("{text[:200]}") has prevented the request'
        status = status_for(code, message, _REASON_FOR_CODE.get(code, ""))
    if retry_after is not None and retry_after.strip().isdigit():
        details = dict(status.get("details") or {})
        details.setdefault("retryAfterSeconds", int(retry_after))
        status = {**status, "details": details}
    return error_from_status(status, code)


_REASON_FOR_CODE = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Gone",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}
