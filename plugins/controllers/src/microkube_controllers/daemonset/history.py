"""DaemonSet revision history: one ``ControllerRevision`` per template (upstream
``constructHistory``/``cleanupHistory``).

A revision is named ``<daemonset>-<hash>``, labelled ``controller-revision-hash: <hash>``,
holds the template as a strategic-merge patch (``{"spec": {"template": {..., "$patch":
"replace"}}}``, what ``kubectl rollout undo`` applies) and numbers revisions so the current
template always has the highest one. ``kubectl rollout history ds/x`` lists them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from microkube_controllers.common.hashing import compute_hash
from microkube_controllers.common.ownerrefs import new_controller_ref
from microkube_controllers.daemonset.node_pods import REVISION_HASH

__all__ = ["revision_data", "revision_for", "revision_hash", "revisions_to_prune"]

Obj = Mapping[str, Any]
_MAX_PREFIX = 223  # a revision name is at most 253 characters, the hash included


def revision_data(daemon_set: Obj) -> dict[str, Any]:
    """The patch a revision stores (upstream ``getPatch``)."""
    template = copy.deepcopy((daemon_set.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def revision_hash(daemon_set: Obj) -> str:
    template = (daemon_set.get("spec") or {}).get("template") or {}
    collisions = (daemon_set.get("status") or {}).get("collisionCount")
    return compute_hash(template, collisions)


def revision_for(daemon_set: Obj, number: int) -> dict[str, Any]:
    """A new ControllerRevision of the DaemonSet's current template."""
    meta = daemon_set.get("metadata") or {}
    hash_ = revision_hash(daemon_set)
    template_labels = (
        ((daemon_set.get("spec") or {}).get("template") or {}).get("metadata") or {}
    ).get("labels") or {}
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": f"{meta.get('name', '')[:_MAX_PREFIX]}-{hash_}",
            "namespace": meta.get("namespace"),
            "labels": {**template_labels, REVISION_HASH: hash_},
            "ownerReferences": [new_controller_ref(daemon_set, "apps/v1", "DaemonSet")],
        },
        "data": revision_data(daemon_set),
        "revision": number,
    }


def revisions_to_prune(old: Sequence[Obj], live_hashes: set[str], limit: int) -> list[Obj]:
    """Old revisions beyond ``revisionHistoryLimit`` that no pod uses, oldest first."""
    unused = [
        rev
        for rev in old
        if ((rev.get("metadata") or {}).get("labels") or {}).get(REVISION_HASH) not in live_hashes
    ]
    excess = len(old) - limit
    if excess <= 0:
        return []
    unused.sort(key=lambda rev: int(rev.get("revision") or 0))
    return unused[:excess]
