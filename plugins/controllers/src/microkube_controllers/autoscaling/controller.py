"""The HorizontalPodAutoscaler controller (autoscaling/v2), as kube-controller-manager's
``horizontalpodautoscaling``.

Every sync period (15 s by default) each HPA is evaluated: read the target's ``/scale``,
compute a replica count for each ``Resource`` metric from the pods' usage (PodMetrics of
``metrics.k8s.io``) against the target utilisation or average value, take the largest,
stabilise and rate-limit it (see :mod:`.normalize`), set it through ``/scale`` with a
``SuccessfulRescale`` event, and write the status (``currentReplicas``, ``desiredReplicas``,
``currentMetrics``, ``lastScaleTime``, conditions ``AbleToScale``, ``ScalingActive``,
``ScalingLimited``). The metrics source and the clock are injectable.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from microkube.api import Quantity
from microkube.client import ApiError, Resource
from microkube.client.events import NORMAL, WARNING
from microkube.contracts.controller import ControllerContext
from microkube.selectors import SelectorError, label_matcher
from microkube_controllers.autoscaling.metrics import ApiPodMetrics, PodMetricsSource
from microkube_controllers.autoscaling.normalize import DEFAULT_DOWNSCALE_WINDOW, Recommender
from microkube_controllers.autoscaling.options import (
    DOWNSCALE_STABILIZATION,
    SYNC_PERIOD,
    TOLERANCE,
    seconds_option,
)
from microkube_controllers.autoscaling.replicas import (
    DEFAULT_TOLERANCE,
    MetricError,
    Recommendation,
    replicas_for_average_value,
    replicas_for_utilization,
)
from microkube_controllers.autoscaling.status import set_condition
from microkube_controllers.common.base import QueueController
from microkube_controllers.common.handlers import unwrap_tombstone
from microkube_controllers.common.timeutil import format_time, now

__all__ = ["HPA", "HorizontalController"]

log = logging.getLogger(__name__)

HPA = Resource(
    "autoscaling",
    "v2",
    "horizontalpodautoscalers",
    True,
    "HorizontalPodAutoscaler",
    "horizontalpodautoscaler",
    ("hpa",),
    ("status",),
    ("all",),
)
#: upstream ``--horizontal-pod-autoscaler-sync-period``
DEFAULT_SYNC_PERIOD = 15.0


class HorizontalController(QueueController):
    name = "horizontalpodautoscaling"
    component = "horizontal-pod-autoscaler"

    def __init__(
        self,
        context: ControllerContext,
        *,
        metrics: PodMetricsSource | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        super().__init__(context)
        self.clock = clock
        self.metrics = metrics or ApiPodMetrics(self.client)
        self.sync_period = seconds_option(self.options, SYNC_PERIOD, DEFAULT_SYNC_PERIOD)
        tolerance = self.options.get(TOLERANCE)
        self.tolerance = DEFAULT_TOLERANCE if tolerance is None else float(tolerance)
        window = seconds_option(self.options, DOWNSCALE_STABILIZATION, DEFAULT_DOWNSCALE_WINDOW)
        self.recommender = Recommender(int(window))
        self.hpas = self.watch(
            self.informers.informer(HPA),
            on_add=self.enqueue,
            on_update=self._hpa_updated,
            on_delete=self._hpa_deleted,
        )
        self.pods = self.watch(self.informers.informer("pods"))

    def _hpa_updated(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if (old.get("spec") or {}) != (new.get("spec") or {}):
            self.enqueue(new)  # a status write of ours needs no re-evaluation

    def _hpa_deleted(self, hpa: Any) -> None:
        obj = unwrap_tombstone(hpa)
        meta = obj.get("metadata") or {}
        self.recommender.forget(f"{meta.get('namespace')}/{meta.get('name')}")

    async def sync(self, key: str) -> None:
        found = self.hpas.store.get(key)
        if found is None:
            return
        hpa = {**found, "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler"}
        try:
            await self._reconcile(key, hpa)
        finally:
            self.queue.add_after(key, self.sync_period)

    # -- one evaluation ---------------------------------------------------------------------

    async def _reconcile(self, key: str, hpa: dict[str, Any]) -> None:
        moment = self.clock()
        spec = hpa.get("spec") or {}
        status = copy.deepcopy(hpa.get("status") or {})
        status["observedGeneration"] = (hpa.get("metadata") or {}).get("generation")
        namespace = hpa["metadata"]["namespace"]
        target = spec.get("scaleTargetRef") or {}
        reference = f"{target.get('kind')}/{target.get('name')}"
        try:
            resource = await self._target_resource(target)
            scale = await self.client.get_scale(resource, target.get("name", ""), namespace)
        except (ApiError, LookupError, ValueError) as exc:
            message = f"the HPA controller was unable to get the target's current scale: {exc}"
            self.recorder.event(hpa, WARNING, "FailedGetScale", str(exc))
            set_condition(status, "AbleToScale", "False", "FailedGetScale", message, moment)
            await self._write_status(hpa, status)
            return
        set_condition(
            status,
            "AbleToScale",
            "True",
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
            moment,
        )
        current = int((scale.get("spec") or {}).get("replicas") or 0)
        status["currentReplicas"] = current
        minimum = int(spec.get("minReplicas") or 1)
        maximum = int(spec.get("maxReplicas") or 0)
        reason = ""
        if current == 0 and minimum != 0:
            desired = 0
            set_condition(
                status,
                "ScalingActive",
                "False",
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
                moment,
            )
        elif current > maximum:
            desired, reason = maximum, "Current number of replicas above Spec.MaxReplicas"
            self._limited(status, "TooManyReplicas", moment)
        elif current < minimum:
            desired, reason = minimum, "Current number of replicas below Spec.MinReplicas"
            self._limited(status, "TooFewReplicas", moment)
        else:
            evaluated = await self._evaluate(hpa, scale, current, status, moment)
            if evaluated is None:
                await self._write_status(hpa, status)
                return
            proposal, metric_name = evaluated
            normalized = self.recommender.normalize(key, spec, current, proposal, moment)
            desired = normalized.replicas
            set_condition(
                status,
                "AbleToScale",
                "True",
                normalized.able_reason,
                normalized.able_message,
                moment,
            )
            set_condition(
                status,
                "ScalingLimited",
                "True" if normalized.limited else "False",
                normalized.limited_reason,
                normalized.limited_message,
                moment,
            )
            if desired > current:
                reason = f"{metric_name} above target"
            elif desired < current:
                reason = "All metrics below target"
        if desired != current:
            try:
                await self.client.scale(resource, target.get("name", ""), desired, namespace)
            except ApiError as exc:
                self.recorder.event(
                    hpa,
                    WARNING,
                    "FailedRescale",
                    f"New size: {desired}; reason: {reason}; error: {exc}",
                )
                set_condition(
                    status,
                    "AbleToScale",
                    "False",
                    "FailedUpdateScale",
                    f"the HPA controller was unable to update the target scale: {exc}",
                    moment,
                )
                await self._write_status(hpa, status)
                raise
            set_condition(
                status,
                "AbleToScale",
                "True",
                "SucceededRescale",
                f"the HPA controller was able to update the target scale to {desired}",
                moment,
            )
            self.recorder.event(
                hpa, NORMAL, "SuccessfulRescale", f"New size: {desired}; reason: {reason}"
            )
            self.recommender.record_scale(key, spec, current, desired, moment)
            status["lastScaleTime"] = format_time(moment)
            log.info("%s: scaled %s from %d to %d: %s", key, reference, current, desired, reason)
        status["desiredReplicas"] = desired
        await self._write_status(hpa, status)

    def _limited(self, status: dict[str, Any], reason: str, moment: datetime) -> None:
        messages = {
            "TooManyReplicas": "the desired replica count is more than the maximum replica count",
            "TooFewReplicas": "the desired replica count is less than the minimum replica count",
        }
        set_condition(status, "ScalingLimited", "True", reason, messages[reason], moment)

    async def _target_resource(self, target: Mapping[str, Any]) -> Resource:
        kind, api_version = target.get("kind"), target.get("apiVersion")
        if not kind or not target.get("name"):
            raise ValueError("scaleTargetRef needs a kind and a name")
        resource = await self.client.resolve(kind, api_version)
        if "scale" not in resource.subresources:
            raise LookupError(f"{resource.group_resource} has no scale subresource")
        return resource

    async def _evaluate(
        self,
        hpa: dict[str, Any],
        scale: Mapping[str, Any],
        current: int,
        status: dict[str, Any],
        moment: datetime,
    ) -> tuple[int, str] | None:
        """The largest replica count the metrics ask for, and the metric's name; None (with
        ``ScalingActive`` False and a warning event) if no metric could be evaluated."""
        namespace = hpa["metadata"]["namespace"]
        selector_text = (scale.get("status") or {}).get("selector") or ""
        if not selector_text:
            self.recorder.event(hpa, WARNING, "SelectorRequired", "selector is required")
            set_condition(
                status,
                "ScalingActive",
                "False",
                "InvalidSelector",
                "the HPA target's scale is missing a selector",
                moment,
            )
            return None
        try:
            matches = label_matcher(selector_text)
        except SelectorError as exc:
            self._inactive(hpa, status, "InvalidSelector", str(exc), moment)
            return None
        pods = [pod for pod in self.pods.store.by_index("namespace", namespace) if matches(pod)]
        best: tuple[int, str] | None = None
        current_metrics: list[dict[str, Any]] = []
        failure: tuple[str, str] | None = None
        for metric in (hpa.get("spec") or {}).get("metrics") or ():
            try:
                name, recommendation, entry = await self._resource_metric(
                    metric, namespace, selector_text, pods, current, moment
                )
            except MetricError as exc:
                failure = (exc.reason, str(exc))
                current_metrics.append({"type": metric.get("type") or ""})
                continue
            current_metrics.append(entry)
            if best is None or recommendation.replicas > best[0]:
                best = (recommendation.replicas, name)
        status["currentMetrics"] = current_metrics or None
        if status["currentMetrics"] is None:
            status.pop("currentMetrics")
        if best is None:
            reason, message = failure or ("FailedGetResourceMetric", "no metrics to evaluate")
            self._inactive(hpa, status, reason, message, moment)
            return None
        set_condition(
            status,
            "ScalingActive",
            "True",
            "ValidMetricFound",
            f"the HPA was able to successfully calculate a replica count from {best[1]}",
            moment,
        )
        return best

    def _inactive(
        self,
        hpa: dict[str, Any],
        status: dict[str, Any],
        reason: str,
        message: str,
        moment: datetime,
    ) -> None:
        self.recorder.event(hpa, WARNING, reason, message)
        set_condition(
            status,
            "ScalingActive",
            "False",
            reason,
            f"the HPA was unable to compute the replica count: {message}",
            moment,
        )

    async def _resource_metric(
        self,
        metric: Mapping[str, Any],
        namespace: str,
        selector: str,
        pods: list[dict[str, Any]],
        current: int,
        moment: datetime,
    ) -> tuple[str, Recommendation, dict[str, Any]]:
        kind = metric.get("type")
        if kind not in ("Resource", "ContainerResource"):
            raise MetricError(
                f"unsupported metric source type {kind!r}: only Resource and ContainerResource "
                "metrics (from metrics.k8s.io) are served",
                "InvalidMetricSourceType",
            )
        source = metric.get("resource" if kind == "Resource" else "containerResource") or {}
        resource = source.get("name") or ""
        container = source.get("container") or "" if kind == "ContainerResource" else ""
        target = source.get("target") or {}
        try:
            usage = await self.metrics.resource_metrics(namespace, selector, resource, container)
        except (ApiError, OSError) as exc:
            raise MetricError(
                f"unable to get metrics for resource {resource}: unable to fetch metrics from "
                f"resource metrics API: {exc}",
                "FailedGetResourceMetric",
            ) from exc
        try:
            if target.get("averageUtilization") is not None:
                recommendation = replicas_for_utilization(
                    current,
                    int(target["averageUtilization"]),
                    pods,
                    usage,
                    resource,
                    moment,
                    container=container,
                    tolerance=self.tolerance,
                )
                name = f"{resource} resource utilization (percentage of request)"
            elif target.get("averageValue") is not None:
                recommendation = replicas_for_average_value(
                    current,
                    Quantity(target["averageValue"]).milli_value(),
                    pods,
                    usage,
                    resource,
                    moment,
                    tolerance=self.tolerance,
                )
                name = f"{resource} resource"
            else:
                raise MetricError(
                    f"invalid resource metric source: neither a utilization target nor a "
                    f"value target is set for {resource}",
                    "InvalidMetricSourceType",
                )
        except MetricError as exc:
            if exc.reason != "FailedGetResourceMetric":
                raise
            raise MetricError(f"failed to get {resource} utilization: {exc}") from exc
        current_value: dict[str, Any] = {
            "averageValue": str(Quantity.from_milli(recommendation.average_milli))
        }
        if recommendation.utilization is not None:
            current_value["averageUtilization"] = recommendation.utilization
        body: dict[str, Any] = {"name": resource, "current": current_value}
        if kind == "ContainerResource":
            body["container"] = container
            entry = {"type": kind, "containerResource": body}
        else:
            entry = {"type": kind, "resource": body}
        return name, recommendation, entry

    async def _write_status(self, hpa: dict[str, Any], status: dict[str, Any]) -> None:
        if status != (hpa.get("status") or {}):
            await self.client.replace_status(HPA, {**hpa, "status": status})
