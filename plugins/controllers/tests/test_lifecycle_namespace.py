"""The namespace controller: ``kubectl delete namespace`` empties the namespace, then the
namespace goes; conditions report what is left, as Kubernetes reports it."""

from __future__ import annotations

import json

import pytest
from microkube_controllers.lifecycle.namespace.conditions import (
    CONDITION_TYPES,
    ConditionUpdater,
    ContentTotals,
)

from microkube.client.errors import NotFoundError

MANIFESTS = """
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: doomed}
data: {a: "1"}
---
apiVersion: v1
kind: Secret
metadata: {name: token, namespace: doomed}
stringData: {t: x}
---
apiVersion: v1
kind: Pod
metadata: {name: lonely, namespace: doomed}
spec:
  containers: [{name: c, image: busybox}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: doomed}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: doomed}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def _conditions(namespace: dict) -> dict[str, dict]:
    return {c["type"]: c for c in (namespace.get("status") or {}).get("conditions") or ()}


def test_success_conditions_are_false_with_upstream_reasons():
    conditions = ConditionUpdater().conditions([], now="2024-01-01T00:00:00Z")
    assert [c["type"] for c in conditions] == list(CONDITION_TYPES)
    assert {c["status"] for c in conditions} == {"False"}
    by_type = {c["type"]: c for c in conditions}
    assert by_type["NamespaceContentRemaining"]["reason"] == "ContentRemoved"
    assert by_type["NamespaceContentRemaining"]["message"] == "All content successfully removed"


def test_remaining_content_and_finalizers_are_reported_sorted():
    updater = ConditionUpdater()
    updater.content_totals(ContentTotals({"pods.": 2, "configmaps.": 1}, {"example.com/hold": 1}))
    old = [
        {
            "type": "NamespaceContentRemaining",
            "status": "False",
            "lastTransitionTime": "2020-01-01T00:00:00Z",
            "reason": "ContentRemoved",
            "message": "All content successfully removed",
        },
        {"type": "Other", "status": "True"},
    ]
    conditions = {c["type"]: c for c in updater.conditions(old, now="2024-01-01T00:00:00Z")}
    remaining = conditions["NamespaceContentRemaining"]
    assert remaining["status"] == "True"
    assert remaining["reason"] == "SomeResourcesRemain"
    assert remaining["message"] == (
        "Some resources are remaining: configmaps. has 1 resource instances, "
        "pods. has 2 resource instances"
    )
    assert remaining["lastTransitionTime"] == "2024-01-01T00:00:00Z"
    finalizers = conditions["NamespaceFinalizersRemaining"]
    assert finalizers["reason"] == "SomeFinalizersRemain"
    assert finalizers["message"] == (
        "Some content in the namespace has finalizers remaining: example.com/hold in 1 "
        "resource instances"
    )
    assert conditions["Other"] == {"type": "Other", "status": "True"}


def test_delete_errors_make_the_content_failure_condition():
    updater = ConditionUpdater()
    updater.delete_failed("boom for gvr: /v1, Resource=pods")
    conditions = {c["type"]: c for c in updater.conditions([])}
    failure = conditions["NamespaceDeletionContentFailure"]
    assert (failure["status"], failure["reason"]) == ("True", "ContentDeletionFailed")
    assert failure["message"] == (
        "Failed to delete all resource types, 1 remaining: boom for gvr: /v1, Resource=pods"
    )


async def test_kubectl_delete_namespace_removes_everything_then_the_namespace(
    lifecycle_controllers, poll_until
):
    cluster, client = await lifecycle_controllers("namespace")
    await cluster.kubectl("create", "namespace", "doomed")
    await cluster.kubectl("apply", "-f", "-", input=MANIFESTS)
    await cluster.kubectl("delete", "namespace", "doomed", "--timeout=60s", seconds=90)
    with pytest.raises(NotFoundError):
        await client.get("namespaces", "doomed")
    for resource in ("configmaps", "secrets", "pods", "deployments", "services"):
        left = await client.list(resource, "doomed")
        assert left["items"] == [], resource
    gone = await cluster.kubectl("get", "namespace", "doomed", check=False)
    assert 'namespaces "doomed" not found' in gone.stderr


async def test_content_with_a_finalizer_holds_the_namespace_and_is_reported(
    lifecycle_controllers, poll_until
):
    cluster, client = await lifecycle_controllers("namespace")
    await client.create("namespaces", {"metadata": {"name": "held"}})
    await client.create(
        "configmaps",
        {"metadata": {"name": "pinned", "finalizers": ["example.com/hold"]}},
        "held",
    )
    await cluster.kubectl("delete", "namespace", "held", "--wait=false")

    async def reported():
        namespace = await client.get("namespaces", "held")
        conditions = _conditions(namespace)
        if conditions.get("NamespaceFinalizersRemaining", {}).get("status") == "True":
            return namespace
        return None

    namespace = await poll_until(reported)
    assert namespace["status"]["phase"] == "Terminating"
    conditions = _conditions(namespace)
    assert conditions["NamespaceFinalizersRemaining"]["message"] == (
        "Some content in the namespace has finalizers remaining: example.com/hold in 1 "
        "resource instances"
    )
    assert conditions["NamespaceContentRemaining"]["message"] == (
        "Some resources are remaining: configmaps. has 1 resource instances"
    )
    assert conditions["NamespaceDeletionDiscoveryFailure"]["reason"] == "ResourcesDiscovered"
    described = await cluster.kubectl("describe", "namespace", "held")
    assert "SomeFinalizersRemain" in described.stdout

    await cluster.kubectl(
        "patch",
        "configmap",
        "pinned",
        "-n",
        "held",
        "--type=merge",
        "-p",
        json.dumps({"metadata": {"finalizers": None}}),
    )

    async def gone():
        try:
            await client.get("namespaces", "held")
        except NotFoundError:
            return True
        return False

    await poll_until(gone, within=90)
