"""How the Deployment controller moves ReplicaSets: proportional scaling (paused Deployments
and changes of ``replicas``), the ``RollingUpdate`` and ``Recreate`` strategies, and the
rollout status with its ``Progressing`` condition (upstream ``sync.go``, ``rolling.go``,
``recreate.go``, ``progress.go``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microkube.client.store import Store
from microkube.client.workqueue import RateLimitingQueue
from microkube_controllers.common.conditions import get_condition, new_condition, set_condition
from microkube_controllers.common.ownerrefs import CONTROLLER_UID_INDEX
from microkube_controllers.common.timeutil import now, parse_time
from microkube_controllers.workloads import deployment_status as st
from microkube_controllers.workloads import deployment_util as util
from microkube_controllers.workloads.deployment_replicasets import (
    RS,
    DeploymentReplicaSets,
    object_key,
)

__all__ = ["DeploymentRollout"]


def _status_equal(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Statuses equal as upstream compares them: zero counts and empty lists are the same as
    absent ones (they are omitted on the wire), so an unchanged status is not rewritten."""

    def norm(status: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in status.items() if v not in (None, 0, [], {})}

    return norm(a) == norm(b)


class DeploymentRollout(DeploymentReplicaSets):
    """Mixin of the Deployment controller: scaling and rolling out."""

    queue: RateLimitingQueue[str]
    pod_store: Store

    async def _is_scaling_event(self, d: dict[str, Any], rs_list: list[RS]) -> bool:
        new, old = await self._all_replica_sets(d, rs_list, create=False)
        for rs in util.active([*old, new]):
            desired = util.annotated_int(rs, util.DESIRED_REPLICAS_ANNOTATION)
            if desired is not None and desired != util.replicas(d):
                return True
        return False

    async def _sync(self, d: dict[str, Any], rs_list: list[RS]) -> None:
        """Scale without rolling (paused or a change of replicas), then the status."""
        new, old = await self._all_replica_sets(d, rs_list, create=False)
        await self._scale(d, new, old)
        if d["spec"].get("paused"):
            await self._cleanup(d, old)
        await self._sync_deployment_status(d, [*old, new], new)

    async def _scale(self, d: dict[str, Any], new: RS | None, old: list[RS]) -> None:
        desired = util.replicas(d)
        target = util.find_active_or_latest(new, old)
        if target is not None:
            if util.replicas(target) != desired:
                await self._scale_rs_and_record(target, desired, d)
            return
        if util.is_saturated(d, new):
            for rs in util.active(old):
                await self._scale_rs_and_record(rs, 0, d)
            return
        if not util.is_rolling_update(d):
            return
        actives = util.active([*old, new])
        allowed = desired + util.max_surge(d) if desired > 0 else 0
        to_add = allowed - util.replica_count(actives)
        operation = ""
        if to_add > 0:
            # Larger first; of equal size, newer first.
            actives.sort(key=lambda rs: util.by_creation(rs), reverse=True)
            actives.sort(key=lambda rs: -util.replicas(rs))
            operation = "up"
        elif to_add < 0:
            actives.sort(key=util.by_creation)
            actives.sort(key=lambda rs: -util.replicas(rs))
            operation = "down"
        added = 0
        sizes: dict[str, int] = {}
        for rs in actives:
            if to_add != 0:
                share = util.proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = util.replicas(rs) + share
                added += share
            else:
                sizes[rs["metadata"]["name"]] = util.replicas(rs)
        for index, rs in enumerate(actives):
            name = rs["metadata"]["name"]
            if index == 0 and to_add != 0:
                sizes[name] = max(sizes[name] + to_add - added, 0)
            await self._scale_rs(rs, sizes[name], d, operation)

    async def _sync_deployment_status(
        self, d: dict[str, Any], all_rss: Sequence[RS | None], new: RS | None
    ) -> None:
        status = st.calculate_status(all_rss, new, d)
        if not _status_equal(d.get("status") or {}, status):
            await self._write_status(d, status)

    async def _sync_status_only(self, d: dict[str, Any], rs_list: list[RS]) -> None:
        new, old = await self._all_replica_sets(d, rs_list, create=False)
        await self._sync_deployment_status(d, [*old, new], new)

    async def _check_paused_conditions(self, d: dict[str, Any]) -> None:
        if not util.has_progress_deadline(d):
            return
        condition = get_condition((d.get("status") or {}).get("conditions"), st.PROGRESSING)
        if condition is not None and condition.get("reason") == st.TIMED_OUT_REASON:
            return
        paused_known = condition is not None and condition.get("reason") == st.PAUSED_REASON
        paused = bool(d["spec"].get("paused"))
        if paused and not paused_known:
            new = new_condition(st.PROGRESSING, "Unknown", st.PAUSED_REASON, "Deployment is paused")
        elif not paused and paused_known:
            new = new_condition(
                st.PROGRESSING, "Unknown", st.RESUMED_REASON, "Deployment is resumed"
            )
        else:
            return
        status = dict(d.get("status") or {})
        status["conditions"] = set_condition(status.get("conditions"), new)
        await self._write_status(d, status)

    # -- rolling update ---------------------------------------------------------------------

    async def _rollout_rolling(self, d: dict[str, Any], rs_list: list[RS]) -> None:
        new, old = await self._all_replica_sets(d, rs_list, create=True)
        assert new is not None
        all_rss: list[RS] = [*old, new]
        scaled_up, new = await self._reconcile_new_rs(all_rss, new, d)
        all_rss = [*old, new]
        if scaled_up:
            await self._sync_rollout_status(all_rss, new, d)
            return
        if await self._reconcile_old_rss(all_rss, util.active(old), new, d):
            await self._sync_rollout_status(all_rss, new, d)
            return
        if util.deployment_complete(d, d.get("status") or {}):
            await self._cleanup(d, old)
        await self._sync_rollout_status(all_rss, new, d)

    async def _reconcile_new_rs(
        self, all_rss: list[RS], new: RS, d: dict[str, Any]
    ) -> tuple[bool, RS]:
        desired = util.replicas(d)
        if util.replicas(new) == desired:
            return False, new
        if util.replicas(new) > desired:
            return await self._scale_rs_and_record(new, desired, d)
        count = util.new_rs_new_replicas(d, all_rss, new)
        return await self._scale_rs_and_record(new, count, d)

    async def _reconcile_old_rss(
        self, all_rss: list[RS], old: list[RS], new: RS, d: dict[str, Any]
    ) -> bool:
        if util.replica_count(old) == 0:
            return False
        min_available = util.replicas(d) - util.max_unavailable(d)
        new_unavailable = util.replicas(new) - int(
            (new.get("status") or {}).get("availableReplicas") or 0
        )
        max_scaled_down = util.replica_count(all_rss) - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old, cleaned = await self._cleanup_unhealthy(old, d, max_scaled_down)
        scaled = await self._scale_down_old_for_rolling([*old, new], old, d)
        return cleaned + scaled > 0

    async def _cleanup_unhealthy(
        self, old: list[RS], d: dict[str, Any], most: int
    ) -> tuple[list[RS], int]:
        """Scale down the old ReplicaSets' unavailable pods first: they would block the
        rollout (upstream issue 16737)."""
        old = sorted(old, key=util.by_creation)
        total = 0
        for index, rs in enumerate(old):
            if total >= most:
                break
            available = int((rs.get("status") or {}).get("availableReplicas") or 0)
            if util.replicas(rs) == 0 or util.replicas(rs) == available:
                continue
            count = min(most - total, util.replicas(rs) - available)
            _, old[index] = await self._scale_rs_and_record(rs, util.replicas(rs) - count, d)
            total += count
        return old, total

    async def _scale_down_old_for_rolling(
        self, all_rss: list[RS], old: list[RS], d: dict[str, Any]
    ) -> int:
        min_available = util.replicas(d) - util.max_unavailable(d)
        available = util.available_count(all_rss)
        if available <= min_available:
            return 0
        total, budget = 0, available - min_available
        for rs in sorted(old, key=util.by_creation):
            if total >= budget:
                break
            if util.replicas(rs) == 0:
                continue
            count = min(util.replicas(rs), budget - total)
            await self._scale_rs_and_record(rs, util.replicas(rs) - count, d)
            total += count
        return total

    async def _sync_rollout_status(
        self, all_rss: Sequence[RS | None], new: RS | None, d: dict[str, Any]
    ) -> None:
        status = st.rollout_status(all_rss, new, d, now())
        if _status_equal(d.get("status") or {}, status):
            self._requeue_stuck(d, status)
            return
        await self._write_status(d, status)

    def _requeue_stuck(self, d: dict[str, Any], status: Mapping[str, Any]) -> None:
        """Look again when the progress deadline would pass (``requeueStuckDeployment``)."""
        condition = get_condition((d.get("status") or {}).get("conditions"), st.PROGRESSING)
        if not util.has_progress_deadline(d) or condition is None:
            return
        if util.deployment_complete(d, status) or condition.get("reason") == st.TIMED_OUT_REASON:
            return
        since = parse_time(condition.get("lastUpdateTime"))
        if since is None:
            return
        deadline = int(d["spec"]["progressDeadlineSeconds"])
        after = deadline - (now() - since).total_seconds()
        if after < 1:
            self.queue.add_rate_limited(object_key(d))
        else:
            self.queue.add_after(object_key(d), after + 1)

    # -- recreate ----------------------------------------------------------------------------

    async def _rollout_recreate(self, d: dict[str, Any], rs_list: list[RS]) -> None:
        new, old = await self._all_replica_sets(d, rs_list, create=False)
        all_rss: list[RS | None] = [*old, new]
        scaled_down = False
        for rs in util.active(old):
            changed, _ = await self._scale_rs_and_record(rs, 0, d)
            scaled_down = scaled_down or changed
        if scaled_down:
            await self._sync_rollout_status(all_rss, new, d)
            return
        if self._old_pods_running(new, old):
            await self._sync_rollout_status(all_rss, new, d)
            return
        if new is None:
            new, old = await self._all_replica_sets(d, rs_list, create=True)
            all_rss = [*old, new]
        assert new is not None
        await self._scale_rs_and_record(new, util.replicas(d), d)
        if util.deployment_complete(d, d.get("status") or {}):
            await self._cleanup(d, old)
        await self._sync_rollout_status(all_rss, new, d)

    def _old_pods_running(self, new: RS | None, old: list[RS]) -> bool:
        if util.actual_count(old) > 0:
            return True
        new_uid = new["metadata"].get("uid") if new else None
        for rs in old:
            uid = rs["metadata"].get("uid")
            if uid == new_uid:
                continue
            for pod in self.pod_store.by_index(CONTROLLER_UID_INDEX, uid or ""):
                if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
                    return True
        return False
