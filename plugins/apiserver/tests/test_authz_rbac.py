"""The RBAC authorizer over a real in-process server: the bootstrap policy it reconciles,
bindings of every subject kind, namespaced bindings, and the index following writes."""

from __future__ import annotations

import asyncio

from microkube_apiserver.authz.rbac import RbacAuthorizer
from microkube_apiserver.authz.reconcile import reconcile_bootstrap_policy

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthorizationAttributes, Decision

RBAC = "/apis/rbac.authorization.k8s.io/v1"
AUTHENTICATED = ("system:authenticated",)


def sa(namespace: str, name: str) -> UserInfo:
    return UserInfo(
        username=f"system:serviceaccount:{namespace}:{name}",
        groups=("system:serviceaccounts", f"system:serviceaccounts:{namespace}", *AUTHENTICATED),
    )


def ask(user: UserInfo, verb: str, resource: str, namespace: str = "", **kw):
    return AuthorizationAttributes(
        user=user, verb=verb, resource=resource, namespace=namespace, **kw
    )


async def allowed(authorizer: RbacAuthorizer, attributes, want: bool = True) -> bool:
    """The decision, waiting briefly (the index follows the store by a watch) for ``want``."""
    for _ in range(100):
        result = await authorizer.authorize(attributes)
        if (result.decision is Decision.ALLOW) == want:
            return want
        await asyncio.sleep(0.01)
    return not want


async def binding(client, kind: str, name: str, role: tuple[str, str], subjects, namespace=""):
    path = f"{RBAC}/namespaces/{namespace}/rolebindings" if namespace else f"{RBAC}/{kind}"
    body = {
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role[0], "name": role[1]},
        "subjects": subjects,
    }
    reply = await client.post(path, body)
    assert reply.status == 201, reply


async def test_bootstrap_policy_is_served(client):
    for name in (
        "cluster-admin",
        "admin",
        "edit",
        "view",
        "system:kube-scheduler",
        "system:kube-controller-manager",
        "system:node-proxier",
        "system:basic-user",
        "system:discovery",
        "system:public-info-viewer",
        "system:kube-dns",
    ):
        reply = await client.get(f"{RBAC}/clusterroles/{name}")
        assert reply.status == 200, reply
        meta = reply.body["metadata"]
        assert meta["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] == "true"
    reply = await client.get(f"{RBAC}/clusterrolebindings/cluster-admin")
    assert reply.body["subjects"][0]["name"] == "system:masters"
    # the DNS component's own Role, in kube-system only
    reply = await client.get(f"{RBAC}/namespaces/kube-system/rolebindings/system:kube-dns")
    assert reply.status == 200 and reply.body["roleRef"]["kind"] == "Role"


async def test_reconcile_restores_rules_but_respects_autoupdate_false(apiserver, client):
    path = f"{RBAC}/clusterroles/view"
    view = (await client.get(path)).body
    extra = {"verbs": ["get"], "apiGroups": ["x"], "resources": ["y"]}
    view["rules"] = [*view["rules"][:1], extra]
    assert (await client.put(path, view)).status == 200
    await reconcile_bootstrap_policy(apiserver.api)
    rules = (await client.get(path)).body["rules"]
    assert {"verbs": ["get"], "apiGroups": ["x"], "resources": ["y"]} in rules  # kept
    assert len(rules) > 2  # the missing ones are back
    edit = (await client.get(f"{RBAC}/clusterroles/edit")).body
    edit["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] = "false"
    edit["rules"] = []
    assert (await client.put(f"{RBAC}/clusterroles/edit", edit)).status == 200
    await reconcile_bootstrap_policy(apiserver.api)
    assert (await client.get(f"{RBAC}/clusterroles/edit")).body.get("rules") in (None, [])


async def test_bindings_decide(apiserver, client):
    authorizer = RbacAuthorizer()
    authorizer.bind_host(apiserver.api)
    try:
        viewer = sa("default", "viewer")
        get_pods = ask(viewer, "get", "pods", "default", name="p")
        delete_pods = ask(viewer, "delete", "pods", "default", name="p")
        assert not await allowed(authorizer, get_pods, want=False)
        await binding(
            client,
            "rolebindings",
            "viewer",
            ("ClusterRole", "view"),
            [{"kind": "ServiceAccount", "name": "viewer"}],
            namespace="default",
        )
        assert await allowed(authorizer, get_pods)
        result = await authorizer.authorize(get_pods)
        assert result.reason == (
            'RBAC: allowed by RoleBinding "viewer/default" of ClusterRole "view" to User '
            '"system:serviceaccount:default:viewer"'
        )
        assert (await authorizer.authorize(delete_pods)).decision is Decision.NO_OPINION
        # a RoleBinding grants only in its namespace; view does not read secrets
        assert not await allowed(authorizer, ask(viewer, "get", "pods", "kube-system"), False)
        assert not await allowed(authorizer, ask(viewer, "get", "secrets", "default"), False)

        # a Role with resourceNames, bound to a group
        role = {
            "metadata": {"name": "one-cm"},
            "rules": [
                {
                    "verbs": ["get"],
                    "apiGroups": [""],
                    "resources": ["configmaps"],
                    "resourceNames": ["a"],
                }
            ],
        }
        assert (await client.post(f"{RBAC}/namespaces/default/roles", role)).status == 201
        await binding(
            client,
            "rolebindings",
            "team",
            ("Role", "one-cm"),
            [{"kind": "Group", "name": "team"}],
            namespace="default",
        )
        member = UserInfo(username="alice", groups=("team",))
        assert await allowed(authorizer, ask(member, "get", "configmaps", "default", name="a"))
        assert not await allowed(
            authorizer, ask(member, "get", "configmaps", "default", name="b"), False
        )

        # a ClusterRoleBinding to a user, then removed
        bob = UserInfo(username="bob")
        nodes = ask(bob, "list", "nodes")
        await binding(
            client,
            "clusterrolebindings",
            "bob",
            ("ClusterRole", "system:kube-scheduler"),
            [{"kind": "User", "name": "bob"}],
        )
        assert await allowed(authorizer, nodes)
        assert (await client.delete(f"{RBAC}/clusterrolebindings/bob")).status == 200
        assert not await allowed(authorizer, nodes, want=False)

        # discovery for everyone authenticated, everything for system:masters
        anyone = UserInfo(username="carol", groups=AUTHENTICATED)
        discovery = AuthorizationAttributes(
            user=anyone, verb="get", resource_request=False, path="/apis/apps/v1"
        )
        assert await allowed(authorizer, discovery)
        admin = UserInfo(username="root", groups=("system:masters",))
        assert await allowed(authorizer, ask(admin, "delete", "nodes", name="n"))

        rules = await authorizer.rules_for(member, "default")
        assert any(r.resource_names == ("a",) for r in rules)
    finally:
        await authorizer.close()
