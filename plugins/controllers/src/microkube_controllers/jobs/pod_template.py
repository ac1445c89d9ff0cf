"""The pod a Job creates from its template: owner, tracking finalizer, completion index."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from microkube_controllers.jobs.indexes import COMPLETION_INDEX
from microkube_controllers.jobs.pods import TRACKING_FINALIZER

__all__ = ["INDEX_ENV", "controller_ref", "pod_for_job"]

INDEX_ENV = "JOB_COMPLETION_INDEX"
_MAX_GENERATE_NAME = 58  # 63 minus the 5 random characters the API server appends


def controller_ref(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The ownerReference by which the controller of ``obj``'s kind owns what it creates."""
    meta = obj.get("metadata") or {}
    return {
        "apiVersion": obj.get("apiVersion") or "batch/v1",
        "kind": obj.get("kind") or "Job",
        "name": meta.get("name"),
        "uid": meta.get("uid"),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _generate_name(job_name: str, index: int | None) -> str:
    base = f"{job_name}-" if index is None else f"{job_name}-{index}-"
    if len(base) > _MAX_GENERATE_NAME:
        suffix = "-" if index is None else f"-{index}-"
        base = job_name[: _MAX_GENERATE_NAME - len(suffix)] + suffix
    return base


def pod_for_job(job: Mapping[str, Any], index: int | None = None) -> dict[str, Any]:
    """A new pod of ``job`` (with ``index`` for Indexed Jobs), ready to be created."""
    meta = job.get("metadata") or {}
    template = copy.deepcopy(((job.get("spec") or {}).get("template")) or {})
    template_meta = template.get("metadata") or {}
    labels = dict(template_meta.get("labels") or {})
    annotations = dict(template_meta.get("annotations") or {})
    spec = template.get("spec") or {}
    if index is not None:
        annotations[COMPLETION_INDEX] = str(index)
        labels[COMPLETION_INDEX] = str(index)
        if not spec.get("hostname"):
            spec["hostname"] = f"{meta.get('name')}-{index}"[:63]
        for key in ("initContainers", "containers"):
            for container in spec.get(key) or ():
                env = container.setdefault("env", [])
                if any(var.get("name") == INDEX_ENV for var in env):
                    continue
                env.append(
                    {
                        "name": INDEX_ENV,
                        "valueFrom": {
                            "fieldRef": {
                                "apiVersion": "v1",
                                "fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']",
                            }
                        },
                    }
                )
    pod_meta: dict[str, Any] = {
        "generateName": _generate_name(meta.get("name") or "job", index),
        "namespace": meta.get("namespace"),
        "labels": labels,
        "ownerReferences": [controller_ref(job)],
        "finalizers": [*template_meta.get("finalizers", ()), TRACKING_FINALIZER],
    }
    if annotations:
        pod_meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec}
