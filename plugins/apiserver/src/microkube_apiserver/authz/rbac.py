"""The RBAC authorizer: allows what a binding of the user's grants, otherwise no opinion (RBAC
never denies), as Kubernetes' ``RBACAuthorizer``; members of ``system:masters`` are allowed
everything, as kube-apiserver's privileged-group authorizer in front of it."""

from __future__ import annotations

import logging
from typing import Any

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthorizationAttributes, AuthorizationResult, Decision
from microkube_apiserver.authz.policy import PolicyIndex
from microkube_apiserver.authz.rules import Rule, rule_allows

__all__ = ["SYSTEM_MASTERS", "RbacAuthorizer"]

log = logging.getLogger(__name__)
SYSTEM_MASTERS = "system:masters"
_NO_OPINION = AuthorizationResult(Decision.NO_OPINION)


class RbacAuthorizer:
    name = "rbac"

    def __init__(self) -> None:
        self.index: PolicyIndex | None = None

    def bind_host(self, host: Any) -> None:
        """Follow the RBAC objects of the server's store (``host.storage``)."""
        if self.index is None:
            self.index = PolicyIndex(host.storage)
            self.index.start()

    async def close(self) -> None:
        if self.index is not None:
            await self.index.close()
            self.index = None

    async def authorize(self, attributes: AuthorizationAttributes) -> AuthorizationResult:
        user = attributes.user
        if SYSTEM_MASTERS in user.groups:
            return AuthorizationResult(Decision.ALLOW, f'allowed by group "{SYSTEM_MASTERS}"')
        index = self.index
        if index is None:
            return _NO_OPINION
        if not index.synced:
            await index.wait_synced()
        for binding, subject in index.bindings_for(user, attributes.namespace):
            for rule in index.rules_of(binding):
                if rule_allows(attributes, rule):
                    return AuthorizationResult(
                        Decision.ALLOW, f"RBAC: allowed by {binding.describe(subject)}"
                    )
        return _NO_OPINION

    async def rules_for(self, user: UserInfo, namespace: str) -> list[Rule]:
        """Every rule granted to ``user`` in ``namespace`` (cluster-wide ones included), for
        SelfSubjectRulesReview and escalation checks."""
        index = self.index
        if index is None:
            return []
        if not index.synced:
            await index.wait_synced()
        rules: list[Rule] = []
        if SYSTEM_MASTERS in user.groups:
            rules += [Rule(("*",), ("*",), ("*",)), Rule(("*",), non_resource_urls=("*",))]
        for binding, _ in index.bindings_for(user, namespace):
            rules.extend(index.rules_of(binding))
        return rules
