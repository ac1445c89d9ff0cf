"""Typed pods and nodes for unit tests (no API server)."""

from __future__ import annotations

from typing import Any

from helpers import node as node_dict
from helpers import pod as pod_dict

from microkube.api import from_dict
from microkube.api.core_v1 import Node, Pod


def typed_pod(name: str, namespace: str = "default", **kwargs: Any) -> Any:
    body = pod_dict(name, **kwargs)
    body["metadata"]["namespace"] = namespace
    body["metadata"]["uid"] = f"uid-{name}"
    return from_dict(body, Pod)


def typed_node(name: str, **kwargs: Any) -> Any:
    return from_dict(node_dict(name, **kwargs), Node)
