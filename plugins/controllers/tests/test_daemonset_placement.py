"""Which nodes a DaemonSet's pods fit, and how they are pinned there."""

from __future__ import annotations

from microkube_controllers.daemonset.placement import (
    Placement,
    daemon_tolerations,
    pin_to_node,
    placement,
    target_node,
    tolerates,
)


def node(name, labels=None, taints=None):
    return {
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": {"taints": taints or []},
    }


def test_daemon_pods_tolerate_node_conditions():
    added = daemon_tolerations({})
    expected = {
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    }
    assert {(t["key"], t["effect"]) for t in added} == expected
    assert all(t["operator"] == "Exists" for t in added)
    with_host_network = daemon_tolerations({"hostNetwork": True})
    assert {
        "key": "node.kubernetes.io/network-unavailable",
        "operator": "Exists",
        "effect": "NoSchedule",
    } in with_host_network
    # the pod's own tolerations stay, and the standard ones are not doubled
    own = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}
    assert daemon_tolerations({"tolerations": [own]}).count(own) == 1


def test_toleration_matching():
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    assert tolerates([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}], taint)
    assert tolerates([{"key": "dedicated", "operator": "Exists"}], taint)
    assert tolerates([{"operator": "Exists"}], taint)
    assert not tolerates([{"key": "dedicated", "value": "cpu"}], taint)
    assert not tolerates([{"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}], taint)
    assert not tolerates([], taint)


def test_node_selector_and_required_affinity():
    spec = {"nodeSelector": {"disk": "ssd"}}
    assert placement(spec, node("a", {"disk": "ssd"})) == Placement(True, True)
    assert placement(spec, node("b", {"disk": "hdd"})) == Placement(False, False)
    affinity = {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z1"]}]},
                        {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["8"]}]},
                    ]
                }
            }
        }
    }
    assert placement(affinity, node("z", {"zone": "z1"})).should_run
    assert placement(affinity, node("big", {"cores": "16"})).should_run
    assert not placement(affinity, node("small", {"cores": "4"})).should_run
    assert not placement({"nodeName": "other"}, node("a")).should_run


def test_taints_decide_running_and_continuing():
    gpu = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    evict = {"key": "maintenance", "effect": "NoExecute"}
    prefer = {"key": "soft", "effect": "PreferNoSchedule"}
    assert placement({}, node("a", taints=[gpu])) == Placement(False, True)
    assert placement({}, node("a", taints=[evict])) == Placement(False, False)
    assert placement({}, node("a", taints=[prefer])) == Placement(True, True)
    tolerant = {"tolerations": [{"key": "dedicated", "operator": "Exists"}]}
    assert placement(tolerant, node("a", taints=[gpu])) == Placement(True, True)
    # conditions every daemon pod tolerates
    unschedulable = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
    not_ready = {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}
    assert placement({}, node("a", taints=[unschedulable, not_ready])) == Placement(True, True)


def test_pods_are_pinned_to_their_node_by_affinity():
    spec = {
        "containers": [{"name": "c", "image": "x"}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z1"]}]}
                    ]
                }
            },
            "podAntiAffinity": {"kept": True},
        },
    }
    pinned = pin_to_node(spec, "node-7")
    terms = pinned["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    assert terms == [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-7"]}]}
    ]
    assert pinned["affinity"]["podAntiAffinity"] == {"kept": True}
    assert "nodeName" not in pinned
    assert len(pinned["tolerations"]) == 6
    assert target_node({"spec": pinned}) == "node-7"
    assert target_node({"spec": {**pinned, "nodeName": "bound"}}) == "bound"
    assert target_node({"spec": {}}) is None
    assert spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ][0]["matchExpressions"]  # the template is not changed
