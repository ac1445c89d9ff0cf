"""The catalogue this server serves: discovery advertises exactly what is routed.

The discovery package's catalogue lists every subresource Kubernetes has; the ones that
need the kubelet (``pods/log``, ``exec``, ``attach``, ``portforward``) and the security issue
(``serviceaccounts/token``) are left out until they are served.
"""

from __future__ import annotations

import attrs

from microkube_apiserver.discovery import DEFAULT_CATALOGUE, Catalogue

__all__ = ["NOT_SERVED", "served_catalogue"]

#: (group, plural) -> subresources not served yet.
NOT_SERVED: dict[tuple[str, str], frozenset[str]] = {
    ("", "pods"): frozenset({"log", "exec", "attach", "portforward"}),
    ("", "serviceaccounts"): frozenset({"token"}),
}


def served_catalogue(base: Catalogue = DEFAULT_CATALOGUE) -> Catalogue:
    resources = []
    for resource in base:
        hidden = NOT_SERVED.get((resource.group, resource.plural), frozenset())
        if hidden:
            kept = tuple(s for s in resource.subresources if s.name not in hidden)
            resource = attrs.evolve(resource, subresources=kept)
        resources.append(resource)
    return Catalogue(tuple(resources))
