"""The Node authorizer: a kubelet reads only what its own pods reference."""

from __future__ import annotations

import asyncio

from microkube_apiserver.authz.node import NodeAuthorizer

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthorizationAttributes, Decision

PODS = "/api/v1/namespaces/default/pods"


def kubelet(node: str) -> UserInfo:
    return UserInfo(username=f"system:node:{node}", groups=("system:nodes", "system:authenticated"))


def pod(name: str, node: str, secret: str, configmap: str) -> dict:
    return {
        "metadata": {"name": name},
        "spec": {
            "nodeName": node,
            "serviceAccountName": "runner",
            "containers": [
                {
                    "name": "c",
                    "image": "busybox",
                    "env": [
                        {"name": "X", "valueFrom": {"secretKeyRef": {"name": secret, "key": "k"}}}
                    ],
                }
            ],
            "volumes": [
                {"name": "v", "projected": {"sources": [{"configMap": {"name": configmap}}]}},
                {"name": "d", "persistentVolumeClaim": {"claimName": "data"}},
            ],
        },
    }


async def decision(authorizer, user, verb, resource, namespace="", name="", **kw) -> Decision:
    attributes = AuthorizationAttributes(
        user=user, verb=verb, resource=resource, namespace=namespace, name=name, **kw
    )
    return (await authorizer.authorize(attributes)).decision


async def eventually(authorizer, want: Decision, *args, **kw) -> Decision:
    for _ in range(100):
        got = await decision(authorizer, *args, **kw)
        if got is want:
            return got
        await asyncio.sleep(0.01)
    return got


async def test_node_reads_only_its_pods_objects(apiserver, client):
    authorizer = NodeAuthorizer()
    authorizer.bind_host(apiserver.api)
    try:
        assert (await client.post(PODS, pod("a", "node-1", "s1", "c1"))).status == 201
        assert (await client.post(PODS, pod("b", "node-2", "s2", "c2"))).status == 201
        one, two = kubelet("node-1"), kubelet("node-2")
        allow, no = Decision.ALLOW, Decision.NO_OPINION
        assert await eventually(authorizer, allow, one, "get", "secrets", "default", "s1") is allow
        assert await decision(authorizer, one, "get", "secrets", "default", "s2") is no
        assert await decision(authorizer, two, "get", "secrets", "default", "s2") is allow
        assert await decision(authorizer, one, "get", "configmaps", "default", "c1") is allow
        assert await decision(authorizer, one, "get", "configmaps", "default", "c2") is no
        assert (
            await decision(authorizer, one, "get", "persistentvolumeclaims", "default", "data")
            is allow
        )
        assert (
            await decision(
                authorizer,
                one,
                "create",
                "serviceaccounts",
                "default",
                "runner",
                subresource="token",
            )
            is allow
        )
        assert (
            await decision(
                authorizer,
                one,
                "create",
                "serviceaccounts",
                "default",
                "other",
                subresource="token",
            )
            is no
        )
        # never list, nor write, secrets
        assert await decision(authorizer, one, "list", "secrets", "default") is no
        assert await decision(authorizer, one, "update", "secrets", "default", "s1") is no
        # its own lease only
        lease = {"api_group": "coordination.k8s.io"}
        assert (
            await decision(
                authorizer, one, "update", "leases", "kube-node-lease", "node-1", **lease
            )
            is allow
        )
        assert (
            await decision(
                authorizer, one, "update", "leases", "kube-node-lease", "node-2", **lease
            )
            is no
        )
        # the system:node rules for the rest
        assert (
            await decision(authorizer, one, "patch", "nodes", name="node-1", subresource="status")
            is allow
        )
        assert await decision(authorizer, one, "delete", "nodes", name="node-1") is no
        # deleting the pod takes its references away
        assert (await client.delete(f"{PODS}/a?gracePeriodSeconds=0")).status == 200
        assert await eventually(authorizer, no, one, "get", "secrets", "default", "s1") is no
        # not a node: no opinion
        other = UserInfo(username="system:node:node-1")  # not in system:nodes
        assert await decision(authorizer, other, "get", "secrets", "default", "s2") is no
    finally:
        await authorizer.close()
