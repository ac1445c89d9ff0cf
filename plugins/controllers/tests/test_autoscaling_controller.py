"""The HPA controller against the real API server (autoscaling/v2 HPAs, a Deployment's
``/scale``), with in-memory pod metrics and an injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from microkube_controllers.autoscaling.controller import HPA, HorizontalController
from microkube_controllers.autoscaling.metrics import PodMetric

NS = "default"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now


class InMemoryMetrics:
    """Pod usage the test sets: ``usage[pod] = millicores``."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.usage: dict[str, int] = {}

    async def resource_metrics(self, namespace, selector, resource, container=""):
        return {
            name: PodMetric(value, self.clock(), timedelta(seconds=10))
            for name, value in self.usage.items()
        }


def deployment(name, replicas):
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            },
        },
    }


def hpa(name, **spec):
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": 1,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 50},
                    },
                }
            ],
            **spec,
        },
    }


async def add_pod(client, player, deployment_name, index):
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{deployment_name}-{index}", "labels": {"app": deployment_name}},
        "spec": {
            "containers": [
                {"name": "web", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}}
            ]
        },
    }
    pod = await client.create("pods", body, NS)
    await player.run(pod, "node-1")
    return pod["metadata"]["name"]


async def poll(check, within=30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not met within {within} s")
        await asyncio.sleep(0.1)


async def replicas(client, name):
    return (await client.get("deployments", name, NS))["spec"]["replicas"]


def condition(obj, type_):
    for found in (obj.get("status") or {}).get("conditions") or ():
        if found["type"] == type_:
            return found
    return None


async def test_hpa_scales_up_then_down_after_the_stabilisation_window(
    microkube_cluster, run_controllers, pod_player
):
    cluster = await microkube_cluster("apiserver")
    client = cluster.client()
    player = pod_player(client)
    await player.node("node-1")
    clock = Clock()
    metrics = InMemoryMetrics(clock)
    await client.create("deployments", deployment("web", 2), NS)
    names = [await add_pod(client, player, "web", i) for i in range(2)]
    for name in names:
        metrics.usage[name] = 100  # 100 % of the 100m request, the target is 50 %
    await client.create(HPA, hpa("web"), NS)
    await run_controllers(
        cluster,
        lambda context: HorizontalController(context, metrics=metrics, clock=clock),
        options={"horizontal-pod-autoscaler-sync-period": "200ms"},
    )

    # twice the target utilisation on 2 pods asks for 4 (and keeps asking for 4 while the
    # deployment's new pods do not exist yet)
    await poll(lambda: _equals(replicas(client, "web"), 4))
    current = await client.get(HPA, "web", NS)
    status = current["status"]
    assert status["desiredReplicas"] == 4 and status["currentReplicas"] in (2, 4)
    assert status["lastScaleTime"]
    resource = status["currentMetrics"][0]["resource"]
    assert resource["name"] == "cpu"
    assert resource["current"]["averageUtilization"] == 100
    assert resource["current"]["averageValue"] == "100m"
    assert condition(current, "ScalingActive")["reason"] == "ValidMetricFound"
    events = await poll(lambda: _events(client, "web", "SuccessfulRescale"))
    assert events[0]["message"] == (
        "New size: 4; reason: cpu resource utilization (percentage of request) above target"
    )
    assert events[0]["source"]["component"] == "horizontal-pod-autoscaler"

    # the deployment's new pods appear; usage settles at the target: nothing changes
    names += [await add_pod(client, player, "web", i) for i in (2, 3)]
    for name in names:
        metrics.usage[name] = 50
    clock.now += timedelta(seconds=30)
    await asyncio.sleep(1.0)
    assert await replicas(client, "web") == 4

    # usage drops: the recommendation is 2, but the last 300 s recommended 4
    for name in names:
        metrics.usage[name] = 10

    async def stabilised():
        got = await client.get(HPA, "web", NS)
        able = condition(got, "AbleToScale")
        return got if able and able["reason"] == "ScaleDownStabilized" else None

    await poll(stabilised)
    assert await replicas(client, "web") == 4
    clock.now += timedelta(seconds=301)
    await poll(lambda: _equals(replicas(client, "web"), 1))
    events = await poll(lambda: _events(client, "web", "SuccessfulRescale", count=2))
    assert "New size: 1; reason: All metrics below target" in [e["message"] for e in events]
    listed = await cluster.kubectl("get", "hpa", "web", "-o", "jsonpath={.status.desiredReplicas}")
    assert listed.stdout == "1"


async def test_hpa_reports_a_missing_target_and_clamps_to_min_and_max(
    microkube_cluster, run_controllers, pod_player
):
    cluster = await microkube_cluster("apiserver")
    client = cluster.client()
    clock = Clock()
    metrics = InMemoryMetrics(clock)
    await client.create(HPA, hpa("ghost"), NS)
    await client.create("deployments", deployment("big", 12), NS)
    await client.create(HPA, hpa("big", minReplicas=2, maxReplicas=5), NS)
    await run_controllers(
        cluster,
        lambda context: HorizontalController(context, metrics=metrics, clock=clock),
        options={"horizontal-pod-autoscaler-sync-period": "200ms"},
    )

    async def unable():
        got = await client.get(HPA, "ghost", NS)
        able = condition(got, "AbleToScale")
        return got if able and able["reason"] == "FailedGetScale" else None

    got = await poll(unable)
    assert condition(got, "AbleToScale")["status"] == "False"
    assert "unable to get the target's current scale" in condition(got, "AbleToScale")["message"]
    # a Pods metric needs a custom metrics API, which is not served: said so
    await client.create("deployments", deployment("custom", 1), NS)
    custom = hpa("custom")
    custom["spec"]["metrics"] = [
        {
            "type": "Pods",
            "pods": {
                "metric": {"name": "requests_per_second"},
                "target": {"type": "AverageValue", "averageValue": "10"},
            },
        }
    ]
    await client.create(HPA, custom, NS)

    async def invalid():
        got = await client.get(HPA, "custom", NS)
        active = condition(got, "ScalingActive")
        return active if active and active["status"] == "False" else None

    active = await poll(invalid)
    assert active["reason"] == "InvalidMetricSourceType"
    assert "'Pods'" in active["message"]
    # above maxReplicas: scaled down to it without consulting metrics
    await poll(lambda: _equals(replicas(client, "big"), 5))
    events = await poll(lambda: _events(client, "big", "SuccessfulRescale"))
    assert events[0]["message"] == (
        "New size: 5; reason: Current number of replicas above Spec.MaxReplicas"
    )


async def _equals(value, expected):
    return (await value) == expected


async def _events(client, name, reason, count=1):
    found = await client.list("events", NS, field_selector=f"involvedObject.name={name}")
    matching = [e for e in found["items"] if e["reason"] == reason]
    return matching if len(matching) >= count else None


async def test_kubectl_autoscale_with_the_metrics_api_reports_missing_metrics(
    microkube_cluster, run_controllers, pod_player
):
    """Through the cluster's own metrics.k8s.io (no kubelet reports usage here): the HPA
    that ``kubectl autoscale`` creates is evaluated and says why it cannot scale."""
    cluster = await microkube_cluster("apiserver")
    client = cluster.client()
    player = pod_player(client)
    await player.node("node-1")
    await client.create("deployments", deployment("api", 1), NS)
    await add_pod(client, player, "api", 0)
    await run_controllers(
        cluster, HorizontalController, options={"horizontal-pod-autoscaler-sync-period": "200ms"}
    )
    await cluster.kubectl("autoscale", "deployment", "api", "--cpu-percent=50", "--max=5")

    async def inactive():
        got = await client.get(HPA, "api", NS)
        active = condition(got, "ScalingActive")
        return got if active and active["status"] == "False" else None

    got = await poll(inactive)
    active = condition(got, "ScalingActive")
    assert active["reason"] == "FailedGetResourceMetric"
    assert "did not receive metrics for targeted pods" in active["message"]
    assert condition(got, "AbleToScale")["reason"] == "SucceededGetScale"
    assert await replicas(client, "api") == 1
    await poll(lambda: _events(client, "api", "FailedGetResourceMetric"))
