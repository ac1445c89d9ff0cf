"""The CNI conformance suite against the real binaries, in namespaces the test makes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from microkube_cni_bridge.exec_cni import ExecCNI
from microkube_cni_bridge.network import bridge_network

from microkube.contracts import FactoryContext
from microkube.contracts.cni import CNIContext
from microkube.testing.conformance.cni import CNIConformance


class TestBridgeConformance(CNIConformance):
    @pytest.fixture
    def cni(self, tmp_path: Path, node_netns: str) -> ExecCNI:
        options = {"subnet": "10.244.7.0/24", "netns": node_netns, "bridge": "mkcni0"}
        return bridge_network(
            FactoryContext(data_dir=tmp_path, node_name="node-1", options=options)
        )

    @pytest.fixture
    def new_context(self, netns_factory: Callable[[], str]) -> Callable[[], CNIContext]:
        def make() -> CNIContext:
            container_id = uuid.uuid4().hex
            return CNIContext(
                container_id=container_id,
                netns=netns_factory(),
                pod_namespace="conformance",
                pod_name=f"pod-{container_id[:8]}",
                pod_uid=str(uuid.uuid4()),
            )

        return make
