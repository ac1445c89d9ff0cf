"""The Job controller's writes to pods: claiming them, creating them in slow-start batches,
deleting them, and removing their tracking finalizer — each with the events and expectations
upstream records."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from microkube.client import ApiError, Informer, NotFoundError
from microkube.client.events import NORMAL, WARNING, EventRecorder
from microkube.selectors import SelectorError, label_selector_matcher
from microkube_controllers.common.batch import slow_start_batch
from microkube_controllers.common.expectations import Expectations
from microkube_controllers.common.ownerrefs import CONTROLLER_UID_INDEX, ORPHAN_INDEX
from microkube_controllers.common.refmanager import ControllerRefManager, owner_recheck
from microkube_controllers.jobs import pods as podutil
from microkube_controllers.jobs.census import pod_uid
from microkube_controllers.jobs.per_index import FAILURE_COUNT
from microkube_controllers.jobs.pod_template import controller_ref, pod_for_job

__all__ = ["JobPodControl"]

log = logging.getLogger(__name__)

Pod = dict[str, Any]


class JobPodControl:
    def __init__(
        self,
        client: Any,
        recorder: EventRecorder,
        expectations: Expectations,
        pods: Informer,
    ) -> None:
        self.client = client
        self.recorder = recorder
        self.expectations = expectations
        self.pods = pods
        #: pods whose tracking finalizer was removed while the informer may still show it:
        #: they are counted already (upstream's finalizer expectations)
        self.released_uids: set[str] = set()

    async def claim(self, job: Mapping[str, Any]) -> list[Pod]:
        """The Job's pods: those it controls that match its selector, plus matching orphans
        it adopts (upstream ``ClaimPods``); owned pods that stopped matching are released."""
        meta = job["metadata"]
        owned = self.pods.store.by_index(CONTROLLER_UID_INDEX, meta.get("uid") or "")
        try:
            matches = label_selector_matcher((job.get("spec") or {}).get("selector"))
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
            job,
            controller_ref(job),
            matches,
            can_adopt=owner_recheck(self.client, "jobs", job),
        )
        claimed, errors = await manager.claim([*owned, *orphans])
        for error in errors:
            log.info("job %s/%s: claiming pods: %s", meta.get("namespace"), meta.get("name"), error)
        return claimed

    async def create(
        self,
        key: str,
        job: Mapping[str, Any],
        indexes: Sequence[int | None],
        failure_counts: Mapping[int, int],
    ) -> int:
        """Create one pod per entry of ``indexes`` (None: no completion index), in slow-start
        batches; the number created (the first refusal is raised)."""
        if not indexes:
            return 0
        self.expectations.expect_creations(key, len(indexes))
        pending = iter(indexes)

        def create_next() -> Awaitable[None]:
            index = next(pending)
            count = failure_counts.get(index, 0) if index is not None else 0
            return self._create_one(job, index, count)

        created, error = await slow_start_batch(len(indexes), create_next)
        if error is not None:
            # the creations refused or never attempted will not be observed
            self.expectations.lower_expectations(key, len(indexes) - created, 0)
            raise error
        return created

    async def _create_one(self, job: Mapping[str, Any], index: int | None, failures: int) -> None:
        namespace = (job.get("metadata") or {}).get("namespace")
        body = pod_for_job(job, index)
        if index is not None and (job.get("spec") or {}).get("backoffLimitPerIndex") is not None:
            body["metadata"].setdefault("annotations", {})[FAILURE_COUNT] = str(failures)
        try:
            pod = await self.client.create("pods", body, namespace)
        except Exception as exc:
            self.recorder.event(job, WARNING, "FailedCreate", f"Error creating: {exc}")
            raise
        self.recorder.event(
            job, NORMAL, "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"
        )

    async def delete(self, key: str, job: Mapping[str, Any], pods: Sequence[Pod]) -> None:
        if not pods:
            return
        self.expectations.expect_deletions(key, len(pods))
        for pod in pods:
            meta = pod["metadata"]
            try:
                await self.client.delete("pods", meta["name"], meta["namespace"])
            except NotFoundError:
                self.expectations.deletion_observed(key)
                continue
            except Exception as exc:
                self.expectations.deletion_observed(key)
                self.recorder.event(job, WARNING, "FailedDelete", f"Error deleting: {exc}")
                raise
            self.recorder.event(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta['name']}")

    async def remove_finalizers(self, pods: Sequence[Pod]) -> set[str]:
        """Remove the tracking finalizer; the uids released (or already gone)."""
        released: set[str] = set()
        for pod in pods:
            uid = pod_uid(pod)
            if uid in released:
                continue
            meta = pod["metadata"]
            finalizers = list(meta.get("finalizers") or ())
            if podutil.TRACKING_FINALIZER not in finalizers:
                released.add(uid)
                continue
            at = f"/metadata/finalizers/{finalizers.index(podutil.TRACKING_FINALIZER)}"
            # remove exactly that entry: a finalizer added meanwhile moves it and the test fails
            patch = [
                {"op": "test", "path": "/metadata/uid", "value": uid},
                {"op": "test", "path": at, "value": podutil.TRACKING_FINALIZER},
                {"op": "remove", "path": at},
            ]
            try:
                await self.client.patch(
                    "pods", meta["name"], patch, meta["namespace"], patch_type="json"
                )
            except NotFoundError:
                pass
            except ApiError as exc:
                log.info("removing the finalizer of pod %s failed: %s", meta["name"], exc)
                continue
            self.released_uids.add(uid)
            released.add(uid)
        return released

    def forget(self, pod: Mapping[str, Any]) -> None:
        """The informer shows ``pod`` without its finalizer (or gone): stop remembering it."""
        self.released_uids.discard(pod_uid(pod))
