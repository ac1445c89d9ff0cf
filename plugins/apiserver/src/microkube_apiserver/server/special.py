"""Resource paths not served by the generic registry: the pod subresources proxied to the
kubelet, a ServiceAccount's ``token`` (TokenRequest), and the computed ``metrics.k8s.io``
resources."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from microkube_apiserver.authn.token_request import handle_token_request
from microkube_apiserver.authz.reviews import handle_review, is_review
from microkube_apiserver.kubelet.handler import KUBELET_SUBRESOURCES, handle_kubelet_subresource
from microkube_apiserver.metrics.handler import handle_metrics
from microkube_apiserver.registry.context import Api
from microkube_apiserver.server.paths import ResourcePath

__all__ = ["Handler", "special_handler"]

Handler = Callable[[web.BaseRequest, Api, ResourcePath], Awaitable[web.StreamResponse]]


def special_handler(path: ResourcePath) -> Handler | None:
    """The handler of ``path`` when the generic registry does not serve it, else None."""
    resource = path.resource
    if resource.group == "" and resource.plural == "pods":
        return handle_kubelet_subresource if path.subresource in KUBELET_SUBRESOURCES else None
    if resource.group == "" and resource.plural == "serviceaccounts":
        return handle_token_request if path.subresource == "token" else None
    if resource.group == "metrics.k8s.io":
        return handle_metrics
    if is_review(path):
        return handle_review
    return None
