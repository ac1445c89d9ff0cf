"""apps/v1 deployments, replicasets, daemonsets, statefulsets and controllerrevisions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from microkube_apiserver.tables.duration import since
from microkube_apiserver.tables.fmt import (
    NONE,
    LabelSelectorError,
    dig,
    format_label_selector,
    format_labels,
    label_selector_string,
    layout_containers,
)
from microkube_apiserver.tables.printer import AGE, CONTAINERS, IMAGES, NAME, Column, Printer

__all__ = ["CONTROLLER_REVISION", "DAEMON_SET", "DEPLOYMENT", "REPLICA_SET", "STATEFUL_SET"]


def _common(obj: Mapping[str, Any], now: datetime) -> tuple[str, str, str, str]:
    """Name, age, and the template's container names and images."""
    metadata = obj.get("metadata") or {}
    names, images = layout_containers(dig(obj, "spec", "template", "spec", "containers"))
    return metadata.get("name") or "", since(metadata.get("creationTimestamp"), now), names, images


def _replicas(obj: Mapping[str, Any]) -> int:
    """``spec.replicas``, defaulted to 1 as v1 defaulting does."""
    value = dig(obj, "spec", "replicas")
    return 1 if value is None else int(value)


def _status(obj: Mapping[str, Any], field: str) -> int:
    return int(dig(obj, "status", field) or 0)


def _selector_column(description: str) -> Column:
    return Column("Selector", priority=1, description=description)


def _deployment_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age, names, images = _common(obj, now)
    try:
        selector = label_selector_string(dig(obj, "spec", "selector"))
    except LabelSelectorError:
        selector = "<invalid>"
    return [
        name,
        f"{_status(obj, 'readyReplicas')}/{_replicas(obj)}",
        _status(obj, "updatedReplicas"),
        _status(obj, "availableReplicas"),
        age,
        names,
        images,
        selector,
    ]


DEPLOYMENT = Printer(
    (
        NAME,
        Column("Ready", description="Number of the pod with ready state"),
        Column(
            "Up-to-date",
            description="Total number of non-terminated pods targeted by this deployment that "
            "have the desired template spec.",
        ),
        Column(
            "Available",
            description="Total number of available pods (ready for at least minReadySeconds) "
            "targeted by this deployment.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        _selector_column("Label selector for pods."),
    ),
    _deployment_row,
)


def _replica_set_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age, names, images = _common(obj, now)
    return [
        name,
        _replicas(obj),
        _status(obj, "replicas"),
        _status(obj, "readyReplicas"),
        age,
        names,
        images,
        format_label_selector(dig(obj, "spec", "selector")),
    ]


REPLICA_SET = Printer(
    (
        NAME,
        Column(
            "Desired", type="integer", description="Replicas is the number of desired replicas."
        ),
        Column(
            "Current",
            type="integer",
            description="Replicas is the most recently observed number of replicas.",
        ),
        Column(
            "Ready",
            type="integer",
            description="The number of ready replicas for this replica set.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        _selector_column(
            "Selector is a label query over pods that should match the replica count."
        ),
    ),
    _replica_set_row,
)


def _daemon_set_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age, names, images = _common(obj, now)
    return [
        name,
        _status(obj, "desiredNumberScheduled"),
        _status(obj, "currentNumberScheduled"),
        _status(obj, "numberReady"),
        _status(obj, "updatedNumberScheduled"),
        _status(obj, "numberAvailable"),
        format_labels(dig(obj, "spec", "template", "spec", "nodeSelector")),
        age,
        names,
        images,
        format_label_selector(dig(obj, "spec", "selector")),
    ]


DAEMON_SET = Printer(
    (
        NAME,
        Column(
            "Desired",
            type="integer",
            description="The total number of nodes that should be running the daemon pod.",
        ),
        Column(
            "Current",
            type="integer",
            description="The number of nodes that are running at least 1 daemon pod and are "
            "supposed to run the daemon pod.",
        ),
        Column(
            "Ready",
            type="integer",
            description="The number of nodes that should be running the daemon pod and have "
            "one or more of the daemon pod running and ready.",
        ),
        Column(
            "Up-to-date",
            type="integer",
            description="The total number of nodes that are running updated daemon pod",
        ),
        Column(
            "Available",
            type="integer",
            description="The number of nodes that should be running the daemon pod and have "
            "one or more of the daemon pod running and available.",
        ),
        Column(
            "Node Selector",
            description="NodeSelector is a selector which must be true for the pod to fit on a "
            "node.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        _selector_column("A label query over pods that are managed by the daemon set."),
    ),
    _daemon_set_row,
)


def _stateful_set_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age, names, images = _common(obj, now)
    return [name, f"{_status(obj, 'readyReplicas')}/{_replicas(obj)}", age, names, images]


STATEFUL_SET = Printer(
    (
        NAME,
        Column("Ready", description="Number of the pod with ready state"),
        AGE,
        CONTAINERS,
        IMAGES,
    ),
    _stateful_set_row,
)


def _controller_name(obj: Mapping[str, Any]) -> str:
    """``kind.group/name`` (lower-cased kind) of the controlling owner, ``<none>`` without one."""
    for owner in dig(obj, "metadata", "ownerReferences") or []:
        if not owner.get("controller"):
            continue
        api_version = str(owner.get("apiVersion") or "")
        parts = api_version.split("/")
        if len(parts) > 2:
            raise ValueError(f"unexpected GroupVersion string: {api_version}")
        group = parts[0] if len(parts) == 2 else ""
        kind = str(owner.get("kind") or "")
        name = str(owner.get("name") or "")
        if not kind and not group:
            return name
        group_kind = f"{kind}.{group}" if group else kind
        return f"{group_kind.lower()}/{name}"
    return NONE


def _controller_revision_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    metadata = obj.get("metadata") or {}
    return [
        metadata.get("name") or "",
        _controller_name(obj),
        int(obj.get("revision") or 0),
        since(metadata.get("creationTimestamp"), now),
    ]


CONTROLLER_REVISION = Printer(
    (
        NAME,
        Column("Controller", description="Controller of the object"),
        Column(
            "Revision",
            description="Revision indicates the revision of the state represented by Data.",
        ),
        AGE,
    ),
    _controller_revision_row,
)
