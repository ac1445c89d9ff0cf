"""``microkube explain-scheduling <pod>``: what kube-scheduler does not show its users — for
each node, which plugin filtered the pod out and why, and each plugin's score on the nodes
that fit. It reads the cluster through the API server and runs the pod's profile locally
(the same plugins and configuration as the scheduler); it changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from microkube.api import from_dict_lenient
from microkube.api.core_v1 import Pod
from microkube.contracts.scheduling import SUCCESS, CycleState, Status
from microkube_scheduler.config import DEFAULT_SCHEDULER_NAME, KubeSchedulerConfiguration
from microkube_scheduler.fit_error import fit_message
from microkube_scheduler.framework import POD_INFO, Framework, named_status
from microkube_scheduler.handle import LOOKUP_RESOURCES, served
from microkube_scheduler.nodeinfo import NodeInfo
from microkube_scheduler.podinfo import PodInfo
from microkube_scheduler.scheduler import Scheduler


class ExplainError(LookupError):
    """The pod cannot be explained (no such pod, no such profile)."""


async def explain_pod(
    api: Any,
    name: str,
    namespace: str,
    configuration: KubeSchedulerConfiguration,
    factories: Mapping[str, Any],
) -> dict[str, Any]:
    """The explanation of one pod, as a JSON-ready dict."""
    from microkube.client.errors import NotFoundError

    try:
        raw = await api.get("pods", name, namespace)
    except NotFoundError:
        raise ExplainError(f'pods "{name}" not found in namespace "{namespace}"') from None
    pod = from_dict_lenient(raw, Pod)[0]
    bound_to = pod.spec.node_name or ""
    if bound_to:
        # Explain the decision as it was made: the pod as it was while pending.
        pod = attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=None))
    profile = pod.spec.scheduler_name or DEFAULT_SCHEDULER_NAME
    scheduler = Scheduler(api, configuration, factories)
    framework = scheduler.frameworks.get(profile)
    if framework is None:
        raise ExplainError(
            f"pod {namespace}/{name} asks for scheduler {profile!r}, which no profile names "
            f"(profiles: {', '.join(scheduler.frameworks)})"
        )
    for item in (await api.list_all("nodes")).get("items") or ():
        scheduler.on_node_add(item)
    key = f"{namespace}/{name}"
    for item in (await api.list_all("pods")).get("items") or ():
        meta = item.get("metadata") or {}
        if f"{meta.get('namespace')}/{meta.get('name')}" != key:
            scheduler.on_pod_add(item)
    lookups = scheduler.lookups
    from microkube.client.store import Store

    for attribute, resource in LOOKUP_RESOURCES:
        if not await served(api, resource):
            continue
        store = Store()
        store.replace((await api.list_all(resource)).get("items") or [])
        setattr(lookups, attribute, store)
    nodes = scheduler.cache.node_list()
    info = PodInfo(pod)
    explained, status = explain(framework, pod, info, nodes)
    result = _as_dict(pod, profile, framework, nodes, explained, status)
    result["boundTo"] = bound_to or None
    return result


@attrs.define
class NodeExplanation:
    """Why a node was or was not chosen: every Filter rejection and every score."""

    name: str
    rejections: list[Status] = attrs.Factory(list)
    #: plugin -> (normalized score, weight)
    scores: dict[str, tuple[int, int]] = attrs.Factory(dict)
    total: int = 0

    @property
    def feasible(self) -> bool:
        return not self.rejections


def explain(
    framework: Framework, pod: Any, info: PodInfo, nodes: Sequence[NodeInfo]
) -> tuple[list[NodeExplanation], Status]:
    """Run the whole cycle without stopping early: every Filter on every node (not only the
    first rejection), then every Score on every feasible node. The PreFilter status too."""
    state = CycleState()
    state.write(POD_INFO, info)
    explained = [NodeExplanation(n.name) for n in nodes]
    allowed, status = framework.run_pre_filter(state, pod, nodes)
    if not status.is_success():
        for entry in explained:
            entry.rejections.append(status)
        return explained, status
    for entry, node in zip(explained, nodes, strict=True):
        if allowed is not None and node.name not in allowed:
            entry.rejections.append(
                Status.unschedulable(
                    "node(s) didn't satisfy the PreFilter result", resolvable=False
                )
            )
            continue
        for name, check in framework.filters():
            if name in state.skip_filter_plugins:
                continue
            found = check(state, pod, node)
            if found.code:
                entry.rejections.append(named_status(found, name))
    feasible = [n for n, e in zip(nodes, explained, strict=True) if e.feasible]
    if feasible:
        pre_score = framework.run_pre_score(state, pod, feasible)
        if not pre_score.is_success():
            return explained, pre_score
        totals, per_plugin = framework.run_score(state, pod, feasible)
        by_name = {e.name: e for e in explained}
        for i, node in enumerate(feasible):
            entry = by_name[node.name]
            entry.total = totals[i]
            for plugin, values in per_plugin.items():
                entry.scores[plugin] = (values[i], framework.weights.get(plugin, 1))
    return explained, SUCCESS


def _status(status: Status) -> dict[str, Any]:
    return {"plugin": status.plugin, "code": status.code.name, "reasons": list(status.reasons)}


def _as_dict(
    pod: Any,
    profile: str,
    framework: Any,
    nodes: Any,
    explained: list[NodeExplanation],
    status: Status,
) -> dict[str, Any]:
    feasible = [e for e in explained if e.feasible]
    best = max((e.total for e in feasible), default=None)
    chosen = [e.name for e in feasible if e.total == best]
    first_rejections = {e.name: e.rejections[0] for e in explained if e.rejections}
    summary = ""
    if not feasible:
        summary = fit_message(
            len(nodes), first_rejections, status.message() if not status.is_success() else ""
        )
    return {
        "pod": f"{pod.metadata.namespace}/{pod.metadata.name}",
        "profile": profile,
        "filterPlugins": framework.plugin_names("filter"),
        "scorePlugins": {
            name: framework.weights.get(name, 1) for name in framework.plugin_names("score")
        },
        "preFilter": None if status.is_success() else _status(status),
        "nodes": [
            {
                "name": e.name,
                "feasible": e.feasible,
                "rejections": [_status(r) for r in e.rejections],
                "scores": {p: {"score": s, "weight": w} for p, (s, w) in e.scores.items()},
                "total": e.total if e.feasible else None,
            }
            for e in explained
        ],
        "bestNodes": chosen,
        "message": summary,
    }


def render(explanation: Mapping[str, Any]) -> str:
    """The explanation as text for a terminal."""
    lines = [f"Pod {explanation['pod']} (profile {explanation['profile']})"]
    if explanation.get("boundTo"):
        lines.append(f"Bound to {explanation['boundTo']}; explained as if it were pending now")
    weights = explanation["scorePlugins"]
    lines.append(
        "Score weights: " + ", ".join(f"{name}={weight}" for name, weight in weights.items())
    )
    lines.append("")
    width = max([len("NODE")] + [len(n["name"]) for n in explanation["nodes"]])
    lines.append(f"{'NODE':<{width}}  {'RESULT':<8}  DETAILS")
    for node in explanation["nodes"]:
        if node["feasible"]:
            parts = ", ".join(
                f"{plugin} {entry['score']}x{entry['weight']}"
                for plugin, entry in node["scores"].items()
            )
            details = f"total {node['total']}" + (f" ({parts})" if parts else "")
            result = "best" if node["name"] in explanation["bestNodes"] else "fits"
        else:
            details = "; ".join(
                f"{r['plugin'] or '?'}: {', '.join(r['reasons']) or r['code']}"
                for r in node["rejections"]
            )
            result = "filtered"
        lines.append(f"{node['name']:<{width}}  {result:<8}  {details}")
    if explanation["message"]:
        lines += ["", explanation["message"]]
    return "\n".join(lines)
