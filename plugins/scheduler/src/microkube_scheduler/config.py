"""``KubeSchedulerConfiguration`` (``kubescheduler.config.k8s.io/v1``): the component's
options, or a file named by the ``config`` option (YAML or JSON), as kube-scheduler's
``--config``.

.. code-block:: yaml

    apiVersion: kubescheduler.config.k8s.io/v1
    kind: KubeSchedulerConfiguration
    percentageOfNodesToScore: 0          # 0: adaptive, as upstream
    leaderElection: {leaderElect: true}  # a Lease kube-system/kube-scheduler, as upstream
    profiles:
    - schedulerName: default-scheduler
      plugins:
        score:
          enabled: [{name: NodeResourcesFit, weight: 2}]
          disabled: [{name: ImageLocality}]
      pluginConfig:
      - name: NodeResourcesFit
        args: {scoringStrategy: {type: MostAllocated}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from microkube_scheduler.args import ConfigurationError, structure

API_VERSION = "kubescheduler.config.k8s.io/v1"
KIND = "KubeSchedulerConfiguration"
DEFAULT_SCHEDULER_NAME = "default-scheduler"

#: Options that are the component's, not the configuration's.
COMPONENT_OPTIONS = ("kubeconfig", "config")

#: Extension points a profile's ``plugins`` names (``multiPoint`` is all of them).
EXTENSION_POINTS = (
    "preFilter",
    "filter",
    "postFilter",
    "preScore",
    "score",
    "reserve",
    "permit",
    "preBind",
    "bind",
    "postBind",
)


@attrs.define
class PluginRef:
    name: str
    weight: int = 0


@attrs.define
class PluginSet:
    enabled: list[PluginRef] = attrs.Factory(list)
    disabled: list[PluginRef] = attrs.Factory(list)


@attrs.define
class Plugins:
    multi_point: PluginSet = attrs.Factory(PluginSet)
    pre_enqueue: PluginSet = attrs.Factory(PluginSet)
    queue_sort: PluginSet = attrs.Factory(PluginSet)
    pre_filter: PluginSet = attrs.Factory(PluginSet)
    filter: PluginSet = attrs.Factory(PluginSet)
    post_filter: PluginSet = attrs.Factory(PluginSet)
    pre_score: PluginSet = attrs.Factory(PluginSet)
    score: PluginSet = attrs.Factory(PluginSet)
    reserve: PluginSet = attrs.Factory(PluginSet)
    permit: PluginSet = attrs.Factory(PluginSet)
    pre_bind: PluginSet = attrs.Factory(PluginSet)
    bind: PluginSet = attrs.Factory(PluginSet)
    post_bind: PluginSet = attrs.Factory(PluginSet)


@attrs.define
class PluginConfig:
    name: str
    args: dict[str, Any] = attrs.Factory(dict)


@attrs.define
class Profile:
    scheduler_name: str = DEFAULT_SCHEDULER_NAME
    plugins: Plugins = attrs.Factory(Plugins)
    plugin_config: list[PluginConfig] = attrs.Factory(list)
    percentage_of_nodes_to_score: int | None = None

    def args_for(self, name: str) -> Mapping[str, Any]:
        for entry in self.plugin_config:
            if entry.name == name:
                return entry.args
        return {}


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """A Go duration (``15s``, ``1m30s``, ``500ms``) in seconds; ValueError if it is not one."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{text!r} is not a duration (like 15s, 1m30s or 500ms)")
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


@attrs.define
class LeaderElectionConfiguration:
    """As kube-scheduler's: one scheduler of several leads, through a Lease."""

    leader_elect: bool = True
    lease_duration: str = "15s"
    renew_deadline: str = "10s"
    retry_period: str = "2s"
    resource_lock: str = "leases"
    resource_name: str = "kube-scheduler"
    resource_namespace: str = "kube-system"

    def seconds(self) -> tuple[float, float, float]:
        """(lease duration, renew deadline, retry period) in seconds."""
        return (
            parse_duration(self.lease_duration),
            parse_duration(self.renew_deadline),
            parse_duration(self.retry_period),
        )

    def problems(self) -> list[str]:
        found = []
        try:
            lease, renew, retry = self.seconds()
        except ValueError as exc:
            return [f"leaderElection: {exc}"]
        if self.leader_elect:
            if lease <= renew:
                found.append("leaderElection.leaseDuration: must be greater than renewDeadline")
            if renew <= 1.2 * retry:
                found.append("leaderElection.renewDeadline: must be greater than retryPeriod*1.2")
        if self.resource_lock != "leases":
            found.append(
                f"leaderElection.resourceLock: Unsupported value: {self.resource_lock!r}: "
                "supported values: 'leases'"
            )
        return found


@attrs.define
class KubeSchedulerConfiguration:
    api_version: str = API_VERSION
    kind: str = KIND
    profiles: list[Profile] = attrs.Factory(lambda: [Profile()])
    percentage_of_nodes_to_score: int | None = None
    pod_initial_backoff_seconds: float = 1
    pod_max_backoff_seconds: float = 10
    #: How many binding cycles may run at once (kube-scheduler's ``parallelism``).
    parallelism: int = 16
    leader_election: LeaderElectionConfiguration = attrs.Factory(LeaderElectionConfiguration)
    client_connection: dict[str, Any] | None = None

    def validate(self) -> list[str]:
        problems = []
        if self.api_version != API_VERSION:
            problems.append(f"apiVersion: must be {API_VERSION!r}, not {self.api_version!r}")
        if self.kind != KIND:
            problems.append(f"kind: must be {KIND!r}, not {self.kind!r}")
        if not self.profiles:
            problems.append("profiles: at least one profile is required")
        seen: set[str] = set()
        for i, profile in enumerate(self.profiles):
            if not profile.scheduler_name:
                problems.append(f"profiles[{i}].schedulerName: must not be empty")
            if profile.scheduler_name in seen:
                problems.append(
                    f"profiles[{i}].schedulerName: duplicate {profile.scheduler_name!r}"
                )
            seen.add(profile.scheduler_name)
            names = [c.name for c in profile.plugin_config]
            for name in {n for n in names if names.count(n) > 1}:
                problems.append(f"profiles[{i}].pluginConfig: {name!r} configured twice")
            if profile.percentage_of_nodes_to_score is not None and not (
                0 <= profile.percentage_of_nodes_to_score <= 100
            ):
                problems.append(
                    f"profiles[{i}].percentageOfNodesToScore: must be between 0 and 100"
                )
        pct = self.percentage_of_nodes_to_score
        if pct is not None and not 0 <= pct <= 100:
            problems.append("percentageOfNodesToScore: must be between 0 and 100")
        if self.pod_initial_backoff_seconds <= 0:
            problems.append("podInitialBackoffSeconds: must be greater than 0")
        if self.pod_max_backoff_seconds < self.pod_initial_backoff_seconds:
            problems.append("podMaxBackoffSeconds: must be at least podInitialBackoffSeconds")
        if self.parallelism <= 0:
            problems.append("parallelism: must be greater than 0")
        problems += self.leader_election.problems()
        return problems


def parse_configuration(data: Mapping[str, Any] | None) -> KubeSchedulerConfiguration:
    """A KubeSchedulerConfiguration from its JSON/YAML mapping (ConfigurationError if bad)."""
    return structure(data or {}, KubeSchedulerConfiguration, KIND)


def load_configuration(options: Mapping[str, Any]) -> KubeSchedulerConfiguration:
    """The configuration the component's options describe: the file named by ``config``, or
    the options themselves (without the component's own keys)."""
    if options.get("config"):
        path = Path(options["config"])
        others = sorted(k for k in options if k not in COMPONENT_OPTIONS)
        if others:
            raise ConfigurationError(
                f"scheduler options: give the configuration in {path} or inline, not both "
                f"(inline keys: {', '.join(others)})"
            )
        return parse_configuration(read_file(path))
    inline = {k: v for k, v in options.items() if k not in COMPONENT_OPTIONS}
    return parse_configuration(inline)


def read_file(path: Path) -> Mapping[str, Any]:
    import yaml

    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigurationError(f"cannot read scheduler configuration {path}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML or JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{path}: expected a {KIND} mapping")
    return data
