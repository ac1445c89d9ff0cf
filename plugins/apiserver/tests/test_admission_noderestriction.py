"""NodeRestriction: kubelets create only their own mirror pods and write only their own Node
and their own pods' status."""

from __future__ import annotations

import pytest
from microkube_apiserver.admission.noderestriction import NodeRestriction

from microkube.contracts.admission import (
    AdmissionDenied,
    AdmissionRequest,
    GroupVersionResource,
    Operation,
    UserInfo,
)

NODE = UserInfo(username="system:node:n1", groups=("system:nodes", "system:authenticated"))


def request(op, resource, name, obj=None, old=None, sub="", user=NODE) -> AdmissionRequest:
    return AdmissionRequest(
        operation=op,
        resource=GroupVersionResource(group="", version="v1", resource=resource),
        kind="Pod" if resource == "pods" else "Node",
        namespace="default" if resource == "pods" else "",
        name=name,
        subresource=sub,
        object=obj,
        old_object=old,
        user=user,
    )


def pod(node: str, mirror: bool = True, **spec) -> dict:
    annotations = {"kubernetes.io/config.mirror": "x"} if mirror else {}
    return {
        "metadata": {"name": "p", "annotations": annotations},
        "spec": {"nodeName": node, "containers": [{"name": "c"}], **spec},
    }


async def check(req: AdmissionRequest) -> str | None:
    plugin = NodeRestriction()
    if not plugin.handles(req):
        return None
    try:
        await plugin.validate(req)
    except AdmissionDenied as denied:
        assert denied.code == 403
        return denied.message
    return "ok"


async def test_mirror_pods_only():
    assert await check(request(Operation.CREATE, "pods", "p", pod("n1"))) == "ok"
    assert "can only create mirror pods" in await check(
        request(Operation.CREATE, "pods", "p", pod("n1", mirror=False))
    )
    assert await check(request(Operation.CREATE, "pods", "p", pod("n2"))) == (
        'node "n1" can only create pods with spec.nodeName set to itself'
    )
    secret = pod("n1", volumes=[{"name": "v", "secret": {"secretName": "s"}}])
    assert await check(request(Operation.CREATE, "pods", "p", secret)) == (
        'node "n1" can not create pods that reference secrets'
    )


@pytest.mark.parametrize(("node", "ok"), [("n1", True), ("n2", False)])
async def test_own_pods_status_and_deletion(node, ok):
    status = await check(request(Operation.UPDATE, "pods", "p", pod(node), pod(node), "status"))
    delete = await check(request(Operation.DELETE, "pods", "p", None, pod(node)))
    assert (status == "ok") is ok and (delete == "ok") is ok
    if not ok:
        assert "can only update pod status for pods with spec.nodeName set to itself" in status
    update = await check(request(Operation.UPDATE, "pods", "p", pod("n1"), pod("n1")))
    assert "can only create and delete mirror pods" in update


async def test_own_node_only():
    assert await check(request(Operation.CREATE, "nodes", "n1", {})) == "ok"
    assert await check(request(Operation.UPDATE, "nodes", "n2", {}, {}, "status")) == (
        'node "n1" is not allowed to modify node "n2"'
    )
    other = UserInfo(username="alice", groups=("system:authenticated",))
    assert await check(request(Operation.UPDATE, "nodes", "n2", {}, {}, user=other)) is None
