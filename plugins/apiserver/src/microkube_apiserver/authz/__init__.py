"""The API server's built-in authorizers: ``node`` (kubelets, to their own node's objects) and
``rbac`` (Roles and bindings). Registered ``trylast``, so an installed authorizer of the same
name replaces one.

The authorizers follow the server's store: each has ``bind_host(api)`` (called once the server
has its store, as admission plugins have) and ``close()``. Only the hook implementation lives
here; each authorizer is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext
    from microkube.contracts.auth import Authorizer


def _rbac(context: FactoryContext) -> Authorizer:
    from microkube_apiserver.authz.rbac import RbacAuthorizer

    return RbacAuthorizer()


def _node(context: FactoryContext) -> Authorizer:
    from microkube_apiserver.authz.node import NodeAuthorizer

    return NodeAuthorizer()


@hookimpl(trylast=True)
def microkube_authorizers() -> dict[str, Factory[Authorizer]]:
    return {"node": _node, "rbac": _rbac}
