"""The catalogue this server serves: discovery advertises exactly what is routed.

The discovery package's catalogue lists every subresource Kubernetes has; any listed in
``NOT_SERVED`` is left out of discovery until it is served (none today).
"""

from __future__ import annotations

import attrs

from microkube_apiserver.discovery import DEFAULT_CATALOGUE, Catalogue

__all__ = ["NOT_SERVED", "served_catalogue"]

#: (group, plural) -> subresources not served yet.
NOT_SERVED: dict[tuple[str, str], frozenset[str]] = {}


def served_catalogue(base: Catalogue = DEFAULT_CATALOGUE) -> Catalogue:
    resources = []
    for resource in base:
        hidden = NOT_SERVED.get((resource.group, resource.plural), frozenset())
        if hidden:
            kept = tuple(s for s in resource.subresources if s.name not in hidden)
            resource = attrs.evolve(resource, subresources=kept)
        resources.append(resource)
    return Catalogue(tuple(resources))
