"""Owner references and the decisions the garbage collector takes on them (pure functions).

As upstream's ``attemptToDeleteItem``: each ownerReference of a dependent is *solid* (the
owner exists and is not waiting for its dependents), *dangling* (the owner is absent: not
found, or found with another uid) or *waiting* (the owner is being deleted in the foreground).
A dependent with a solid owner is kept, minus its references to dangling and waiting owners;
one whose owners are all gone is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

import attrs

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"

#: the index of every monitored informer: an object's owners' uids
OWNER_UID_INDEX = "lifecycle/ownerUID"


def owner_references(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list((obj.get("metadata") or {}).get("ownerReferences") or ())


def owner_uids(obj: Mapping[str, Any]) -> list[str]:
    """The index function of :data:`OWNER_UID_INDEX`."""
    return [ref["uid"] for ref in owner_references(obj) if ref.get("uid")]


def finalizers(obj: Mapping[str, Any]) -> list[str]:
    return list((obj.get("metadata") or {}).get("finalizers") or ())


def being_deleted(obj: Mapping[str, Any]) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def deleting_dependents(obj: Mapping[str, Any]) -> bool:
    """Deleted in the foreground: it waits for its blocking dependents to go first."""
    return being_deleted(obj) and FOREGROUND in finalizers(obj)


def orphaning(obj: Mapping[str, Any]) -> bool:
    """Deleted with the orphan policy: its dependents lose their references to it."""
    return being_deleted(obj) and ORPHAN in finalizers(obj)


def blocks(dependent: Mapping[str, Any], owner_uid: str) -> bool:
    """The dependent's reference to the owner has ``blockOwnerDeletion: true``."""
    return any(
        ref.get("uid") == owner_uid and ref.get("blockOwnerDeletion") is True
        for ref in owner_references(dependent)
    )


class OwnerState(Enum):
    SOLID = "solid"
    DANGLING = "dangling"
    WAITING = "waiting"


def owner_state(reference: Mapping[str, Any], owner: Mapping[str, Any] | None) -> OwnerState:
    """The state of one ownerReference given the owner found by kind/namespace/name."""
    if owner is None or (owner.get("metadata") or {}).get("uid") != reference.get("uid"):
        return OwnerState.DANGLING
    if deleting_dependents(owner):
        return OwnerState.WAITING
    return OwnerState.SOLID


@attrs.frozen
class Decision:
    """What to do with a dependent: keep it with only ``keep_references`` (when
    ``patch_references``), or delete it with ``policy`` (after unblocking ``unblock``)."""

    delete: bool = False
    policy: str | None = None
    patch_references: bool = False
    references: tuple[dict[str, Any], ...] = ()


def decide(
    dependent: Mapping[str, Any],
    states: Iterable[tuple[dict[str, Any], OwnerState]],
    has_dependents: bool,
    cycle_risk: bool = False,
) -> Decision:
    """Upstream's classification and its outcomes; ``cycle_risk``: a dependent of this
    dependent is being deleted in the foreground itself."""
    states = list(states)
    solid = [ref for ref, state in states if state is OwnerState.SOLID]
    waiting = [ref for ref, state in states if state is OwnerState.WAITING]
    dangling = [ref for ref, state in states if state is OwnerState.DANGLING]
    if solid:
        if not dangling and not waiting:
            return Decision()
        gone = {ref["uid"] for ref in dangling + waiting}
        kept = tuple(ref for ref in owner_references(dependent) if ref.get("uid") not in gone)
        return Decision(patch_references=True, references=kept)
    if waiting and has_dependents:
        # the dependent blocks a foreground deletion and has dependents of its own: it is
        # deleted in the foreground too; if one of its dependents is itself deleting its
        # dependents (a possible cycle), it first stops blocking its waiting owners
        if not cycle_risk:
            return Decision(delete=True, policy="Foreground")
        waiting_uids = {ref["uid"] for ref in waiting}
        unblocked = tuple(
            {**ref, "blockOwnerDeletion": False} if ref.get("uid") in waiting_uids else ref
            for ref in owner_references(dependent)
        )
        return Decision(
            delete=True, policy="Foreground", patch_references=True, references=unblocked
        )
    own = finalizers(dependent)
    if ORPHAN in own:
        policy = "Orphan"
    elif FOREGROUND in own:
        policy = "Foreground"
    else:
        policy = "Background"
    return Decision(delete=True, policy=policy)
