"""The namespace ``finalize`` subresource: the namespace controller's last step.

A deleted namespace stays ``Terminating`` while ``spec.finalizers`` lists ``kubernetes``:
the namespace controller (a later issue) deletes everything in it, then PUTs ``finalize``
with that finalizer removed, and the namespace goes. Until that controller exists a deleted
namespace stays Terminating (as on a Kubernetes cluster whose controller manager is down).
"""

from __future__ import annotations

import copy
from typing import Any

from microkube_apiserver.registry.context import Api, Result, Target, WriteOptions
from microkube_apiserver.registry.decoding import check_type_meta, normalize
from microkube_apiserver.registry.replace import check_name, requested_revision
from microkube_apiserver.registry.update import guaranteed_update

__all__ = ["finalize"]


async def finalize(api: Api, target: Target, body: Any, options: WriteOptions) -> Result:
    gvk = target.resource.gvk
    namespace, warnings = normalize(
        check_type_meta(body, gvk), gvk, options.field_validation, options.strict_errors
    )
    check_name(namespace, target)
    required = requested_revision(namespace)
    finalizers = (namespace.get("spec") or {}).get("finalizers") or []

    async def transform(current: dict[str, Any]) -> dict[str, Any]:
        new = copy.deepcopy(current)
        spec = new.setdefault("spec", {})
        if finalizers:
            spec["finalizers"] = list(finalizers)
        else:
            spec.pop("finalizers", None)
        return new

    result = await guaranteed_update(
        api, target, transform, options, precondition=lambda new: required, admit=False
    )
    result.warnings[:0] = warnings
    return result
