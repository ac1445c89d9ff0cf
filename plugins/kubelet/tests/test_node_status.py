"""Node objects and conditions (pure)."""

from __future__ import annotations

from microkube_kubelet.host import Pressure, hollow_host
from microkube_kubelet.node_status import NodeHealth, node_conditions, node_object, significant
from microkube_kubelet.options import parse_options


def test_conditions_keep_transition_time_until_status_changes():
    fine = Pressure(memory=False, disk=False, pid=False)
    first = node_conditions(fine, NodeHealth(True), now=1000)
    assert [c["type"] for c in first] == ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]
    again = node_conditions(fine, NodeHealth(True), first, now=2000)
    assert significant({"conditions": again}) == significant({"conditions": first})
    assert again[3]["lastHeartbeatTime"] != first[3]["lastHeartbeatTime"]
    down = node_conditions(
        Pressure(memory=True, disk=False, pid=False),
        NodeHealth(False, "container runtime is down"),
        again,
        now=3000,
    )
    by_type = {c["type"]: c for c in down}
    assert by_type["Ready"] == {
        **by_type["Ready"],
        "status": "False",
        "reason": "KubeletNotReady",
        "message": "container runtime is down",
    }
    assert by_type["Ready"]["lastTransitionTime"] != first[3]["lastTransitionTime"]
    assert by_type["MemoryPressure"]["reason"] == "KubeletHasInsufficientMemory"
    assert by_type["DiskPressure"]["lastTransitionTime"] == first[1]["lastTransitionTime"]


def test_node_object_labels_and_taints():
    options = parse_options(
        {
            "node-name": "n1",
            "node-labels": {"role": "edge"},
            "register-with-taints": ["k=v:NoSchedule"],
        }
    )
    node = node_object(hollow_host("n1"), options)
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "n1"
    assert node["metadata"]["labels"]["role"] == "edge"
    assert node["spec"]["taints"] == [{"key": "k", "value": "v", "effect": "NoSchedule"}]


def test_hollow_hosts_have_stable_distinct_identities():
    assert hollow_host("a").machine_id == hollow_host("a").machine_id
    assert hollow_host("a").machine_id != hollow_host("b").machine_id
