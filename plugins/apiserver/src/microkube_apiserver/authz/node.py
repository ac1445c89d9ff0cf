"""The Node authorizer, as Kubernetes' (``plugin/pkg/auth/authorizer/node``): a kubelet
(user ``system:node:<name>`` in group ``system:nodes``) may read only the Secrets, ConfigMaps
and PersistentVolumeClaims its own pods reference, request tokens only for its pods' service
accounts, touch only its own Lease, and otherwise do what the ``system:node`` rules allow.
Anyone else gets no opinion. What a node may write to Nodes and Pods is narrowed further by
the NodeRestriction admission plugin.
"""

from __future__ import annotations

from typing import Any

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthorizationAttributes, AuthorizationResult, Decision
from microkube_apiserver.authz.bootstrap_policy import NODE_RULES
from microkube_apiserver.authz.node_graph import NodeGraph
from microkube_apiserver.authz.rules import rule_allows, rules_from
from microkube_apiserver.authz.waiting import wait_until

__all__ = ["NODES_GROUP", "NodeAuthorizer", "node_name"]

NODES_GROUP = "system:nodes"
NODE_PREFIX = "system:node:"
LEASE_NAMESPACE = "kube-node-lease"
_RULES = rules_from(NODE_RULES)
_READ = ("get", "list", "watch")


def node_name(user: UserInfo) -> str | None:
    """The node a user is (``system:node:<name>`` in ``system:nodes``), else None."""
    if NODES_GROUP not in user.groups or not user.username.startswith(NODE_PREFIX):
        return None
    return user.username.removeprefix(NODE_PREFIX)


def _no(reason: str) -> AuthorizationResult:
    return AuthorizationResult(Decision.NO_OPINION, reason)


_ALLOW = AuthorizationResult(Decision.ALLOW, "")


class NodeAuthorizer:
    name = "node"

    def __init__(self) -> None:
        self.graph: NodeGraph | None = None

    def bind_host(self, host: Any) -> None:
        if self.graph is None:
            self.graph = NodeGraph(host.storage)
            self.graph.start()

    async def close(self) -> None:
        if self.graph is not None:
            await self.graph.close()
            self.graph = None

    async def authorize(self, attributes: AuthorizationAttributes) -> AuthorizationResult:
        node = node_name(attributes.user)
        if node is None:
            return _no("")
        if not node:
            return _no("unknown node")
        if attributes.resource_request:
            resource = (attributes.api_group, attributes.resource)
            if resource in (("", "secrets"), ("", "configmaps")):
                return await self._read_object(node, attributes)
            if resource == ("", "persistentvolumeclaims"):
                if attributes.subresource == "status":
                    return await self._status_update(node, attributes)
                return await self._get(node, attributes)
            if resource == ("", "serviceaccounts") and attributes.subresource == "token":
                return await self._create_token(node, attributes)
            if resource == ("coordination.k8s.io", "leases"):
                return self._lease(node, attributes)
        if any(rule_allows(attributes, rule) for rule in _RULES):
            return _ALLOW
        return _no("")

    async def _reaches(self, node: str, attributes: AuthorizationAttributes) -> bool:
        graph = self.graph
        if graph is None:
            return False
        if not graph.synced:
            await wait_until(lambda: graph.synced)
        return graph.reaches(node, attributes.resource, attributes.namespace, attributes.name)

    async def _answer(self, node: str, attributes: AuthorizationAttributes) -> AuthorizationResult:
        if not attributes.namespace or not attributes.name:
            return _no("can only access namespaced objects by name")
        if await self._reaches(node, attributes):
            return _ALLOW
        return _no(f"no relationship found between node '{node}' and this object")

    async def _read_object(
        self, node: str, attributes: AuthorizationAttributes
    ) -> AuthorizationResult:
        if attributes.verb not in _READ:
            return _no("can only read resources of this type")
        if attributes.subresource:
            return _no("cannot read subresource")
        if attributes.verb != "get":
            return _no("can only get individual resources of this type")
        return await self._answer(node, attributes)

    async def _get(self, node: str, attributes: AuthorizationAttributes) -> AuthorizationResult:
        if attributes.verb != "get":
            return _no("can only get individual resources of this type")
        if attributes.subresource:
            return _no("cannot get subresource")
        return await self._answer(node, attributes)

    async def _status_update(
        self, node: str, attributes: AuthorizationAttributes
    ) -> AuthorizationResult:
        if attributes.verb not in ("update", "patch"):
            return _no("can only get, update or patch this resource's status")
        return await self._answer(node, attributes)

    async def _create_token(
        self, node: str, attributes: AuthorizationAttributes
    ) -> AuthorizationResult:
        if attributes.verb != "create":
            return _no("can only create tokens for individual service accounts")
        return await self._answer(node, attributes)

    @staticmethod
    def _lease(node: str, attributes: AuthorizationAttributes) -> AuthorizationResult:
        if attributes.verb not in ("get", "create", "update", "patch", "delete"):
            return _no("can only get, create, update, patch, or delete a node lease")
        if attributes.namespace != LEASE_NAMESPACE:
            return _no(f"can only access leases in the {LEASE_NAMESPACE} namespace")
        if attributes.verb != "create" and attributes.name != node:
            return _no("can only access node lease with the same name as the requesting node")
        return _ALLOW
