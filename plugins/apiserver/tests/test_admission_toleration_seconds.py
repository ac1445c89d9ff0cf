"""DefaultTolerationSeconds: new pods tolerate unready and unreachable nodes for a while."""

from __future__ import annotations

import pytest
from microkube_apiserver.admission.toleration_seconds import DefaultTolerationSeconds

from microkube.config import ConfigError
from microkube.contracts.admission import AdmissionRequest, GroupVersionResource, Operation

PODS = "/api/v1/namespaces/default/pods"


def _pod(name: str, tolerations: list | None = None) -> dict:
    spec: dict = {"containers": [{"name": "c", "image": "busybox"}]}
    if tolerations is not None:
        spec["tolerations"] = tolerations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


async def test_a_new_pod_tolerates_both_taints_for_300_seconds(client):
    pod = (await client.post(PODS, _pod("a"))).body
    assert pod["spec"]["tolerations"] == [
        {
            "key": "node.kubernetes.io/not-ready",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
        {
            "key": "node.kubernetes.io/unreachable",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
    ]


async def test_a_pods_own_toleration_is_kept(client):
    own = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}
    pod = (await client.post(PODS, _pod("b", [own]))).body
    keys = [(t["key"], t.get("tolerationSeconds")) for t in pod["spec"]["tolerations"]]
    assert keys == [
        ("node.kubernetes.io/unreachable", None),
        ("node.kubernetes.io/not-ready", 300),
    ]
    everything = (await client.post(PODS, _pod("c", [{"operator": "Exists"}]))).body
    assert everything["spec"]["tolerations"] == [{"operator": "Exists"}]


async def test_the_seconds_are_configurable_and_checked():
    plugin = DefaultTolerationSeconds(
        {"default-not-ready-toleration-seconds": 5, "default-unreachable-toleration-seconds": 60}
    )
    request = AdmissionRequest(
        operation=Operation.CREATE,
        resource=GroupVersionResource(group="", version="v1", resource="pods"),
        kind="Pod",
        namespace="default",
        name="d",
        object=_pod("d"),
    )
    assert plugin.handles(request)
    await plugin.admit(request)
    seconds = [t["tolerationSeconds"] for t in request.object["spec"]["tolerations"]]
    assert seconds == [5, 60]
    with pytest.raises(ConfigError, match="default-unreachable-toleration-seconds"):
        DefaultTolerationSeconds({"default-unreachable-toleration-seconds": -1})
