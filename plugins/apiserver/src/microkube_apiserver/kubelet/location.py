"""Kubelet URLs for a pod's subresources, built as kube-apiserver's ``LogLocation``,
``ExecLocation``, ``AttachLocation`` and ``PortForwardLocation`` build them
(k8s.io/kubernetes ``pkg/registry/core/pod/strategy.go``).

The pod names the node; the node's ``status.addresses`` (InternalIP, then Hostname) and
``status.daemonEndpoints.kubeletEndpoint.Port`` say where its kubelet serves HTTPS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import attrs

from microkube_apiserver import errors
from microkube_apiserver.registry.context import Api, Target
from microkube_apiserver.registry.reads import get_object

__all__ = [
    "DEFAULT_CONTAINER_ANNOTATION",
    "DEFAULT_KUBELET_PORT",
    "KubeletLocation",
    "NodeEndpoint",
    "choose_container",
    "log_query",
    "node_endpoint",
    "stream_query",
]

DEFAULT_KUBELET_PORT = 10250
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
#: Address types tried in order (kube-apiserver's ``--kubelet-preferred-address-types``,
#: narrowed to what microkube's kubelets report).
ADDRESS_PREFERENCE = ("InternalIP", "Hostname")
_TRUE = ("true", "1")


@attrs.frozen
class NodeEndpoint:
    host: str
    port: int

    @property
    def netloc(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@attrs.frozen
class KubeletLocation:
    """An ``https://<node>:<port><path>?<query>`` URL on a kubelet."""

    endpoint: NodeEndpoint
    path: str
    query: str = ""

    @property
    def url(self) -> str:
        suffix = f"?{self.query}" if self.query else ""
        return f"https://{self.endpoint.netloc}{self.path}{suffix}"

    @property
    def path_qs(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


def node_endpoint(node: Mapping[str, Any]) -> NodeEndpoint:
    """The kubelet's address and port from a Node object."""
    status = node.get("status") or {}
    name = (node.get("metadata") or {}).get("name") or ""
    addresses = status.get("addresses") or []
    for kind in ADDRESS_PREFERENCE:
        for address in addresses:
            if address.get("type") == kind and address.get("address"):
                port = (
                    ((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")
                ) or DEFAULT_KUBELET_PORT
                return NodeEndpoint(address["address"], int(port))
    known = [{"type": a.get("type"), "address": a.get("address")} for a in addresses]
    raise errors.internal_error(
        f"no preferred addresses found; known addresses: {known} (node {name})"
    )


def _names(containers: Sequence[Mapping[str, Any]] | None) -> list[str]:
    return [str(c.get("name") or "") for c in containers or []]


def _has_container(spec: Mapping[str, Any], name: str) -> bool:
    return any(
        name in _names(spec.get(kind))
        for kind in ("containers", "initContainers", "ephemeralContainers")
    )


def choose_container(pod: Mapping[str, Any], requested: str, *, for_logs: bool) -> str:
    """The container a request means: the one named (it must exist), else the
    ``kubectl.kubernetes.io/default-container`` annotation's, else the only one."""
    spec = pod.get("spec") or {}
    name = (pod.get("metadata") or {}).get("name") or ""
    if requested:
        if not _has_container(spec, requested):
            raise errors.bad_request(f"container {requested} is not valid for pod {name}")
        return requested
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    default = annotations.get(DEFAULT_CONTAINER_ANNOTATION)
    if default and _has_container(spec, default):
        return default
    containers = _names(spec.get("containers"))
    if len(containers) == 1:
        return containers[0]
    if not containers:
        raise errors.bad_request(f"a container name must be specified for pod {name}")
    if for_logs:
        # validateContainer prints the Go slice of every container (init ones first).
        every = _names(spec.get("initContainers")) + containers
        every += _names(spec.get("ephemeralContainers"))
        raise errors.bad_request(
            f"a container name must be specified for pod {name}, choose one of: [{' '.join(every)}]"
        )
    message = (
        f"a container name must be specified for pod {name}, "
        f"choose one of: [{' '.join(containers)}]"
    )
    init = _names(spec.get("initContainers"))
    if init:
        message += f" or one of the init containers: [{' '.join(init)}]"
    raise errors.bad_request(message)


def _flag(query: Mapping[str, str], key: str) -> bool:
    value = query.get(key)
    if value is None:
        return False
    if value.lower() in _TRUE:
        return True
    if value.lower() in ("false", "0", ""):
        return False
    raise errors.bad_request(f'strconv.ParseBool: parsing "{value}": invalid syntax')


def _integer(query: Mapping[str, str], key: str) -> str | None:
    value = query.get(key)
    if value is None:
        return None
    try:
        return str(int(value))
    except ValueError:
        raise errors.bad_request(f'strconv.ParseInt: parsing "{value}": invalid syntax') from None


def log_query(query: Mapping[str, str]) -> str:
    """The kubelet query of a ``pods/log`` request, in LogLocation's order."""
    params: list[tuple[str, str]] = []
    for key in ("follow", "previous", "timestamps"):
        if _flag(query, key):
            params.append((key, "true"))
    since_seconds = _integer(query, "sinceSeconds")
    if since_seconds is not None:
        if int(since_seconds) < 1:
            raise _invalid_log_option("sinceSeconds", since_seconds, "must be greater than 0")
        params.append(("sinceSeconds", since_seconds))
    if query.get("sinceTime"):
        if since_seconds is not None:
            raise _invalid_log_option(
                "sinceSeconds",
                since_seconds,
                "at most one of `sinceTime` or `sinceSeconds` may be specified",
            )
        params.append(("sinceTime", query["sinceTime"]))
    for key in ("tailLines", "limitBytes"):
        value = _integer(query, key)
        if value is None:
            continue
        if key == "tailLines" and int(value) < 0:
            raise _invalid_log_option(key, value, "must be greater than or equal to 0")
        if key == "limitBytes" and int(value) < 1:
            raise _invalid_log_option(key, value, "must be greater than 0")
        params.append((key, value))
    return _encode(params)


def _invalid_log_option(key: str, value: str, detail: str) -> errors.ApiError:
    text = f"{key}: Invalid value: {value}: {detail}"
    cause = {"reason": "FieldValueInvalid", "message": text.split(": ", 1)[1], "field": key}
    return errors.invalid("", "PodLogOptions", "", [text], [cause])


def stream_query(subresource: str, query: Mapping[str, str], commands: Sequence[str]) -> str:
    """The kubelet query of ``exec``/``attach`` (``input``/``output``/``error``/``tty`` = 1,
    ``command`` repeated) or ``portforward`` (``port``: the ports joined by commas)."""
    params: list[tuple[str, str]] = []
    if subresource == "portforward":
        ports = query.get("ports")
        if ports:
            params.append(("port", ports))
        return _encode(params)
    for key, param in (
        ("stdin", "input"),
        ("stdout", "output"),
        ("stderr", "error"),
        ("tty", "tty"),
    ):
        if _flag(query, key):
            params.append((param, "1"))
    if subresource == "exec":
        params += [("command", command) for command in commands]
    return _encode(params)


def _encode(params: list[tuple[str, str]]) -> str:
    """Go's ``url.Values.Encode``: keys sorted, a key's values in their order."""
    return urlencode(sorted(params, key=lambda item: item[0]))


async def resolve(
    api: Api,
    namespace: str,
    pod_name: str,
    subresource: str,
    query: Mapping[str, str],
    commands: Sequence[str],
) -> KubeletLocation | None:
    """The kubelet URL of a pod subresource request. None for the log of a pod not on a
    node yet (kube-apiserver answers that with an empty body); 400 for the others."""
    pods = api.resource("", "pods")
    nodes = api.resource("", "nodes")
    assert pods is not None and nodes is not None
    pod = await get_object(api, Target(pods, namespace, pod_name), None)
    for_logs = subresource == "log"
    if subresource == "portforward":
        container = ""
    else:
        container = choose_container(pod, query.get("container", ""), for_logs=for_logs)
    node_name = (pod.get("spec") or {}).get("nodeName")
    kubelet_query = log_query(query) if for_logs else stream_query(subresource, query, commands)
    if not node_name:
        if for_logs:
            return None
        raise errors.bad_request(f"pod {pod_name} does not have a host assigned")
    node = await get_object(api, Target(nodes, "", node_name), None)
    endpoint = node_endpoint(node)
    segments = [namespace, pod_name] + ([container] if container else [])
    prefix = {"log": "containerLogs", "exec": "exec", "attach": "attach"}.get(
        subresource, "portForward"
    )
    path = "/" + "/".join([prefix, *(quote(s, safe="") for s in segments)])
    return KubeletLocation(endpoint, path, kubelet_query)
