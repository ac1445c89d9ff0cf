"""How the API server reaches kubelets: HTTPS without verifying their certificates, as
kube-apiserver does when it is not given ``--kubelet-certificate-authority`` (the kubelets
serve self-signed certificates), and their error answers turned into Statuses."""

from __future__ import annotations

import functools
import ssl

from microkube_apiserver import errors

__all__ = ["MAX_ERROR_BODY", "backend_error", "insecure_tls"]

#: How much of a kubelet's error answer is read (kube-apiserver's maxReadLength is 50 KB).
MAX_ERROR_BODY = 50_000

_GENERIC: dict[int, tuple[str, str]] = {
    401: ("Unauthorized", "the server has asked for the client to provide credentials"),
    403: ("Forbidden", "the server does not allow access to the requested resource"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    409: ("Conflict", "the server reported a conflict"),
    422: ("Invalid", "the server rejected our request due to an error in our request"),
    429: (
        "TooManyRequests",
        "the server has received too many requests and has asked us to try again later",
    ),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: (
        "Timeout",
        "the server was unable to return a response in the time allotted, but may still be "
        "processing the request",
    ),
}


@functools.cache
def insecure_tls() -> ssl.SSLContext:
    """A client TLS context that accepts any kubelet certificate."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def backend_error(code: int, body: bytes, name: str, plural: str = "pods") -> errors.ApiError:
    """A kubelet's non-2xx answer as kube-apiserver's ``GenericHttpResponseChecker`` reports
    it: 400 and 500 carry the kubelet's text; other codes a generic message with the text as
    the cause."""
    text = body[:MAX_ERROR_BODY].decode("utf-8", "replace")
    if code == 400:
        return errors.bad_request(text)
    if code == 500:
        return errors.ApiError(
            500,
            "InternalError",
            f"Internal error occurred: {text}",
            details={"causes": [{"message": text}]},
        )
    reason, message = _GENERIC.get(
        code,
        (
            "",
            f"the server responded with the status code {code} but did not return more information",
        ),
    )
    details = {
        "name": name,
        "kind": plural,
        "causes": [{"reason": "UnexpectedServerResponse", "message": text}],
    }
    return errors.ApiError(code, reason, message, details=details)
