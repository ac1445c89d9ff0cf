"""JSON merge patch (RFC 7386): ``application/merge-patch+json``.

What ``kubectl label``, ``annotate`` and ``scale`` send, and what strategic merge patch falls
back to for kinds with no schema. ``null`` deletes a member, objects merge recursively, anything
else (arrays included) replaces.
"""

from __future__ import annotations

import copy
from typing import Any

from microkube.jsonpatch.jsonvalue import json_equal

__all__ = ["apply_merge_patch", "create_merge_patch"]


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 ``MergePatch(target, patch)`` on copies: the inputs are not modified.

    A non-object patch replaces the target entirely, as the RFC says; the API server, which
    needs an object back, rejects such bodies before calling this.
    """
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = apply_merge_patch(result.get(name), value)
    return result


def create_merge_patch(original: Any, modified: Any) -> Any:
    """The smallest merge patch turning ``original`` into ``modified``.

    Exact for every ``modified`` without ``null`` members inside objects: a merge patch has no
    way to say "set this member to null" (RFC 7386 §1).
    """
    if not isinstance(original, dict) or not isinstance(modified, dict):
        return copy.deepcopy(modified)
    patch: dict[str, Any] = {}
    for name in original:
        if name not in modified:
            patch[name] = None
    for name, value in modified.items():
        if name not in original:
            patch[name] = copy.deepcopy(value)
        elif not json_equal(original[name], value):
            patch[name] = create_merge_patch(original[name], value)
    return patch
