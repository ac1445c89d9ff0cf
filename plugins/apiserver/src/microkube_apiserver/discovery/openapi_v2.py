"""The OpenAPI v2 (Swagger 2.0) document of every served kind, as JSON.

kube-apiserver serves one ``/openapi/v2`` document for all group-versions. This one is the v3
documents of :mod:`.openapi` re-expressed, not a second generator: the same operations
(:class:`~.openapi_paths.GroupVersionPaths`) and the same component schemas, rewritten to
Swagger 2.0's forms:

- schemas move to ``definitions`` and references become ``#/definitions/<name>``; a field
  written ``{"allOf": [{"$ref": …}], "description": …}`` in v3 is ``{"$ref": …,
  "description": …}`` here, as kube-apiserver writes v2;
- ``oneOf`` does not exist in Swagger 2.0: ``IntOrString`` is ``{"type": "string",
  "format": "int-or-string"}`` and ``Quantity`` ``{"type": "string"}``, as upstream;
- a request body becomes an ``in: body`` parameter and its media types ``consumes``; response
  contents become ``schema`` and ``produces``; query and path parameters carry their ``type``
  directly (with ``uniqueItems``, as kube-apiserver's).

kubectl never reads this document (it asks ``/openapi/v2`` only as gnostic protobuf, and only
when v3 is missing); JSON clients and tools that still read Swagger 2.0 do.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from microkube_apiserver.discovery.catalogue import Catalogue
from microkube_apiserver.discovery.documents import KUBERNETES_VERSION
from microkube_apiserver.discovery.openapi_paths import GroupVersionPaths
from microkube_apiserver.discovery.schemas import INT_OR_STRING, QUANTITY

__all__ = ["OpenAPIV2", "swagger_document", "v2_schema"]

_V3_REF = "#/components/schemas/"
_V2_REF = "#/definitions/"
#: v2 forms of the named value schemas that are ``oneOf`` in v3
_V2_VALUES: dict[str, dict[str, Any]] = {
    INT_OR_STRING: {"type": "string", "format": "int-or-string"},
    QUANTITY: {"type": "string"},
}


def v2_schema(schema: Any) -> Any:
    """A v3 schema (or any part of one) in Swagger 2.0's form."""
    if isinstance(schema, list):
        return [v2_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref":
            out[key] = _V2_REF + value.removeprefix(_V3_REF)
        elif key == "allOf" and len(value) == 1 and set(value[0]) == {"$ref"}:
            out.update(v2_schema(value[0]))
        elif key in ("properties", "definitions"):
            out[key] = {name: v2_schema(sub) for name, sub in value.items()}
        else:
            out[key] = v2_schema(value)
    return out


def _definition(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    if name in _V2_VALUES:
        kept = {k: v for k, v in schema.items() if k == "description"}
        return {**kept, **_V2_VALUES[name]}
    return v2_schema(schema)


def _parameter(param: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in param.items() if k != "schema"}
    out.update(param.get("schema", {}))
    out["uniqueItems"] = True
    return out


def _operation(op: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in op.items() if k not in ("parameters", "requestBody", "responses")}
    params = [_parameter(p) for p in op.get("parameters", [])]
    body = op.get("requestBody")
    if body is not None:
        content = body["content"]
        out["consumes"] = sorted(content)
        schema = next(iter(content.values()))["schema"]
        params.insert(0, {"name": "body", "in": "body", "required": True, "schema": schema})
    if params:
        out["parameters"] = params
    produces: set[str] = set()
    responses: dict[str, Any] = {}
    for code, response in op["responses"].items():
        entry = {"description": response["description"]}
        content = response.get("content")
        if content:
            produces.update(content)
            entry["schema"] = next(iter(content.values()))["schema"]
        responses[code] = entry
    if produces:
        out["produces"] = sorted(produces)
    out["responses"] = responses
    return v2_schema(out)


def _path_item(item: dict[str, Any]) -> dict[str, Any]:
    return {
        method: [_parameter(p) for p in value] if method == "parameters" else _operation(value)
        for method, value in item.items()
    }


def swagger_document(catalogue: Catalogue) -> dict[str, Any]:
    """The Swagger 2.0 document of every group-version ``catalogue`` serves."""
    paths: dict[str, Any] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for group, version in catalogue.group_versions():
        builder = GroupVersionPaths(group, version)
        for resource in catalogue.in_group_version(group, version):
            builder.add_resource(resource)
        paths.update(builder.paths)
        for name, schema in builder.schemas.schemas.items():
            if schemas.setdefault(name, schema) != schema:
                raise ValueError(f"schema {name} differs between group-versions")
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": {path: _path_item(item) for path, item in sorted(paths.items())},
        "definitions": {name: _definition(name, s) for name, s in sorted(schemas.items())},
    }


class OpenAPIV2:
    """The served v2 document, built on first use and kept as bytes with its ETag."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._body: bytes | None = None

    def document_bytes(self) -> bytes:
        if self._body is None:
            document = swagger_document(self._catalogue)
            self._body = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        return self._body

    def etag(self) -> str:
        return '"' + hashlib.sha512(self.document_bytes()).hexdigest().upper() + '"'
