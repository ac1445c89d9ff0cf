"""Static pods: manifests in ``pod-manifest-path`` that this kubelet runs by itself, API
server or not, and their mirror pods, as upstream's ``config/file.go`` and ``mirror_client``.

Each manifest (YAML or JSON, one Pod per file; hidden files are skipped) becomes a pod named
``<name>-<node>`` whose uid is a hash of its content and the node, so an unchanged manifest
keeps its pod across kubelet restarts and an edited one replaces it. When the API server is
reachable, a mirror pod (annotation ``kubernetes.io/config.mirror``) shows it there and
receives its status; a deleted or outdated mirror pod is created again.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from microkube.client.errors import AlreadyExistsError, ApiError, NotFoundError, TransportError
from microkube_kubelet.podutil import HASH_ANNOTATION, MIRROR_ANNOTATION, SOURCE_ANNOTATION

if TYPE_CHECKING:
    from microkube_kubelet.kubelet import Kubelet

__all__ = ["ManifestError", "StaticPods", "read_manifest"]

log = logging.getLogger(__name__)


class ManifestError(ValueError):
    """A manifest that is not a Pod."""


def _default_spec(spec: dict[str, Any]) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or ():
            image = container.get("image", "")
            if not container.get("imagePullPolicy"):
                tag = image.rsplit("/", 1)[-1].partition(":")[2]
                always = "@" not in image and tag in ("", "latest")
                container["imagePullPolicy"] = "Always" if always else "IfNotPresent"
    # Static pods tolerate every NoExecute taint (upstream).
    tolerations = spec.setdefault("tolerations", [])
    if not any(
        t.get("operator") == "Exists" and t.get("effect") == "NoExecute" for t in tolerations
    ):
        tolerations.append({"operator": "Exists", "effect": "NoExecute"})


def read_manifest(path: Path, node_name: str) -> dict[str, Any]:
    """The static pod of one manifest file (ManifestError if it is not a Pod)."""
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path}: not YAML or JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("kind", "Pod") != "Pod":
        raise ManifestError(f"{path}: a static pod manifest must hold one Pod")
    if document.get("apiVersion", "v1") != "v1":
        raise ManifestError(f"{path}: apiVersion must be v1")
    meta = document.setdefault("metadata", {})
    if not meta.get("name"):
        raise ManifestError(f"{path}: metadata.name is required")
    spec = document.setdefault("spec", {})
    if not spec.get("containers"):
        raise ManifestError(f"{path}: spec.containers must not be empty")
    names = [c.get("name") for c in [*(spec.get("initContainers") or ()), *spec["containers"]]]
    if not all(names) or len(set(names)) != len(names):
        raise ManifestError(f"{path}: containers need unique, non-empty names")
    content = json.dumps(document, sort_keys=True)
    uid = hashlib.md5(f"{content}\n{node_name}".encode(), usedforsecurity=False).hexdigest()
    meta["name"] = f"{meta['name']}-{node_name}"
    meta.setdefault("namespace", "default")
    meta["uid"] = uid
    annotations = meta.setdefault("annotations", {})
    annotations[SOURCE_ANNOTATION] = "file"
    annotations[HASH_ANNOTATION] = uid
    spec["nodeName"] = node_name
    _default_spec(spec)
    document["apiVersion"], document["kind"] = "v1", "Pod"
    return document


class StaticPods:
    def __init__(self, kubelet: Kubelet) -> None:
        self.kubelet = kubelet
        self.directory = Path(kubelet.options.pod_manifest_path or "")
        #: uid -> static pod
        self.pods: dict[str, dict[str, Any]] = {}
        #: full name (namespace/name) -> mirror pod as the API server shows it
        self.mirrors: dict[str, dict[str, Any]] = {}
        self.synced = False
        self._wake = asyncio.Event()

    def knows(self, uid: str) -> bool:
        return uid in self.pods

    # -- manifests ------------------------------------------------------------------------

    def _read_all(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        if not self.directory.is_dir():
            return found
        for path in sorted(self.directory.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            try:
                pod = read_manifest(path, self.kubelet.node_name)
            except (ManifestError, OSError, UnicodeDecodeError) as exc:
                log.warning("static pod manifest skipped: %s", exc)
                continue
            found[pod["metadata"]["uid"]] = pod
        return found

    async def sync(self) -> bool:
        """Read the manifests: start new pods, terminate removed or changed ones; then the
        mirror pods. True when the mirrors must be tried again soon."""
        fresh = await asyncio.to_thread(self._read_all)
        for uid in self.pods:
            if uid not in fresh:
                worker = self.kubelet.workers.get(uid)
                if worker is not None:
                    worker.remove()
        self.pods = fresh
        for pod in fresh.values():
            worker = self.kubelet.workers.get(pod["metadata"]["uid"])
            if worker is None:
                worker = self.kubelet.add_static(copy.deepcopy(pod))
            worker.status_target = self.mirrors.get(_full_name(pod))
        self.synced = True
        return await self._sync_mirrors()

    async def run(self) -> None:
        frequency = self.kubelet.options.file_check_frequency
        while True:
            self._wake.clear()
            try:
                retry = await self.sync()
            except (ApiError, TransportError, OSError, TimeoutError) as exc:
                log.info("static pods: mirror pods wait for the API server: %s", exc)
                retry = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._wake.wait(), min(1.0, frequency) if retry else frequency
                )

    # -- mirror pods ----------------------------------------------------------------------

    def mirror_changed(self, mirror: dict[str, Any]) -> None:
        self.mirrors[_full_name(mirror)] = mirror
        for pod in self.pods.values():
            if _full_name(pod) == _full_name(mirror):
                worker = self.kubelet.workers.get(pod["metadata"]["uid"])
                if worker is not None:
                    worker.status_target = mirror
                    if mirror["metadata"].get("deletionTimestamp"):
                        self._wake.set()
                    worker.wake()
        if (mirror.get("metadata") or {}).get("deletionTimestamp"):
            self._wake.set()

    def mirror_deleted(self, mirror: dict[str, Any]) -> None:
        obj = getattr(mirror, "obj", mirror)
        self.mirrors.pop(_full_name(obj), None)
        for pod in self.pods.values():
            worker = self.kubelet.workers.get(pod["metadata"]["uid"])
            if worker is not None and _full_name(pod) == _full_name(obj):
                worker.status_target = None
        self._wake.set()  # a static pod's mirror is created again

    async def _sync_mirrors(self) -> bool:
        api = self.kubelet.api
        wanted = {_full_name(pod): pod for pod in self.pods.values()}
        for full, mirror in list(self.mirrors.items()):
            meta = mirror["metadata"]
            pod = wanted.get(full)
            stale = (
                pod is None
                or (meta.get("annotations") or {}).get(MIRROR_ANNOTATION) != pod["metadata"]["uid"]
            )
            if stale or meta.get("deletionTimestamp"):
                with contextlib.suppress(NotFoundError):
                    await api.delete(
                        "pods",
                        meta["name"],
                        meta.get("namespace"),
                        grace_period_seconds=0,
                        preconditions={"uid": meta.get("uid", "")},
                    )
                self.mirrors.pop(full, None)
        if not self.kubelet.reporter.node_uid:
            return True  # as upstream: mirror pods wait for the Node (their owner)
        retry = False
        for full, pod in wanted.items():
            if full in self.mirrors:
                continue
            try:
                created = await api.create(
                    "pods", self._mirror_body(pod), pod["metadata"]["namespace"]
                )
            except AlreadyExistsError:
                retry = True  # the informer brings it; a stale one is replaced next round
                continue
            self.mirror_changed(created)
        return retry

    def _mirror_body(self, pod: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(pod)
        meta = body["metadata"]
        uid = meta.pop("uid")
        meta.pop("resourceVersion", None)
        meta["annotations"][MIRROR_ANNOTATION] = uid
        meta["ownerReferences"] = [
            {
                "apiVersion": "v1",
                "kind": "Node",
                "name": self.kubelet.node_name,
                "uid": self.kubelet.reporter.node_uid,
                "controller": True,
            }
        ]
        body.pop("status", None)
        return body


def _full_name(pod: Any) -> str:
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace') or 'default'}/{meta.get('name', '')}"
