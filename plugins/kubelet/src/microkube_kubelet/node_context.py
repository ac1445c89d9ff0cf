"""What every pod worker of one kubelet shares. One instance per kubelet, never module
state, so one process can run many kubelets (hollow nodes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from microkube.client.api import ApiClient
from microkube.client.events import EventRecorder
from microkube.contracts.runtime import ContainerRuntime
from microkube_kubelet.api_objects import ApiObjects
from microkube_kubelet.options import KubeletOptions
from microkube_kubelet.pleg import Pleg
from microkube_kubelet.prober import Prober
from microkube_kubelet.status_writer import StatusWriter

__all__ = ["NodeContext"]


@attrs.define(kw_only=True)
class NodeContext:
    node_name: str
    options: KubeletOptions
    root_dir: Path
    runtime: ContainerRuntime
    #: the ``<runtime>://`` prefix of container IDs
    runtime_name: str
    api: ApiClient
    recorder: EventRecorder
    objects: ApiObjects
    statuses: StatusWriter
    prober: Prober
    pleg: Pleg
    host_ip: str
    allocatable: dict[str, str] = attrs.field(factory=dict)

    def event(self, pod: dict[str, Any], type_: str, reason: str, message: str, **kw: Any) -> None:
        self.recorder.event(
            {"apiVersion": "v1", "kind": "Pod", **pod}, type_, reason, message, **kw
        )
