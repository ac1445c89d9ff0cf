"""The node lifecycle controller: the test plays two kubelets (Node objects, their Leases in
kube-node-lease, pod status); one stops renewing its Lease."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime

from microkube_controllers.lifecycle.nodelifecycle.health import HealthTracker, unknown_conditions
from microkube_controllers.lifecycle.nodelifecycle.taints import (
    toleration_seconds,
    with_no_execute,
    with_no_schedule,
)
from microkube_controllers.lifecycle.nodelifecycle.zones import (
    TokenBucket,
    ZoneState,
    zone_state,
)

NS = "default"
OPTIONS = {"node-monitor-period": "200ms", "node-monitor-grace-period": "2s"}


def _micro_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ready_node(ready: str = "True") -> dict:
    return {
        "metadata": {"name": "n", "creationTimestamp": "2024-01-01T00:00:00Z"},
        "status": {"conditions": [{"type": "Ready", "status": ready}]},
    }


def test_a_silent_node_gets_unknown_conditions_as_upstream_writes_them():
    conditions = {c["type"]: c for c in unknown_conditions(_ready_node(), "2024-02-02T00:00:00Z")}
    assert conditions["Ready"]["status"] == "Unknown"
    assert conditions["Ready"]["reason"] == "NodeStatusUnknown"
    assert conditions["Ready"]["message"] == "Kubelet stopped posting node status."
    assert conditions["MemoryPressure"]["reason"] == "NodeStatusNeverUpdated"
    assert conditions["MemoryPressure"]["message"] == "Kubelet never posted node status."
    assert (
        unknown_conditions(
            {"metadata": {}, "status": {"conditions": list(conditions.values())}}, "x"
        )
        is None
    )


def test_health_changes_only_on_a_new_heartbeat_or_lease_renewal():
    tracker = HealthTracker()
    node = _ready_node()
    lease = {"spec": {"renewTime": "a"}}
    assert tracker.observe(node, lease, 1.0).probe == 1.0
    assert tracker.observe(node, lease, 5.0).probe == 1.0
    assert tracker.observe(node, {"spec": {"renewTime": "b"}}, 7.0).probe == 7.0


def test_taints_follow_conditions():
    node = _ready_node("Unknown")
    assert with_no_schedule(node) == [
        {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}
    ]
    tainted = with_no_execute(node, "node.kubernetes.io/unreachable", "T")
    assert tainted == [
        {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": "T"}
    ]
    node["spec"] = {"taints": [*tainted, {"key": "user", "effect": "NoSchedule"}]}
    assert with_no_execute(node, None, "T") == [{"key": "user", "effect": "NoSchedule"}]
    healthy = {
        "spec": {"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }
    assert with_no_schedule(healthy) == []


def test_toleration_seconds_are_the_shortest_used():
    taint = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
    assert toleration_seconds([], [taint]) == (False, 0.0)
    forever = {"key": taint["key"], "operator": "Exists", "effect": "NoExecute"}
    assert toleration_seconds([forever], [taint]) == (True, None)
    timed = {**forever, "tolerationSeconds": 5}
    assert toleration_seconds([timed, {"operator": "Exists", "tolerationSeconds": 9}], [taint]) == (
        True,
        5.0,
    )


def test_zone_states_and_rate_limits():
    ready, down = _ready_node("True"), _ready_node("Unknown")
    assert zone_state([down, down], 0.55) is ZoneState.FULL_DISRUPTION
    assert zone_state([ready, down], 0.55) is ZoneState.NORMAL
    assert zone_state([ready, down, down, down], 0.55) is ZoneState.PARTIAL_DISRUPTION
    clock = [0.0]
    bucket = TokenBucket(0.1, clock=lambda: clock[0])
    assert bucket.try_accept() and not bucket.try_accept()
    clock[0] = 10.0
    assert bucket.try_accept()
    assert not TokenBucket(0.0).try_accept()


async def _node(client, name: str) -> None:
    await client.create("nodes", {"metadata": {"name": name}})
    await _post_ready(client, name)
    await client.create(
        "leases",
        {
            "metadata": {"name": name},
            "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": _micro_now()},
        },
        "kube-node-lease",
    )


async def _post_ready(client, name: str) -> None:
    now = _now()
    await client.patch_status(
        "nodes",
        name,
        {
            "status": {
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "KubeletReady",
                        "message": "kubelet is posting ready status",
                        "lastHeartbeatTime": now,
                        "lastTransitionTime": now,
                    }
                ]
            }
        },
    )


async def _renew(client, name: str) -> None:
    await client.patch("leases", name, {"spec": {"renewTime": _micro_now()}}, "kube-node-lease")


async def _keep_alive(client, name: str) -> None:
    while True:
        await _renew(client, name)
        await asyncio.sleep(0.3)


async def _pod(client, name: str, node: str, toleration_seconds: int | None = None) -> None:
    spec: dict = {"containers": [{"name": "c", "image": "busybox"}]}
    if toleration_seconds is not None:
        spec["tolerations"] = [
            {
                "key": key,
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": toleration_seconds,
            }
            for key in ("node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready")
        ]
    await client.create("pods", {"metadata": {"name": name}, "spec": spec}, NS)
    await client.bind(name, node, NS)
    await client.patch_status(
        "pods",
        name,
        {
            "status": {
                "phase": "Running",
                "podIP": "10.0.0.1",
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": _now()}],
            }
        },
        NS,
    )


async def test_a_node_whose_lease_stops_is_tainted_and_its_pods_evicted(
    lifecycle_controllers, poll_until
):
    cluster, client = await lifecycle_controllers("nodelifecycle", options=OPTIONS)
    await _node(client, "node-a")
    await _node(client, "node-b")
    alive = asyncio.create_task(_keep_alive(client, "node-a"))
    try:
        await _pod(client, "quick", "node-b", toleration_seconds=2)
        await _pod(client, "patient", "node-b")  # the API server's default: 300 s
        await _pod(client, "elsewhere", "node-a", toleration_seconds=2)
        defaulted = await client.get("pods", "patient", NS)
        assert {t.get("tolerationSeconds") for t in defaulted["spec"]["tolerations"]} == {300}

        async def tainted():
            node = await client.get("nodes", "node-b")
            taints = {(t["key"], t["effect"]) for t in (node.get("spec") or {}).get("taints") or ()}
            return node if ("node.kubernetes.io/unreachable", "NoExecute") in taints else None

        node = await poll_until(tainted)
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        assert (ready["status"], ready["reason"], ready["message"]) == (
            "Unknown",
            "NodeStatusUnknown",
            "Kubelet stopped posting node status.",
        )
        keys = {(t["key"], t["effect"]) for t in node["spec"]["taints"]}
        assert ("node.kubernetes.io/unreachable", "NoSchedule") in keys
        described = await cluster.kubectl("describe", "node", "node-b")
        assert "node.kubernetes.io/unreachable:NoExecute" in described.stdout

        async def evicted():
            pod = await client.get("pods", "quick", NS)
            return pod if pod["metadata"].get("deletionTimestamp") else None

        pod = await poll_until(evicted)
        disruption = next(c for c in pod["status"]["conditions"] if c["type"] == "DisruptionTarget")
        assert disruption["reason"] == "DeletionByTaintManager"
        patient = await client.get("pods", "patient", NS)
        assert not patient["metadata"].get("deletionTimestamp")
        ready = next(c for c in patient["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "False"
        elsewhere = await client.get("pods", "elsewhere", NS)
        assert not elsewhere["metadata"].get("deletionTimestamp")
        healthy = await client.get("nodes", "node-a")
        assert not (healthy.get("spec") or {}).get("taints")
        events = await cluster.kubectl(
            "get", "events", "-n", NS, "--field-selector", "involvedObject.name=quick", "-o", "json"
        )
        reasons = {e["reason"] for e in json.loads(events.stdout)["items"]}
        assert "TaintManagerEviction" in reasons

        # the kubelet comes back: Ready posted, Lease renewed -> taints removed
        await _post_ready(client, "node-b")
        await _renew(client, "node-b")

        async def untainted():
            node = await client.get("nodes", "node-b")
            return not (node.get("spec") or {}).get("taints")

        await poll_until(untainted)
    finally:
        alive.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await alive


async def test_no_taints_when_every_node_is_down(lifecycle_controllers, poll_until):
    _cluster, client = await lifecycle_controllers("nodelifecycle", options=OPTIONS)
    await _node(client, "only")

    async def unknown():
        node = await client.get("nodes", "only")
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        return node if ready["status"] == "Unknown" else None

    await poll_until(unknown)
    await asyncio.sleep(1.0)
    node = await client.get("nodes", "only")
    assert not any(t["effect"] == "NoExecute" for t in (node.get("spec") or {}).get("taints") or ())


async def test_a_node_reporting_not_ready_gets_the_not_ready_taints(
    lifecycle_controllers, poll_until
):
    _cluster, client = await lifecycle_controllers("nodelifecycle", options=OPTIONS)
    await _node(client, "node-a")
    await _node(client, "node-b")
    alive = [asyncio.create_task(_keep_alive(client, name)) for name in ("node-a", "node-b")]
    try:
        now = _now()
        not_ready = {
            "type": "Ready",
            "status": "False",
            "reason": "KubeletNotReady",
            "message": "container runtime network not ready",
            "lastHeartbeatTime": now,
            "lastTransitionTime": now,
        }
        await client.patch_status("nodes", "node-b", {"status": {"conditions": [not_ready]}})

        async def tainted():
            node = await client.get("nodes", "node-b")
            return {(t["key"], t["effect"]) for t in (node.get("spec") or {}).get("taints") or ()}

        async def both():
            found = await tainted()
            return found == {
                ("node.kubernetes.io/not-ready", "NoExecute"),
                ("node.kubernetes.io/not-ready", "NoSchedule"),
            }

        await poll_until(both)
        node = await client.get("nodes", "node-b")
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        assert ready["reason"] == "KubeletNotReady"  # a live kubelet's word is kept
    finally:
        for task in alive:
            task.cancel()
        await asyncio.gather(*alive, return_exceptions=True)
