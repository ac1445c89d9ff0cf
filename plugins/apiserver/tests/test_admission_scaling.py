"""HorizontalPodAutoscalers over HTTP: v2 defaults and validation, v1 served from the same
stored objects, and the real ``kubectl autoscale`` / ``get hpa``."""

from __future__ import annotations

import asyncio

import pytest

V2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
V1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
TARGET = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}


def hpa(name: str, **spec) -> dict:
    return {"metadata": {"name": name}, "spec": {"scaleTargetRef": TARGET, **spec}}


async def test_v2_defaults(client):
    created = await client.post(V2, hpa("web", maxReplicas=4, behavior={"scaleDown": {}}))
    assert created.status == 201, created
    spec = created.body["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80},
            },
        }
    ]
    assert spec["behavior"]["scaleDown"] == {
        "stabilizationWindowSeconds": 300,
        "selectPolicy": "Max",
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
    }
    assert spec["behavior"]["scaleUp"]["policies"][0] == {
        "type": "Pods",
        "value": 4,
        "periodSeconds": 15,
    }
    # as Go writes an empty status (desiredReplicas has no omitempty)
    assert created.body["status"] == {"desiredReplicas": 0}


async def test_v2_validation(client):
    bad = await client.post(V2, hpa("bad", minReplicas=3, maxReplicas=2))
    assert bad.status == 422
    assert bad.body["message"] == (
        'HorizontalPodAutoscaler.autoscaling "bad" is invalid: spec.maxReplicas: Invalid '
        "value: 2: must be greater than or equal to `minReplicas`"
    )
    no_ref = await client.post(V2, {"metadata": {"name": "x"}, "spec": {"maxReplicas": 2}})
    assert no_ref.status == 422
    fields = {c["field"] for c in no_ref.body["details"]["causes"]}
    assert fields == {"spec.scaleTargetRef.kind", "spec.scaleTargetRef.name"}
    metric = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization"}}}
    missing = await client.post(V2, hpa("m", maxReplicas=2, metrics=[metric]))
    assert missing.status == 422
    assert (
        "spec.metrics[0].resource.target.averageUtilization: Required value"
        in (missing.body["message"])
    )
    zero = await client.post(V2, hpa("z", maxReplicas=0))
    assert zero.status == 422
    assert "spec.maxReplicas: Invalid value: 0: must be greater than 0" in zero.body["message"]


async def test_v1_is_served_from_the_stored_v2(client):
    created = await client.post(V1, hpa("web", maxReplicas=5, targetCPUUtilizationPercentage=60))
    assert created.status == 201, created
    assert created.body["apiVersion"] == "autoscaling/v1"
    assert created.body["spec"]["targetCPUUtilizationPercentage"] == 60
    as_v2 = (await client.get(f"{V2}/web")).body
    assert as_v2["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 60
    as_v2["status"] = {
        "currentReplicas": 2,
        "desiredReplicas": 2,
        "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 30}}}
        ],
    }
    status = await client.put(f"{V2}/web/status", as_v2)
    assert status.status == 200, status
    v1 = (await client.get(f"{V1}/web")).body
    assert v1["status"]["currentCPUUtilizationPercentage"] == 30
    patched = await client.patch(f"{V1}/web", {"spec": {"maxReplicas": 9}})
    assert patched.status == 200, patched
    assert (await client.get(f"{V2}/web")).body["spec"]["maxReplicas"] == 9
    invalid = await client.post(V1, hpa("neg", maxReplicas=2, targetCPUUtilizationPercentage=-1))
    assert invalid.status == 422
    assert "spec.metrics[0].resource.target.averageUtilization" in invalid.body["message"]


@pytest.mark.asyncio
async def test_kubectl_autoscale_and_get_hpa(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    await cluster.kubectl("create", "deployment", "web", "--image=nginx")
    done = await cluster.kubectl(
        "autoscale", "deployment", "web", "--cpu-percent=50", "--min=1", "--max=5"
    )
    assert done.stdout.strip() == "horizontalpodautoscaler.autoscaling/web autoscaled"
    table = await cluster.kubectl("get", "hpa")
    header, row = table.stdout.splitlines()
    assert header.split() == [
        "NAME",
        "REFERENCE",
        "TARGETS",
        "MINPODS",
        "MAXPODS",
        "REPLICAS",
        "AGE",
    ]
    assert row.split()[:7] == ["web", "Deployment/web", "cpu:", "<unknown>/50%", "1", "5", "0"]
    described = await cluster.kubectl("describe", "hpa", "web")
    assert "<unknown> / 50%" in described.stdout


async def test_python_client_reads_hpas_and_priority_classes(microkube_cluster):
    """The official client's strict models accept what is served (required fields present)."""
    k8s = pytest.importorskip("kubernetes.client")
    k8s_config = pytest.importorskip("kubernetes.config")
    cluster = await microkube_cluster("apiserver")
    await cluster.kubectl("create", "deployment", "web", "--image=nginx")
    await cluster.kubectl("autoscale", "deployment", "web", "--max=3")
    await cluster.kubectl("create", "priorityclass", "high", "--value=10")

    def read() -> tuple:
        api_client = k8s_config.new_client_from_config(str(cluster.kubeconfig))
        with api_client:
            v2 = k8s.AutoscalingV2Api(api_client).read_namespaced_horizontal_pod_autoscaler(
                "web", "default"
            )
            v1 = k8s.AutoscalingV1Api(api_client).read_namespaced_horizontal_pod_autoscaler(
                "web", "default"
            )
            classes = k8s.SchedulingV1Api(api_client).list_priority_class()
        return v2, v1, classes

    v2, v1, classes = await asyncio.to_thread(read)
    assert v2.spec.metrics[0].resource.target.average_utilization == 80
    assert v2.status.desired_replicas == 0
    assert v1.spec.target_cpu_utilization_percentage == 80
    assert {c.metadata.name: c.value for c in classes.items}["high"] == 10
