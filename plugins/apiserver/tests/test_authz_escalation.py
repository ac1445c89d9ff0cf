"""Privilege-escalation prevention on RBAC writes: no granting what one does not hold
without the escalate/bind verbs."""

from __future__ import annotations

import types

import pytest
from microkube_apiserver.authz.escalation import RbacEscalation
from microkube_apiserver.authz.rbac import RbacAuthorizer

from microkube.contracts.admission import (
    AdmissionDenied,
    AdmissionRequest,
    GroupVersionResource,
    Operation,
    UserInfo,
)

RBAC = "/apis/rbac.authorization.k8s.io/v1"
GROUP = "rbac.authorization.k8s.io"
DEV = UserInfo(username="dev", groups=("system:authenticated",))


def write(resource: str, obj: dict, namespace: str = "default") -> AdmissionRequest:
    return AdmissionRequest(
        operation=Operation.CREATE,
        resource=GroupVersionResource(group=GROUP, version="v1", resource=resource),
        kind="",
        namespace=namespace,
        name=obj["metadata"]["name"],
        object=obj,
        user=DEV,
    )


def role(name: str, verbs: list[str], resources: list[str]) -> dict:
    return {
        "metadata": {"name": name},
        "rules": [{"verbs": verbs, "apiGroups": [""], "resources": resources}],
    }


def binding(name: str, kind: str, role_name: str) -> dict:
    return {
        "metadata": {"name": name},
        "roleRef": {"apiGroup": GROUP, "kind": kind, "name": role_name},
        "subjects": [{"kind": "User", "name": "someone"}],
    }


@pytest.fixture
async def plugin(apiserver, client):
    # dev may manage roles and bindings in default and read pods there (the `admin` role's
    # RBAC part plus `view`)
    dev_role = {
        "metadata": {"name": "dev"},
        "rules": [
            {
                "verbs": ["get", "list", "create", "update", "delete"],
                "apiGroups": [GROUP],
                "resources": ["roles", "rolebindings"],
            },
            {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]},
        ],
    }
    assert (await client.post(f"{RBAC}/namespaces/default/roles", dev_role)).status == 201
    dev_binding = binding("dev", "Role", "dev")
    dev_binding["subjects"] = [{"kind": "User", "name": "dev"}]
    assert (await client.post(f"{RBAC}/namespaces/default/rolebindings", dev_binding)).status == 201
    authorizer = RbacAuthorizer()
    authorizer.bind_host(apiserver.api)
    plugin = RbacEscalation()
    plugin.bind_host(types.SimpleNamespace(storage=apiserver.api.storage, front_door=authorizer))
    await plugin._resolver.index.wait_synced()
    yield plugin
    await plugin.close()
    await authorizer.close()


async def test_roles_within_what_is_held(plugin):
    await plugin.validate(write("roles", role("reader", ["get"], ["pods"])))
    with pytest.raises(AdmissionDenied) as denied:
        await plugin.validate(write("roles", role("deleter", ["get", "delete"], ["pods"])))
    assert denied.value.code == 403
    assert denied.value.message == (
        'user "dev" (groups=["system:authenticated"]) is attempting to grant RBAC permissions '
        'not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}'
    )


async def test_bindings_need_the_roles_rules_or_bind(plugin, client):
    await plugin.validate(write("rolebindings", binding("b1", "Role", "dev")))
    with pytest.raises(AdmissionDenied, match="not currently held"):
        await plugin.validate(write("rolebindings", binding("b2", "ClusterRole", "edit")))
    with pytest.raises(AdmissionDenied, match='"missing" not found'):
        await plugin.validate(write("rolebindings", binding("b3", "ClusterRole", "missing")))
    # the bind verb on that one ClusterRole lets dev bind it
    binder = {
        "metadata": {"name": "bind-edit"},
        "rules": [
            {
                "verbs": ["bind"],
                "apiGroups": [GROUP],
                "resources": ["clusterroles"],
                "resourceNames": ["edit"],
            }
        ],
    }
    assert (await client.post(f"{RBAC}/clusterroles", binder)).status == 201
    grant = binding("bind-edit", "ClusterRole", "bind-edit")
    grant["subjects"] = [{"kind": "User", "name": "dev"}]
    assert (await client.post(f"{RBAC}/clusterrolebindings", grant)).status == 201
    for _ in range(100):
        try:
            await plugin.validate(write("rolebindings", binding("b2", "ClusterRole", "edit")))
            break
        except AdmissionDenied:
            import asyncio

            await asyncio.sleep(0.01)
    else:
        pytest.fail("bind verb not honoured")
    masters = UserInfo(username="root", groups=("system:masters",))
    req = write("clusterroles", role("all", ["*"], ["*"]), namespace="")
    req.user = masters
    await plugin.validate(req)
