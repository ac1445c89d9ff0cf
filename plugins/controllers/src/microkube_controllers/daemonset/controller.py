"""The DaemonSet controller (apps/v1), as kube-controller-manager's ``daemonset``.

Each sync: make sure a ``ControllerRevision`` holds the current template; run one daemon pod
on every node the pod fits (creating pods pinned to their node by node affinity, removing pods
from nodes it no longer fits, failed pods after a back-off, duplicates, and unscheduled pods
of deleted nodes); once the previous sync's creations and deletions have been observed, roll
out a changed template (``RollingUpdate``; ``OnDelete`` waits for the user to delete pods);
prune revisions beyond ``revisionHistoryLimit``; write the status.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from microkube.client import AlreadyExistsError, NotFoundError
from microkube.client.events import WARNING
from microkube.contracts.controller import ControllerContext
from microkube.selectors import SelectorError, label_selector_matcher
from microkube_controllers.common.base import QueueController
from microkube_controllers.common.batch import slow_start_batch
from microkube_controllers.common.expectations import Expectations
from microkube_controllers.common.handlers import unwrap_tombstone
from microkube_controllers.common.ownerrefs import (
    CONTROLLER_UID_INDEX,
    ORPHAN_INDEX,
    add_controller_uid_index,
    add_orphan_index,
    get_controller_of,
    new_controller_ref,
)
from microkube_controllers.common.podcontrol import PodControl
from microkube_controllers.common.refmanager import ControllerRefManager, owner_recheck
from microkube_controllers.common.selecting import owners_selecting
from microkube_controllers.common.timeutil import now
from microkube_controllers.daemonset.backoff import FailedPodBackoff
from microkube_controllers.daemonset.history import (
    revision_data,
    revision_for,
    revisions_to_prune,
)
from microkube_controllers.daemonset.node_pods import (
    REVISION_HASH,
    TEMPLATE_GENERATION,
    judge_node,
)
from microkube_controllers.daemonset.placement import Placement, pin_to_node, placement, target_node
from microkube_controllers.daemonset.rolling import plan_rolling_update, surge_and_unavailable
from microkube_controllers.daemonset.status import daemon_set_status

__all__ = ["DaemonSetController"]

log = logging.getLogger(__name__)

#: at most this many pods created or deleted per sync (upstream ``BurstReplicas``)
BURST_REPLICAS = 250
KIND = "DaemonSet"
API_VERSION = "apps/v1"

Obj = dict[str, Any]


def _typed(daemon_set: Mapping[str, Any]) -> Obj:
    """The DaemonSet with kind/apiVersion (listed items lack them), for events and refs."""
    return {**daemon_set, "kind": KIND, "apiVersion": API_VERSION}


def _owner_key(obj: Mapping[str, Any]) -> str | None:
    ref = get_controller_of(obj)
    if ref is None or ref.get("kind") != KIND:
        return None
    return f"{(obj.get('metadata') or {}).get('namespace')}/{ref.get('name')}"


class DaemonSetController(QueueController):
    name = "daemonset"
    component = "daemonset-controller"

    def __init__(self, context: ControllerContext, *, clock: Callable[[], datetime] = now) -> None:
        super().__init__(context)
        self.clock = clock
        self.expectations = Expectations()
        self.failed_backoff = FailedPodBackoff()
        self.pod_control = PodControl(self.client, self.recorder)
        self.daemon_sets = self.watch(
            self.informers.informer("daemonsets"),
            on_add=self._daemon_set_changed,
            on_update=lambda old, new: self._daemon_set_changed(new),
            on_delete=self._daemon_set_deleted,
        )
        self.pods = self.informers.informer("pods")
        add_controller_uid_index(self.pods)
        add_orphan_index(self.pods)
        self.watch(
            self.pods,
            on_add=self._pod_added,
            on_update=self._pod_updated,
            on_delete=self._pod_deleted,
        )
        self.revisions = self.informers.informer("controllerrevisions")
        add_controller_uid_index(self.revisions)
        self.watch(
            self.revisions,
            on_add=self._revision_changed,
            on_update=lambda old, new: self._revision_changed(new),
            on_delete=self._revision_changed,
        )
        self.nodes = self.watch(
            self.informers.informer("nodes"),
            on_add=self._node_changed,
            on_update=self._node_updated,
            on_delete=self._node_changed,
        )

    # -- event handlers --------------------------------------------------------------------

    def _daemon_set_changed(self, daemon_set: Mapping[str, Any]) -> None:
        self.enqueue(daemon_set)

    def _daemon_set_deleted(self, daemon_set: Any) -> None:
        obj = unwrap_tombstone(daemon_set)
        meta = obj.get("metadata") or {}
        key = f"{meta.get('namespace')}/{meta.get('name')}"
        self.expectations.delete_expectations(key)
        self.failed_backoff.forget_daemon_set(key)
        self.queue.add(key)

    def _pod_added(self, pod: Mapping[str, Any]) -> None:
        key = _owner_key(pod)
        if key:
            self.expectations.creation_observed(key)
            self.queue.add(key)
        elif get_controller_of(pod) is None:
            self._enqueue_selecting(pod)

    def _enqueue_selecting(self, pod: Mapping[str, Any]) -> None:
        """An orphan pod: every owner whose selector matches it may adopt it."""
        for owner in owners_selecting(self.daemon_sets.store, pod):
            self.enqueue(owner)

    def _pod_updated(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        key = _owner_key(new)
        previous = _owner_key(old)
        if previous and previous != key:
            self.queue.add(previous)  # released: its old DaemonSet looks again
        if key:
            was_deleting = (old.get("metadata") or {}).get("deletionTimestamp")
            if not was_deleting and (new.get("metadata") or {}).get("deletionTimestamp"):
                self.expectations.deletion_observed(key)
            self.queue.add(key)
        elif get_controller_of(new) is None:
            self._enqueue_selecting(new)

    def _pod_deleted(self, pod: Any) -> None:
        obj = unwrap_tombstone(pod)
        key = _owner_key(obj)
        if key:
            if not (obj.get("metadata") or {}).get("deletionTimestamp"):
                self.expectations.deletion_observed(key)
            self.queue.add(key)

    def _revision_changed(self, revision: Any) -> None:
        key = _owner_key(unwrap_tombstone(revision))
        if key:
            self.queue.add(key)

    def _node_changed(self, node: Any) -> None:
        for daemon_set in self.daemon_sets.store.list():
            self.enqueue(daemon_set)

    def _node_updated(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        """Only labels, taints and name decide placement: heartbeats change nothing."""

        def placement_inputs(node: Mapping[str, Any]) -> tuple[Any, Any]:
            return (
                (node.get("metadata") or {}).get("labels"),
                (node.get("spec") or {}).get("taints"),
            )

        if placement_inputs(old) != placement_inputs(new):
            self._node_changed(new)

    # -- the reconcile -------------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        found = self.daemon_sets.store.get(key)
        if found is None:
            return
        daemon_set = _typed(found)
        if (daemon_set.get("metadata") or {}).get("deletionTimestamp"):
            return  # the garbage collector removes its pods
        current, old = await self._history(daemon_set)
        hash_ = current["metadata"]["labels"][REVISION_HASH]
        moment = self.clock()
        nodes = {n["metadata"]["name"]: n for n in self.nodes.store.list()}
        template_spec = ((daemon_set.get("spec") or {}).get("template") or {}).get("spec") or {}
        placements = {name: placement(template_spec, node) for name, node in nodes.items()}
        pods = await self._claim_pods(daemon_set)
        node_pods = _by_node(pods)
        if self.expectations.satisfied(key):
            again = await self._manage(key, daemon_set, nodes, placements, node_pods, hash_, moment)
            if again is not None:
                self.queue.add_after(key, again)
            if self.expectations.satisfied(key):
                await self._roll(key, daemon_set, placements, node_pods, hash_, moment)
            await self._prune_history(daemon_set, old, pods)
        live = _by_node([p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")])
        status = daemon_set_status(daemon_set, placements, live, revision_hash=hash_, now=moment)
        if status != (found.get("status") or {}):
            try:
                await self.client.replace_status("daemonsets", {**daemon_set, "status": status})
            except NotFoundError:
                return
        min_ready = int((daemon_set.get("spec") or {}).get("minReadySeconds") or 0)
        if min_ready and status["numberAvailable"] < status["numberReady"]:
            self.queue.add_after(key, min_ready)  # pods become available as time passes

    async def _claim_pods(self, daemon_set: Obj) -> list[Obj]:
        """The DaemonSet's pods: those it controls that match its selector, plus matching
        orphans it adopts (upstream ``ClaimPods``); owned pods that stopped matching are
        released."""
        meta = daemon_set["metadata"]
        owned = self.pods.store.by_index(CONTROLLER_UID_INDEX, meta.get("uid") or "")
        try:
            matches = label_selector_matcher((daemon_set.get("spec") or {}).get("selector"))
        except SelectorError:
            return owned
        orphans = [
            pod
            for pod in self.pods.store.by_index(ORPHAN_INDEX, meta.get("namespace") or "")
            if matches((pod.get("metadata") or {}).get("labels") or {})
        ]
        if not orphans and all(matches(p["metadata"].get("labels") or {}) for p in owned):
            return owned
        manager = ControllerRefManager(
            self.client,
            daemon_set,
            new_controller_ref(daemon_set, API_VERSION, KIND),
            matches,
            can_adopt=owner_recheck(self.client, "daemonsets", daemon_set),
        )
        claimed, errors = await manager.claim([*owned, *orphans])
        for error in errors:
            log.info("daemonset %s/%s: claiming pods: %s", meta["namespace"], meta["name"], error)
        return claimed

    async def _history(self, daemon_set: Obj) -> tuple[Obj, list[Obj]]:
        """The current ControllerRevision (created or renumbered as needed) and the old ones."""
        owned = self.revisions.store.by_index(CONTROLLER_UID_INDEX, daemon_set["metadata"]["uid"])
        data = revision_data(daemon_set)
        current = [rev for rev in owned if rev.get("data") == data]
        old = [rev for rev in owned if rev.get("data") != data]
        highest = max((int(rev.get("revision") or 0) for rev in owned), default=0)
        if current:
            current.sort(key=lambda rev: int(rev.get("revision") or 0))
            for duplicate in current[:-1]:
                await self._delete_revision(duplicate)
            chosen = current[-1]
            if int(chosen.get("revision") or 0) < highest:
                meta = chosen["metadata"]
                chosen = await self.client.patch(
                    "controllerrevisions",
                    meta["name"],
                    {"revision": highest + 1},
                    meta["namespace"],
                )
            return chosen, old
        body = revision_for(daemon_set, highest + 1)
        try:
            created = await self.client.create("controllerrevisions", body)
        except AlreadyExistsError:
            meta = body["metadata"]
            existing = await self.client.get("controllerrevisions", meta["name"], meta["namespace"])
            if (
                existing.get("data") == data
                and (get_controller_of(existing) or {}).get("uid") == daemon_set["metadata"]["uid"]
            ):
                return existing, old
            # a hash collision: count it, so the next hash differs (upstream does the same)
            collisions = int((daemon_set.get("status") or {}).get("collisionCount") or 0) + 1
            status = {**(daemon_set.get("status") or {}), "collisionCount": collisions}
            await self.client.replace_status("daemonsets", {**daemon_set, "status": status})
            raise
        return created, old

    async def _delete_revision(self, revision: Mapping[str, Any]) -> None:
        meta = revision["metadata"]
        with contextlib.suppress(NotFoundError):
            await self.client.delete("controllerrevisions", meta["name"], meta["namespace"])

    async def _prune_history(
        self, daemon_set: Obj, old: list[Obj], pods: list[Mapping[str, Any]]
    ) -> None:
        limit = (daemon_set.get("spec") or {}).get("revisionHistoryLimit")
        live = {
            ((p.get("metadata") or {}).get("labels") or {}).get(REVISION_HASH)
            for p in pods
            if not (p.get("metadata") or {}).get("deletionTimestamp")
        }
        for revision in revisions_to_prune(old, live, 10 if limit is None else int(limit)):
            await self._delete_revision(revision)

    async def _manage(
        self,
        key: str,
        daemon_set: Obj,
        nodes: Mapping[str, Obj],
        placements: Mapping[str, Placement],
        node_pods: Mapping[str, list[Obj]],
        hash_: str,
        moment: datetime,
    ) -> float | None:
        """Create missing daemon pods and delete misplaced ones; seconds until a failed-pod
        back-off ends, if one is pending."""
        spec = daemon_set.get("spec") or {}
        allows_surge = _allows_surge(daemon_set, len(nodes))
        min_ready = int(spec.get("minReadySeconds") or 0)
        create_on: list[str] = []
        delete: list[Mapping[str, Any]] = []
        again: float | None = None
        for name in sorted(nodes):
            backoff_key = (key, name)
            verdict = judge_node(
                placements[name],
                node_pods.get(name),
                revision_hash=hash_,
                allows_surge=allows_surge,
                min_ready_seconds=min_ready,
                now=moment,
                in_failure_backoff=self.failed_backoff.in_backoff(backoff_key, moment),
            )
            if verdict.create:
                create_on.append(name)
            delete += verdict.delete
            if verdict.failed_backing_off:
                wait = self.failed_backoff.remaining(backoff_key, moment)
                again = wait if again is None else min(again, wait)
            for pod in verdict.failed:
                self.failed_backoff.next(backoff_key, moment)
                meta = pod["metadata"]
                self.recorder.event(
                    daemon_set,
                    WARNING,
                    "FailedDaemonPod",
                    f"Found failed daemon pod {meta['namespace']}/{meta['name']} on node {name}, "
                    "will try to kill it",
                )
                delete.append(pod)
        # unscheduled pods pinned to nodes that no longer exist are never going to run
        for name, pods in node_pods.items():
            if name in nodes:
                continue
            for pod in pods:
                meta = pod.get("metadata") or {}
                if not (pod.get("spec") or {}).get("nodeName") and not meta.get(
                    "deletionTimestamp"
                ):
                    delete.append(pod)
        await self._sync_nodes(key, daemon_set, delete, create_on, hash_)
        return again

    async def _roll(
        self,
        key: str,
        daemon_set: Obj,
        placements: Mapping[str, Placement],
        node_pods: Mapping[str, list[Obj]],
        hash_: str,
        moment: datetime,
    ) -> None:
        strategy = (daemon_set.get("spec") or {}).get("updateStrategy") or {}
        if (strategy.get("type") or "RollingUpdate") != "RollingUpdate":
            return  # OnDelete: pods are updated when the user deletes them
        wanted = {n: node_pods.get(n, []) for n, where in placements.items() if where.should_run}
        try:
            surge, unavailable = surge_and_unavailable(
                strategy.get("rollingUpdate") or {}, len(wanted)
            )
        except ValueError as exc:
            self.recorder.event(daemon_set, WARNING, "InvalidRollingUpdate", str(exc))
            return
        plan = plan_rolling_update(
            {n: pods for n, pods in wanted.items() if pods},
            revision_hash=hash_,
            max_surge=surge,
            max_unavailable=unavailable,
            min_ready_seconds=int((daemon_set.get("spec") or {}).get("minReadySeconds") or 0),
            now=moment,
        )
        await self._sync_nodes(key, daemon_set, plan.delete, plan.create_on, hash_)

    async def _sync_nodes(
        self,
        key: str,
        daemon_set: Obj,
        delete: list[Mapping[str, Any]],
        create_on: list[str],
        hash_: str,
    ) -> None:
        """Create a pod on each node of ``create_on`` and delete ``delete`` (upstream
        ``syncNodes``), at most :data:`BURST_REPLICAS` of each per sync."""
        create_on = create_on[:BURST_REPLICAS]
        seen: set[str] = set()
        delete = [
            p
            for p in delete
            if not (p["metadata"]["name"] in seen or seen.add(p["metadata"]["name"]))
        ][:BURST_REPLICAS]
        if not create_on and not delete:
            return
        self.expectations.set(key, len(create_on), len(delete))
        template = self._pod_template(daemon_set, hash_)
        namespace = daemon_set["metadata"]["namespace"]
        ref = new_controller_ref(daemon_set, API_VERSION, KIND)
        pending = iter(create_on)

        async def create_one() -> None:
            node = next(pending)
            pod_template = {**template, "spec": pin_to_node(template.get("spec") or {}, node)}
            await self.pod_control.create_pod(namespace, pod_template, daemon_set, ref)

        created, error = await slow_start_batch(len(create_on), create_one)
        if created < len(create_on):
            self.expectations.lower_expectations(key, len(create_on) - created, 0)
        failure: BaseException | None = error
        for pod in delete:
            try:
                await self.pod_control.delete_pod(namespace, pod["metadata"]["name"], daemon_set)
            except NotFoundError:
                self.expectations.deletion_observed(key)
            except Exception as exc:
                self.expectations.deletion_observed(key)
                failure = failure or exc
        if failure is not None:
            raise failure

    @staticmethod
    def _pod_template(daemon_set: Obj, hash_: str) -> dict[str, Any]:
        """The template with the revision hash and template generation labels (upstream
        ``CreatePodTemplate``)."""
        template = (daemon_set.get("spec") or {}).get("template") or {}
        meta = dict(template.get("metadata") or {})
        labels = dict(meta.get("labels") or {})
        labels[REVISION_HASH] = hash_
        generation = (daemon_set.get("metadata") or {}).get("generation")
        if generation is not None:
            labels[TEMPLATE_GENERATION] = str(generation)
        meta["labels"] = labels
        return {**template, "metadata": meta}


def _by_node(pods: list[Mapping[str, Any]]) -> dict[str, list[Obj]]:
    found: dict[str, list[Obj]] = {}
    for pod in pods:
        node = target_node(pod)
        if node:
            found.setdefault(node, []).append(dict(pod))
    return found


def _allows_surge(daemon_set: Mapping[str, Any], nodes: int) -> bool:
    strategy = (daemon_set.get("spec") or {}).get("updateStrategy") or {}
    if (strategy.get("type") or "RollingUpdate") != "RollingUpdate":
        return False
    try:
        surge, _ = surge_and_unavailable(strategy.get("rollingUpdate") or {}, max(nodes, 1))
    except ValueError:
        return False
    return surge > 0
