"""The conditions the namespace controller keeps on a Terminating namespace, as upstream's
``namespaceConditionUpdater``: five condition types, each either its failure (``True``, with
what failed) or its success variant (``False``); ``lastTransitionTime`` changes only when the
status does.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs

from microkube_controllers.common.timeutil import format_time

DISCOVERY_FAILURE = "NamespaceDeletionDiscoveryFailure"
GROUP_VERSION_PARSING_FAILURE = "NamespaceDeletionGroupVersionParsingFailure"
CONTENT_FAILURE = "NamespaceDeletionContentFailure"
CONTENT_REMAINING = "NamespaceContentRemaining"
FINALIZERS_REMAINING = "NamespaceFinalizersRemaining"

CONDITION_TYPES = (
    DISCOVERY_FAILURE,
    GROUP_VERSION_PARSING_FAILURE,
    CONTENT_FAILURE,
    CONTENT_REMAINING,
    FINALIZERS_REMAINING,
)
OK_REASONS = {
    DISCOVERY_FAILURE: "ResourcesDiscovered",
    GROUP_VERSION_PARSING_FAILURE: "ParsedGroupVersions",
    CONTENT_FAILURE: "ContentDeleted",
    CONTENT_REMAINING: "ContentRemoved",
    FINALIZERS_REMAINING: "ContentHasNoFinalizers",
}
OK_MESSAGES = {
    DISCOVERY_FAILURE: "All resources successfully discovered",
    GROUP_VERSION_PARSING_FAILURE: "All legacy kube types successfully parsed",
    CONTENT_FAILURE: "All content successfully deleted, may be waiting on finalization",
    CONTENT_REMAINING: "All content successfully removed",
    FINALIZERS_REMAINING: "All content-preserving finalizers finished",
}


@attrs.define
class ContentTotals:
    """What is left in the namespace after one deletion pass."""

    #: ``plural.group`` -> instances remaining
    remaining: dict[str, int] = attrs.Factory(dict)
    #: finalizer -> instances carrying it
    finalizers: dict[str, int] = attrs.Factory(dict)


@attrs.define
class ConditionUpdater:
    """Collects the failures of one pass and turns them into the namespace's conditions."""

    failures: dict[str, tuple[str, str]] = attrs.Factory(dict)  # type -> (reason, message)
    delete_errors: list[str] = attrs.Factory(list)

    def discovery_failed(self, failures: tuple[str, ...]) -> None:
        message = (
            f"Discovery failed for some groups, {len(failures)} failing: unable to retrieve "
            f"the complete list of server APIs: {', '.join(failures)}"
        )
        self.failures[DISCOVERY_FAILURE] = ("DiscoveryFailed", message)

    def delete_failed(self, error: str) -> None:
        self.delete_errors.append(error)

    def content_totals(self, totals: ContentTotals) -> None:
        remaining = sorted(
            f"{resource} has {count} resource instances"
            for resource, count in totals.remaining.items()
            if count
        )
        if totals.remaining:
            self.failures[CONTENT_REMAINING] = (
                "SomeResourcesRemain",
                f"Some resources are remaining: {', '.join(remaining)}",
            )
        held = sorted(
            f"{finalizer} in {count} resource instances"
            for finalizer, count in totals.finalizers.items()
            if count
        )
        if totals.finalizers:
            self.failures[FINALIZERS_REMAINING] = (
                "SomeFinalizersRemain",
                f"Some content in the namespace has finalizers remaining: {', '.join(held)}",
            )

    def conditions(self, current: list[dict[str, Any]], now: str | None = None) -> list[dict]:
        """``current`` with the five condition types set from this pass (others kept)."""
        now = now or format_time()
        failures = dict(self.failures)
        if CONTENT_FAILURE not in failures and self.delete_errors:
            errors = sorted(self.delete_errors)
            failures[CONTENT_FAILURE] = (
                "ContentDeletionFailed",
                f"Failed to delete all resource types, {len(errors)} remaining: "
                + ", ".join(errors),
            )
        result = copy.deepcopy(current)
        for kind in CONDITION_TYPES:
            if kind in failures:
                status, (reason, message) = "True", failures[kind]
            else:
                status, reason, message = "False", OK_REASONS[kind], OK_MESSAGES[kind]
            old = next((c for c in result if c.get("type") == kind), None)
            if old is None:
                result.append(
                    {
                        "type": kind,
                        "status": status,
                        "lastTransitionTime": now,
                        "reason": reason,
                        "message": message,
                    }
                )
                continue
            if old.get("status") != status:
                old["lastTransitionTime"] = now
            old.update(status=status, reason=reason, message=message)
        return result
