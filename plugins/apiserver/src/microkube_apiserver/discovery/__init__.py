"""Discovery for the API server: the resource catalogue, discovery documents, OpenAPI v3.

- :mod:`.catalogue`: the served resources as data (:class:`Catalogue`, :data:`DEFAULT_CATALOGUE`).
- :mod:`.documents`: ``/version``, ``/api``, ``/apis``, ``/api/v1``, ``/apis/<g>/<v>`` bodies.
- :mod:`.negotiation`: aggregated (v2, v2beta1) or legacy discovery, from the Accept header.
- :mod:`.openapi`: ``/openapi/v3`` and its per-group-version documents, from the models.
- :mod:`.openapi_v2`: ``/openapi/v2`` (Swagger 2.0, JSON), the v3 documents re-expressed.
- :mod:`.endpoints`: all of the above as HTTP answers, for the server to mount.
"""

from microkube_apiserver.discovery.catalogue import (
    DEFAULT_CATALOGUE,
    Catalogue,
    GroupVersionKind,
    Resource,
    Subresource,
)
from microkube_apiserver.discovery.endpoints import Answer, DiscoveryEndpoints
from microkube_apiserver.discovery.negotiation import DiscoveryFormat, negotiate
from microkube_apiserver.discovery.openapi import OpenAPIV3
from microkube_apiserver.discovery.openapi_v2 import OpenAPIV2

__all__ = [
    "DEFAULT_CATALOGUE",
    "Answer",
    "Catalogue",
    "DiscoveryEndpoints",
    "DiscoveryFormat",
    "GroupVersionKind",
    "OpenAPIV2",
    "OpenAPIV3",
    "Resource",
    "Subresource",
    "negotiate",
]
