"""OpenAPI v3 documents of the served group-versions, generated from the models.

- ``GET /openapi/v3``: :meth:`OpenAPIV3.index`, ``{"paths": {"api/v1": {"serverRelativeURL":
  "/openapi/v3/api/v1?hash=<HEX>"}, "apis/apps/v1": …}}``. The hash is the SHA-512 of the
  document's bytes, so a client cache keyed by that URL is invalidated whenever it changes.
- ``GET /openapi/v3/<gv>``: :meth:`OpenAPIV3.document`, with ``components.schemas`` holding
  every schema the paths reach (cross-group ones too: apps/v1 carries
  ``io.k8s.api.core.v1.PodTemplateSpec`` and ``io.k8s.api.autoscaling.v1.Scale``).

The operations are built by :mod:`.openapi_paths`. kubectl's writers look for
the PATCH operation tagged with the object's ``x-kubernetes-group-version-kind`` that has a
``fieldValidation`` query parameter: finding it, ``kubectl apply`` validates server-side and
sends ``fieldValidation=Strict``. Because the PATCH operation offers
``application/strategic-merge-patch+json``, kubectl computes client-side apply patches from the
``x-kubernetes-patch-*`` metadata of these schemas (:mod:`.patchmeta`).

``/openapi/v2`` is served in JSON only (:mod:`.openapi_v2`, built from these documents): kubectl
asks for it only as gnostic protobuf
(``application/com.github.proto-openapi.spec.v2@v1.0+protobuf``), and only when v3 is missing
or lacks the PATCH operation above, so that request gets 404. v3 covers ``kubectl apply`` and
``kubectl explain``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from microkube_apiserver.discovery.catalogue import Catalogue
from microkube_apiserver.discovery.documents import KUBERNETES_VERSION
from microkube_apiserver.discovery.openapi_paths import (
    PATCH_CONTENT_TYPES,
    GroupVersionPaths,
    gv_path,
)

__all__ = ["PATCH_CONTENT_TYPES", "OpenAPIV3", "document_hash", "group_version_document", "gv_path"]


def document_hash(body: bytes) -> str:
    """The ``hash=`` of a document: upper-case hex SHA-512 of its bytes, as kube-apiserver."""
    return hashlib.sha512(body).hexdigest().upper()


def group_version_document(catalogue: Catalogue, group: str, version: str) -> dict[str, Any] | None:
    """The OpenAPI v3 document of one group-version, or None when it is not served."""
    resources = catalogue.in_group_version(group, version)
    if not resources:
        return None
    builder = GroupVersionPaths(group, version)
    for resource in resources:
        builder.add_resource(resource)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": builder.paths,
        "components": {"schemas": builder.schemas.schemas},
    }


def _encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


class OpenAPIV3:
    """The served documents, built on first use and kept as bytes with their hashes."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._paths = {gv_path(g, v): (g, v) for g, v in catalogue.group_versions()}
        self._bodies: dict[str, bytes] = {}

    def paths(self) -> list[str]:
        """The document keys: ``api/v1``, ``apis/apps/v1``, …"""
        return list(self._paths)

    def document_bytes(self, path: str) -> bytes | None:
        """The JSON bytes of the document at ``path`` (``apis/apps/v1``), or None."""
        path = path.strip("/")
        if path not in self._paths:
            return None
        if path not in self._bodies:
            document = group_version_document(self._catalogue, *self._paths[path])
            assert document is not None  # every key comes from a served group-version
            self._bodies[path] = _encode(document)
        return self._bodies[path]

    def document(self, path: str) -> dict[str, Any] | None:
        body = self.document_bytes(path)
        return None if body is None else json.loads(body)

    def hash(self, path: str) -> str | None:
        body = self.document_bytes(path)
        return None if body is None else document_hash(body)

    def index(self) -> dict[str, Any]:
        """The ``/openapi/v3`` discovery document."""
        return {
            "paths": {
                path: {"serverRelativeURL": f"/openapi/v3/{path}?hash={self.hash(path)}"}
                for path in self._paths
            }
        }
