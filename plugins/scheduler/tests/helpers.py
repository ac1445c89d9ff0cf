"""Building hollow nodes and pods for the scheduler's tests, and waiting on the cluster."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


def node(
    name: str,
    *,
    cpu: str = "4",
    memory: str = "32Gi",
    pods: str = "110",
    labels: Mapping[str, str] | None = None,
    taints: Sequence[Mapping[str, str]] = (),
    unschedulable: bool = False,
    extra: Mapping[str, str] | None = None,
    images: Sequence[tuple[str, int]] = (),
) -> dict[str, Any]:
    """A Node object (a hollow node: nothing runs it) with capacity and a Ready condition."""
    allocatable = {"cpu": cpu, "memory": memory, "pods": pods, **(extra or {})}
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/hostname": name, **(labels or {})},
        },
        "spec": {"taints": list(taints), "unschedulable": unschedulable},
        "status": {
            "capacity": allocatable,
            "allocatable": allocatable,
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "images": [{"names": [n], "sizeBytes": size} for n, size in images],
        },
    }
    return body


def pod(
    name: str,
    *,
    cpu: str | None = "100m",
    memory: str | None = "128Mi",
    labels: Mapping[str, str] | None = None,
    image: str = "busybox",
    **spec: Any,
) -> dict[str, Any]:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    container: dict[str, Any] = {"name": "main", "image": image}
    if requests:
        container["resources"] = {"requests": requests}
    ports = spec.pop("ports", None)
    if ports:
        container["ports"] = ports
    extra_requests = spec.pop("requests", None)
    if extra_requests:
        container.setdefault("resources", {"requests": {}})["requests"].update(extra_requests)
        container["resources"]["limits"] = dict(extra_requests)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": dict(labels or {})},
        "spec": {"containers": [container], **spec},
    }


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within: float = 30.0, every: float = 0.1
) -> T:
    """Poll ``probe`` until it returns something truthy; AssertionError after ``within``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last: Any = None
    while True:
        last = await probe()
        if last:
            return last
        if loop.time() >= deadline:
            raise AssertionError(f"condition not met within {within}s (last: {last!r})")
        await asyncio.sleep(every)


async def create(cluster: Any, *objects: Mapping[str, Any]) -> None:
    """Create objects with the real kubectl (`kubectl apply`, as a user would)."""
    stream = "---\n".join(yaml.safe_dump(dict(obj)) for obj in objects)
    await cluster.kubectl("apply", "-f", "-", input=stream)


async def node_of(cluster: Any, name: str, namespace: str = "default") -> str:
    result = await cluster.kubectl(
        "get", "pod", name, "-n", namespace, "-o", "jsonpath={.spec.nodeName}"
    )
    return result.stdout.strip()


async def wait_bound(
    cluster: Any, name: str, namespace: str = "default", within: float = 30
) -> str:
    async def probe() -> str:
        return await node_of(cluster, name, namespace)

    return await eventually(probe, within=within, every=0.2)


async def wait_pending_message(cluster: Any, name: str, within: float = 30) -> str:
    """The PodScheduled=False message of a pod, once the scheduler has written it."""

    async def probe() -> str:
        result = await cluster.kubectl(
            "get",
            "pod",
            name,
            "-o",
            'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}',
        )
        return result.stdout.strip()

    return await eventually(probe, within=within, every=0.2)


def priority_class(name: str, value: int, **extra: Any) -> dict[str, Any]:
    """A ``scheduling.k8s.io/v1`` PriorityClass (admission turns its name into
    ``spec.priority`` on pods that name it)."""
    return {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": name},
        "value": value,
        **extra,
    }
