"""GET/LIST of ``metrics.k8s.io/v1beta1`` ``nodes`` and ``pods``: the samples of the objects
that exist (labels from the Node or Pod, label selectors on them), as metrics-server answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from microkube.api.meta_v1 import format_time
from microkube_apiserver import errors
from microkube_apiserver.metrics.summary import NodeSample, PodSample, SummaryCache, usage
from microkube_apiserver.registry.context import Api, Target
from microkube_apiserver.registry.reads import list_objects
from microkube_apiserver.registry.versions import ListParams
from microkube_apiserver.server.output import negotiate_output
from microkube_apiserver.server.paths import ResourcePath
from microkube_apiserver.server.responses import json_response

__all__ = ["WINDOW", "handle_metrics", "node_metrics", "pod_metrics"]

#: The interval the kubelet's ``usageNanoCores`` rate is taken over (cAdvisor's housekeeping
#: interval), reported as the samples' ``window``.
WINDOW = "10s"
_GROUP_VERSION = "metrics.k8s.io/v1beta1"


def _metadata(obj: dict[str, Any], now: datetime) -> dict[str, Any]:
    source = obj.get("metadata") or {}
    metadata: dict[str, Any] = {"name": source.get("name")}
    if source.get("namespace"):
        metadata["namespace"] = source["namespace"]
    metadata["creationTimestamp"] = format_time(now)
    if source.get("labels"):
        metadata["labels"] = source["labels"]
    return metadata


def node_metrics(node: dict[str, Any], sample: NodeSample, now: datetime) -> dict[str, Any]:
    return {
        "kind": "NodeMetrics",
        "apiVersion": _GROUP_VERSION,
        "metadata": _metadata(node, now),
        "timestamp": format_time(sample.timestamp),
        "window": WINDOW,
        "usage": usage(sample.nano_cores, sample.working_set_bytes),
    }


def pod_metrics(pod: dict[str, Any], sample: PodSample, now: datetime) -> dict[str, Any]:
    return {
        "kind": "PodMetrics",
        "apiVersion": _GROUP_VERSION,
        "metadata": _metadata(pod, now),
        "timestamp": format_time(sample.timestamp),
        "window": WINDOW,
        "containers": [
            {"name": c.name, "usage": usage(c.nano_cores, c.working_set_bytes)}
            for c in sample.containers
        ],
    }


def cache_of(api: Api) -> SummaryCache:
    """The one sample cache of a server."""
    cache = api.metrics_cache
    if cache is None:
        cache = api.metrics_cache = SummaryCache()
    return cache


async def handle_metrics(
    request: web.BaseRequest, api: Api, path: ResourcePath
) -> web.StreamResponse:
    if request.method.upper() not in ("GET", "HEAD") or path.watch or request.query.get("watch"):
        verb = "watch" if request.method.upper() == "GET" else request.method.lower()
        raise errors.method_not_supported("metrics.k8s.io", path.resource.plural, verb)
    nodes = path.resource.plural == "nodes"
    source = api.resource("", "nodes" if nodes else "pods")
    assert source is not None
    now = datetime.now(UTC)
    samples = await cache_of(api).samples(api)
    if path.name:
        objects = await list_objects(
            api,
            Target(source, path.namespace),
            ListParams(field_selector=f"metadata.name={path.name}"),
        )
    else:
        params = ListParams(
            label_selector=request.query.get("labelSelector", ""),
            field_selector=request.query.get("fieldSelector", ""),
        )
        objects = await list_objects(api, Target(source, path.namespace), params)
    items: list[dict[str, Any]] = []
    for obj in objects["items"]:
        meta = obj.get("metadata") or {}
        if nodes:
            node_sample = samples.nodes.get(meta.get("name"))
            if node_sample is not None:
                items.append(node_metrics(obj, node_sample, now))
        else:
            pod_sample = samples.pods.get((meta.get("namespace"), meta.get("name")))
            if pod_sample is not None:
                items.append(pod_metrics(obj, pod_sample, now))
    output = negotiate_output(request.headers.get("Accept"), request.query, path.resource, "")
    if path.name:
        if not items:
            shown = f"{path.namespace}/{path.name}" if path.namespace else path.name
            raise errors.ApiError(
                404,
                "NotFound",
                f'{path.resource.plural}.metrics.k8s.io "{shown}" not found',
                details={"name": shown, "group": "metrics.k8s.io", "kind": path.resource.plural},
            )
        return json_response(200, output.object(items[0]))
    kind = "NodeMetricsList" if nodes else "PodMetricsList"
    listed = {"kind": kind, "apiVersion": _GROUP_VERSION, "metadata": {}, "items": items}
    return json_response(200, output.list(listed))
