"""Creating and deleting a controller's pods, with the events upstream's ``RealPodControl``
records on the owner (``SuccessfulCreate``, ``FailedCreate``, ``SuccessfulDelete``,
``FailedDelete``)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.errors import NotFoundError
from microkube.client.events import NORMAL, WARNING, EventRecorder

__all__ = [
    "FAILED_CREATE",
    "FAILED_DELETE",
    "SUCCESSFUL_CREATE",
    "SUCCESSFUL_DELETE",
    "PodControl",
    "PodTemplateError",
    "pod_from_template",
    "pods_prefix",
]

SUCCESSFUL_CREATE = "SuccessfulCreate"
FAILED_CREATE = "FailedCreate"
SUCCESSFUL_DELETE = "SuccessfulDelete"
FAILED_DELETE = "FailedDelete"

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
#: generateName adds 5 random characters; pod names are DNS subdomains of at most 253.
_MAX_PREFIX = 253 - 5


class PodTemplateError(ValueError):
    """The template cannot make a pod (e.g. it has no labels)."""


def pods_prefix(controller_name: str) -> str:
    """``<name>-``, the generateName of a controller's pods (upstream ``getPodsPrefix``):
    the bare name if the dash would make it invalid."""
    prefix = f"{controller_name}-"
    body = prefix[:-1]
    if len(prefix) > _MAX_PREFIX or not all(_DNS1123_LABEL.match(p) for p in body.split(".")):
        return controller_name
    return prefix


def pod_from_template(
    template: Mapping[str, Any],
    owner: Mapping[str, Any],
    controller_ref: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The pod a controller creates from ``template`` (upstream ``GetPodFromTemplate``)."""
    meta = template.get("metadata") or {}
    labels = dict(meta.get("labels") or {})
    if not labels:
        raise PodTemplateError("unable to create pods, no labels")
    owner_meta = owner.get("metadata") or {}
    pod_meta: dict[str, Any] = {
        "generateName": pods_prefix(owner_meta.get("name", "")),
        "namespace": owner_meta.get("namespace"),
        "labels": labels,
    }
    if meta.get("annotations"):
        pod_meta["annotations"] = dict(meta["annotations"])
    if meta.get("finalizers"):
        pod_meta["finalizers"] = list(meta["finalizers"])
    if controller_ref is not None:
        pod_meta["ownerReferences"] = [dict(controller_ref)]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


class PodControl:
    """Creates pods from templates and deletes pods on behalf of an owner, recording events
    about the owner."""

    def __init__(self, api: ApiClient, recorder: EventRecorder) -> None:
        self.api = api
        self.recorder = recorder

    async def create_pod(
        self,
        namespace: str,
        template: Mapping[str, Any],
        owner: Mapping[str, Any],
        controller_ref: Mapping[str, Any] | None,
        *,
        node_name: str | None = None,
    ) -> dict[str, Any]:
        """Create one pod; ``FailedCreate`` (and the error raised) if the server refuses it."""
        try:
            pod = pod_from_template(template, owner, controller_ref)
        except PodTemplateError as exc:
            self.recorder.event(owner, WARNING, FAILED_CREATE, f"Error creating: {exc}")
            raise
        if node_name:
            pod["spec"]["nodeName"] = node_name
        try:
            created = await self.api.create("pods", pod, namespace)
        except Exception as exc:
            self.recorder.event(owner, WARNING, FAILED_CREATE, f"Error creating: {exc}")
            raise
        name = created["metadata"]["name"]
        self.recorder.event(owner, NORMAL, SUCCESSFUL_CREATE, f"Created pod: {name}")
        return created

    async def delete_pod(self, namespace: str, name: str, owner: Mapping[str, Any]) -> None:
        """Delete one pod. A pod already gone raises :class:`NotFoundError` without an event
        (callers count it as deleted); other failures record ``FailedDelete``."""
        try:
            await self.api.delete("pods", name, namespace)
        except NotFoundError:
            raise
        except Exception as exc:
            self.recorder.event(owner, WARNING, FAILED_DELETE, f"Error deleting: {exc}")
            raise
        self.recorder.event(owner, NORMAL, SUCCESSFUL_DELETE, f"Deleted pod: {name}")
