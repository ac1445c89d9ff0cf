"""Answers to the discovery requests, independent of any HTTP framework.

:meth:`DiscoveryEndpoints.answer` takes a method, path, query and request headers and returns
an :class:`Answer` (status, headers, body) for ``/version``, ``/api``, ``/apis``,
``/api/v1``, ``/apis/<g>[/<v>]``, ``/openapi/v3[/<gv>]`` and ``/openapi/v2``, or None when
the path is not a discovery path (a resource path, left to the server).

``/openapi/v2`` is answered in JSON when the request accepts JSON (or states no preference);
kubectl asks for it only as gnostic protobuf, which is not served: that request gets 404, on
which kubectl uses v3.

Documents are serialized once per catalogue. Aggregated discovery and OpenAPI documents carry
an ``ETag``; a matching ``If-None-Match`` gets 304. An OpenAPI document fetched with the hash
the index advertises is marked immutable, as kube-apiserver does, so clients cache it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from microkube_apiserver.discovery.catalogue import DEFAULT_CATALOGUE, Catalogue
from microkube_apiserver.discovery.documents import (
    aggregated_discovery,
    api_group,
    api_group_list,
    api_versions,
    resource_list,
    version_info,
)
from microkube_apiserver.discovery.negotiation import DiscoveryFormat, negotiate
from microkube_apiserver.discovery.openapi import OpenAPIV3
from microkube_apiserver.discovery.openapi_v2 import OpenAPIV2

__all__ = ["Answer", "DiscoveryEndpoints", "status_body"]

_JSON = "application/json"
_Query = Mapping[str, str | list[str]]
_Route = Callable[[_Query, Mapping[str, str]], "Answer"]
_IMMUTABLE = "public, immutable, max-age=31536000"
_REVALIDATE = "no-cache, private"


@attrs.frozen
class Answer:
    """An HTTP response: status code, headers (name, value) and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


def status_body(code: int, reason: str, message: str) -> bytes:
    """A ``Status`` failure body, as every API error carries."""
    return _encode(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "details": {},
            "code": code,
        }
    )


def _encode(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest().upper() + '"'


def _not_found() -> Answer:
    body = status_body(404, "NotFound", "the server could not find the requested resource")
    return Answer(404, (("Content-Type", _JSON),), body)


def _first(values: str | list[str] | None) -> str | None:
    if isinstance(values, list):
        return values[0] if values else None
    return values


class DiscoveryEndpoints:
    """Discovery, version and OpenAPI answers for one catalogue."""

    def __init__(
        self, catalogue: Catalogue = DEFAULT_CATALOGUE, *, server_address: str | None = None
    ) -> None:
        self.catalogue = catalogue
        self.openapi = OpenAPIV3(catalogue)
        self.openapi_v2 = OpenAPIV2(catalogue)
        self._server_address = server_address
        self._aggregated_bodies: dict[tuple[bool, str], bytes] = {}

    @functools.cached_property
    def _version(self) -> bytes:
        return _encode(version_info())

    def _aggregated(self, core: bool, version: str) -> bytes:
        key = (core, version)
        if key not in self._aggregated_bodies:
            document = aggregated_discovery(self.catalogue, core=core, version=version)
            self._aggregated_bodies[key] = _encode(document)
        return self._aggregated_bodies[key]

    def answer(
        self,
        method: str,
        path: str,
        query: Mapping[str, str | list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer | None:
        """The answer to a discovery request, or None for a path this class does not serve.

        ``headers`` must be looked up case-insensitively (as aiohttp's and http.server's are)
        or have lower-case keys.
        """
        route = self._route(path)
        if route is None:
            return None
        if method.upper() not in ("GET", "HEAD"):
            body = status_body(405, "MethodNotAllowed", f"{method} is not supported on {path}")
            return Answer(405, (("Content-Type", _JSON), ("Allow", "GET, HEAD")), body)
        return route(query or {}, headers or {})

    def _route(self, path: str) -> _Route | None:
        parts = [p for p in path.split("/") if p]
        match parts:
            case ["version"]:
                return lambda q, h: Answer(200, (("Content-Type", _JSON),), self._version)
            case ["api"] | ["apis"]:
                core = parts[0] == "api"
                return lambda q, h: self._root(core, h)
            case ["api", version]:
                return lambda q, h: self._json_or_404(resource_list(self.catalogue, "", version))
            case ["apis", group]:
                return lambda q, h: self._json_or_404(api_group(self.catalogue, group))
            case ["apis", group, version]:
                return lambda q, h: self._json_or_404(resource_list(self.catalogue, group, version))
            case ["openapi", "v2"]:
                return lambda q, h: self._swagger(h)
            case ["openapi", "v3"]:
                return lambda q, h: Answer(
                    200,
                    (("Content-Type", _JSON), ("Cache-Control", _REVALIDATE)),
                    _encode(self.openapi.index()),
                )
            case ["openapi", "v3", *rest] if rest:
                return lambda q, h: self._openapi("/".join(rest), q, h)
        return None

    def _root(self, core: bool, headers: Mapping[str, str]) -> Answer:
        chosen = negotiate(headers.get("accept") or headers.get("Accept"))
        vary = ("Vary", "Accept")
        if chosen is DiscoveryFormat.NOT_ACCEPTABLE:
            message = (
                "only the following media types are accepted: application/json, "
                f"{DiscoveryFormat.AGGREGATED_V2.content_type}, "
                f"{DiscoveryFormat.AGGREGATED_V2BETA1.content_type}"
            )
            return Answer(
                406, (("Content-Type", _JSON), vary), status_body(406, "NotAcceptable", message)
            )
        assert chosen.content_type is not None
        if chosen.aggregated:
            body = self._aggregated(core, chosen.value)
            etag = _etag(body)
            answer_headers = (("Content-Type", chosen.content_type), vary, ("ETag", etag))
            if _matches(headers, etag):
                return Answer(304, answer_headers, b"")
            return Answer(200, answer_headers, body)
        document = api_versions(self._server_address) if core else api_group_list(self.catalogue)
        return Answer(200, (("Content-Type", chosen.content_type), vary), _encode(document))

    @staticmethod
    def _json_or_404(document: dict[str, Any] | None) -> Answer:
        if document is None:
            return _not_found()
        return Answer(200, (("Content-Type", _JSON),), _encode(document))

    def _swagger(self, headers: Mapping[str, str]) -> Answer:
        if not _accepts_json(headers):
            return _not_found()
        body = self.openapi_v2.document_bytes()
        etag = self.openapi_v2.etag()
        answer_headers = (("Content-Type", _JSON), ("ETag", etag), ("Cache-Control", _REVALIDATE))
        if _matches(headers, etag):
            return Answer(304, answer_headers, b"")
        return Answer(200, answer_headers, body)

    def _openapi(
        self, path: str, query: Mapping[str, str | list[str]], headers: Mapping[str, str]
    ) -> Answer:
        body = self.openapi.document_bytes(path)
        if body is None:
            return _not_found()
        current = self.openapi.hash(path)
        etag = f'"{current}"'
        cache = _IMMUTABLE if _first(query.get("hash")) == current else _REVALIDATE
        answer_headers = (("Content-Type", _JSON), ("ETag", etag), ("Cache-Control", cache))
        if _matches(headers, etag):
            return Answer(304, answer_headers, b"")
        return Answer(200, answer_headers, body)


def _accepts_json(headers: Mapping[str, str]) -> bool:
    """Whether an Accept header admits JSON (no header admits anything)."""
    accept = headers.get("accept") or headers.get("Accept")
    if not accept:
        return True
    ranges = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return bool(ranges & {"application/json", "application/*", "*/*"})


def _matches(headers: Mapping[str, str], etag: str) -> bool:
    given = headers.get("if-none-match") or headers.get("If-None-Match")
    return given is not None and etag in (t.strip() for t in given.split(","))
