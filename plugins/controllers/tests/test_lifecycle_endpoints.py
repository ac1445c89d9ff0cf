"""The endpointslice and endpoints controllers against a real API server; the test plays the
kubelet (binds pods to a Node object it created and writes their status)."""

from __future__ import annotations

import json

from microkube_controllers.lifecycle.endpoints.pods import find_port, should_be_in_endpoints
from microkube_controllers.lifecycle.endpoints.slices import Group, plan
from microkube_controllers.lifecycle.endpoints.subsets import desired_subsets

NS = "default"
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "labels": {"tier": "front"}},
    "spec": {
        "selector": {"app": "web"},
        "ports": [
            {"name": "http", "port": 80, "targetPort": "http-port"},
            {"name": "metrics", "port": 9090, "targetPort": 9090},
        ],
    },
}


def _pod(name: str, http_port: int, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": "web"}},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "image": "busybox",
                    "ports": [{"name": "http-port", "containerPort": http_port}],
                }
            ]
        },
    }


async def _run_pod(client, name: str, ip: str, node: str, ready: bool) -> None:
    """What a kubelet would do: the pod is bound, running, has an IP and a readiness."""
    await client.bind(name, node, NS)
    await _set_ready(client, name, ip, ready)


async def _set_ready(client, name: str, ip: str, ready: bool) -> None:
    status = "True" if ready else "False"
    await client.patch_status(
        "pods",
        name,
        {
            "status": {
                "phase": "Running",
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "conditions": [
                    {
                        "type": "Ready",
                        "status": status,
                        "lastTransitionTime": "2024-05-01T00:00:00Z",
                    }
                ],
            }
        },
        NS,
    )


async def _node(client, name: str, zone: str) -> None:
    await client.create(
        "nodes",
        {"metadata": {"name": name, "labels": {"topology.kubernetes.io/zone": zone}}},
    )


def test_named_target_ports_resolve_per_pod_and_protocol():
    pod = _pod("p", 8080)
    assert find_port(pod, {"port": 80, "targetPort": "http-port"}) == 8080
    assert find_port(pod, {"port": 80, "targetPort": "http-port", "protocol": "UDP"}) is None
    assert find_port(pod, {"port": 80, "targetPort": 81}) == 81
    assert find_port(pod, {"port": 80}) == 80


def test_pods_without_ip_or_finished_are_not_endpoints():
    pod = {"metadata": {"name": "p"}, "status": {"phase": "Running", "podIP": "10.0.0.1"}}
    assert should_be_in_endpoints(pod, include_terminating=False)
    assert not should_be_in_endpoints({"metadata": {}, "status": {}}, True)
    done = {"metadata": {}, "status": {"phase": "Succeeded", "podIP": "10.0.0.1"}}
    assert not should_be_in_endpoints(done, True)
    going = {"metadata": {"deletionTimestamp": "x"}, "status": {"podIP": "10.0.0.1"}}
    assert should_be_in_endpoints(going, True)
    assert not should_be_in_endpoints(going, False)


def test_a_slice_holds_at_most_100_endpoints_and_existing_slices_are_kept():
    service = {"metadata": {"name": "s", "namespace": "n", "uid": "u"}, "spec": {}}
    endpoints = tuple(
        {"addresses": [f"10.0.{i // 250}.{i % 250}"], "targetRef": {"uid": f"p{i}"}}
        for i in range(250)
    )
    group = Group("IPv4", (), endpoints)
    first = plan(service, [group], [])
    assert [len(s["endpoints"]) for s in first.create] == [100, 100, 50]
    existing = []
    for number, body in enumerate(first.create):
        body["metadata"] = {**body["metadata"], "name": f"s-{number}", "uid": f"slice-{number}"}
        existing.append(body)
    # one endpoint gone, one new: only the slices concerned change
    changed = Group(
        "IPv4", (), (*endpoints[1:], {"addresses": ["10.9.9.9"], "targetRef": {"uid": "new"}})
    )
    second = plan(service, [changed], existing)
    assert not second.create and not second.delete
    assert [s["metadata"]["name"] for s in second.update] == ["s-0"]
    assert {e["targetRef"]["uid"] for e in second.update[0]["endpoints"]} == (
        {f"p{i}" for i in range(1, 100)} | {"new"}
    )
    empty = plan(service, [], existing)
    assert len(empty.delete) == 3 and len(empty.create) == 1
    assert empty.create[0]["endpoints"] == [] and "ports" not in empty.create[0]


async def test_slices_and_endpoints_follow_pods_and_readiness(lifecycle_controllers, poll_until):
    cluster, client = await lifecycle_controllers("endpointslice", "endpoints")
    await _node(client, "node-1", "zone-a")
    await client.create("services", SERVICE, NS)
    await client.create("pods", _pod("web-0", 8080), NS)
    await client.create("pods", _pod("web-1", 8081), NS)
    await client.create("pods", _pod("web-pending", 8080), NS)
    await client.create("pods", _pod("other", 8080, {"app": "other"}), NS)
    await _run_pod(client, "web-0", "10.244.0.10", "node-1", ready=True)
    await _run_pod(client, "web-1", "10.244.0.11", "node-1", ready=False)
    await _run_pod(client, "other", "10.244.0.12", "node-1", ready=True)

    async def slices():
        result = await cluster.kubectl(
            "get",
            "endpointslices",
            "-n",
            NS,
            "-l",
            "kubernetes.io/service-name=web",
            "-o",
            "json",
        )
        items = json.loads(result.stdout)["items"]
        found = {e["targetRef"]["name"]: (s, e) for s in items for e in s.get("endpoints") or ()}
        return items if set(found) == {"web-0", "web-1"} else None

    items = await poll_until(slices)
    assert len(items) == 2  # web-0 and web-1 resolve "http" to different ports
    by_pod = {e["targetRef"]["name"]: (s, e) for s in items for e in s["endpoints"]}
    slice0, endpoint0 = by_pod["web-0"]
    assert endpoint0["addresses"] == ["10.244.0.10"]
    assert endpoint0["conditions"] == {"ready": True, "serving": True, "terminating": False}
    assert endpoint0["nodeName"] == "node-1"
    assert endpoint0["zone"] == "zone-a"
    assert sorted((p["name"], p["port"]) for p in slice0["ports"]) == [
        ("http", 8080),
        ("metrics", 9090),
    ]
    assert slice0["addressType"] == "IPv4"
    labels = slice0["metadata"]["labels"]
    assert labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    assert labels["tier"] == "front"
    assert slice0["metadata"]["ownerReferences"][0]["kind"] == "Service"
    assert "endpoints.kubernetes.io/last-change-trigger-time" in slice0["metadata"]["annotations"]
    slice1, endpoint1 = by_pod["web-1"]
    assert endpoint1["conditions"] == {"ready": False, "serving": False, "terminating": False}
    assert [p["port"] for p in slice1["ports"] if p["name"] == "http"] == [8081]

    async def endpoints():
        result = await cluster.kubectl(
            "get", "endpoints", "web", "-n", NS, "-o", "json", check=False
        )
        if result.returncode != 0:
            return None
        return json.loads(result.stdout)

    async def endpoints_listing_both():
        found = await endpoints()
        subsets = (found or {}).get("subsets") or []
        names = {
            a["targetRef"]["name"]
            for s in subsets
            for a in (s.get("addresses") or []) + (s.get("notReadyAddresses") or [])
        }
        return found if names == {"web-0", "web-1"} else None

    found = await poll_until(endpoints_listing_both)
    ready = {a["ip"]: s for s in found["subsets"] for a in s.get("addresses") or ()}
    not_ready = {a["ip"]: s for s in found["subsets"] for a in s.get("notReadyAddresses") or ()}
    assert set(ready) == {"10.244.0.10"} and set(not_ready) == {"10.244.0.11"}
    assert sorted(p["port"] for p in ready["10.244.0.10"]["ports"]) == [8080, 9090]
    assert found["metadata"]["labels"] == {
        "tier": "front",
        "endpoints.kubernetes.io/managed-by": "endpoint-controller",
    }
    assert "endpoints.kubernetes.io/last-change-trigger-time" in found["metadata"]["annotations"]
    wide = await cluster.kubectl("get", "endpoints", "web", "-n", NS)
    assert "10.244.0.10:8080" in wide.stdout

    await _set_ready(client, "web-1", "10.244.0.11", True)

    async def both_ready():
        found = await endpoints()
        addresses = {a["ip"] for s in found.get("subsets") or () for a in s.get("addresses") or ()}
        return addresses == {"10.244.0.10", "10.244.0.11"}

    await poll_until(both_ready)

    async def slice_ready():
        items = await slices()
        return items and all(e["conditions"]["ready"] for s in items for e in s["endpoints"])

    await poll_until(slice_ready)

    await client.delete("pods", "web-0", NS, grace_period_seconds=0)

    async def web0_gone():
        items = await slices()
        if items is not None:
            return False
        result = await cluster.kubectl(
            "get", "endpointslices", "-n", NS, "-l", "kubernetes.io/service-name=web", "-o", "json"
        )
        names = {
            e["targetRef"]["name"]
            for s in json.loads(result.stdout)["items"]
            for e in s.get("endpoints") or ()
        }
        found = await endpoints()
        ips = {a["ip"] for s in found.get("subsets") or () for a in s.get("addresses") or ()}
        return names == {"web-1"} and ips == {"10.244.0.11"}

    await poll_until(web0_gone)


async def test_services_without_selector_are_left_alone(lifecycle_controllers, poll_until):
    _cluster, client = await lifecycle_controllers("endpointslice", "endpoints")
    await client.create(
        "services",
        {"metadata": {"name": "manual"}, "spec": {"ports": [{"port": 80}]}},
        NS,
    )
    await client.create(
        "endpoints",
        {
            "metadata": {"name": "manual"},
            "subsets": [{"addresses": [{"ip": "192.0.2.1"}], "ports": [{"port": 80}]}],
        },
        NS,
    )
    await client.create("services", {**SERVICE, "metadata": {"name": "marker"}}, NS)

    async def marker_synced():
        result = await client.list(
            "endpointslices", NS, label_selector="kubernetes.io/service-name=marker"
        )
        return result["items"]

    placeholder = await poll_until(marker_synced)
    assert placeholder[0]["endpoints"] in (None, [])  # an empty placeholder slice
    manual = await client.list(
        "endpointslices", NS, label_selector="kubernetes.io/service-name=manual"
    )
    assert manual["items"] == []
    kept = await client.get("endpoints", "manual", NS)
    assert kept["subsets"][0]["addresses"] == [{"ip": "192.0.2.1"}]


async def test_slices_split_at_the_configured_maximum(lifecycle_controllers, poll_until):
    _cluster, client = await lifecycle_controllers(
        "endpointslice", options={"max-endpoints-per-slice": 2}
    )
    await _node(client, "node-1", "zone-a")
    await client.create("services", SERVICE, NS)
    for i in range(5):
        await client.create("pods", _pod(f"web-{i}", 8080), NS)
        await _run_pod(client, f"web-{i}", f"10.244.1.{i + 1}", "node-1", ready=True)

    async def split():
        result = await client.list(
            "endpointslices", NS, label_selector="kubernetes.io/service-name=web"
        )
        sizes = sorted(len(s.get("endpoints") or ()) for s in result["items"])
        return sizes == [1, 2, 2]

    await poll_until(split)


async def test_endpoints_left_without_a_service_are_deleted_at_start(
    microkube_cluster, lifecycle_controllers, poll_until
):
    cluster = await microkube_cluster("apiserver")
    client = cluster.client()
    subsets = [{"addresses": [{"ip": "192.0.2.9"}], "ports": [{"port": 80}]}]
    ours = {"endpoints.kubernetes.io/managed-by": "endpoint-controller"}
    await client.create(
        "endpoints", {"metadata": {"name": "leftover", "labels": ours}, "subsets": subsets}, NS
    )
    await client.create("endpoints", {"metadata": {"name": "standalone"}, "subsets": subsets}, NS)
    await lifecycle_controllers("endpoints", cluster=cluster)

    async def deleted():
        names = {e["metadata"]["name"] for e in (await client.list("endpoints", NS))["items"]}
        return "leftover" not in names and {"standalone", "kubernetes"} <= names

    await poll_until(deleted)


def _running(name: str, ip: str, ready: bool, **spec) -> dict:
    return {
        "metadata": {"name": name, "namespace": NS, "uid": f"uid-{name}"},
        "spec": {"containers": [{"name": "c"}], **spec},
        "status": {
            "phase": "Running",
            "podIP": ip,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def test_endpoints_subsets_pack_addresses_by_ports_and_respect_publish_not_ready():
    service = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    pods = [_running("b", "10.0.0.10", True), _running("a", "10.0.0.9", True)]
    pods.append(_running("c", "10.0.0.11", False))
    subsets, truncated = desired_subsets(service, pods)
    assert not truncated
    assert [a["ip"] for a in subsets[0]["addresses"]] == ["10.0.0.9", "10.0.0.10"]
    assert [a["ip"] for a in subsets[0]["notReadyAddresses"]] == ["10.0.0.11"]
    assert subsets[0]["ports"] == [{"port": 8080, "protocol": "TCP"}]
    publishing = {**service, "spec": {**service["spec"], "publishNotReadyAddresses": True}}
    subsets, _ = desired_subsets(publishing, pods)
    assert len(subsets[0]["addresses"]) == 3 and "notReadyAddresses" not in subsets[0]
    headless = {"metadata": {"name": "h"}, "spec": {"clusterIP": "None"}}
    named = _running("d", "10.0.0.12", True, hostname="d", subdomain="h")
    subsets, _ = desired_subsets(headless, [named])
    assert subsets == [
        {
            "addresses": [
                {
                    "ip": "10.0.0.12",
                    "hostname": "d",
                    "targetRef": {"kind": "Pod", "namespace": NS, "name": "d", "uid": "uid-d"},
                }
            ]
        }
    ]


def test_endpoints_hold_at_most_1000_addresses():
    service = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}
    pods = [_running(f"p{i}", f"10.1.{i // 200}.{i % 200}", True) for i in range(1005)]
    subsets, truncated = desired_subsets(service, pods)
    assert truncated and len(subsets[0]["addresses"]) == 1000
