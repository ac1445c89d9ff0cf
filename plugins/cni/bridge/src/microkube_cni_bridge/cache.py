"""The result cache: what ADD did, kept on disk for DEL and CHECK (libcni's
``/var/lib/cni/results``).

DEL and CHECK must see the same configuration, capability arguments and namespace as the ADD
they undo or verify, with its result as ``prevResult``, even after the kubelet restarted or
the pod's namespace is gone. One JSON file per (network, container id, interface), written
atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = ["CachedAttachment", "ResultCache"]


@attrs.frozen(kw_only=True)
class CachedAttachment:
    container_id: str
    ifname: str
    netns: str
    network: dict[str, Any]
    capability_args: dict[str, Any]
    cni_args: dict[str, str]
    result: dict[str, Any]


class ResultCache:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def _path(self, network: str, container_id: str, ifname: str) -> Path:
        return self.directory / f"{network}-{container_id}-{ifname}"

    def get(self, network: str, container_id: str, ifname: str) -> CachedAttachment | None:
        try:
            data = json.loads(self._path(network, container_id, ifname).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # a torn or foreign file: treat as absent (DEL still runs)
        try:
            return CachedAttachment(
                container_id=data["containerId"],
                ifname=data["ifName"],
                netns=data.get("netns", ""),
                network=data["config"],
                capability_args=data.get("capabilityArgs") or {},
                cni_args=data.get("cniArgs") or {},
                result=data.get("result") or {},
            )
        except (KeyError, TypeError):
            return None

    def put(self, network: str, entry: CachedAttachment) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        body: Mapping[str, Any] = {
            "kind": "cniCacheV1",
            "containerId": entry.container_id,
            "ifName": entry.ifname,
            "networkName": network,
            "netns": entry.netns,
            "config": entry.network,
            "capabilityArgs": entry.capability_args,
            "cniArgs": entry.cni_args,
            "result": entry.result,
        }
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(body, out)
            os.replace(tmp, self._path(network, entry.container_id, entry.ifname))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def remove(self, network: str, container_id: str, ifname: str) -> None:
        self._path(network, container_id, ifname).unlink(missing_ok=True)
