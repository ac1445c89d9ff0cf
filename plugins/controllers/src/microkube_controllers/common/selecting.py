"""Which owners select a pod: the candidates that may adopt an orphan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microkube.selectors import SelectorError, label_selector_matcher

__all__ = ["owners_selecting"]


def owners_selecting(store: Any, pod: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Owners in ``store`` (an informer store with a ``namespace`` index) in the pod's
    namespace whose selector matches its labels. An empty selector selects nothing here, as
    upstream's ``GetPod<Kind>s`` skip ``selector.Empty()``; a malformed one is skipped."""
    meta = pod.get("metadata") or {}
    labels = meta.get("labels") or {}
    found = []
    for owner in store.by_index("namespace", meta.get("namespace") or ""):
        selector = (owner.get("spec") or {}).get("selector")
        if not selector or not (selector.get("matchLabels") or selector.get("matchExpressions")):
            continue
        try:
            if label_selector_matcher(selector)(labels):
                found.append(owner)
        except SelectorError:
            continue
    return found
