"""A network configuration list run through the real plugin binaries (libcni's job).

ADD runs the list's plugins in order, each given the previous one's result as
``prevResult``, and caches the final result with everything DEL and CHECK need; a failed ADD
is undone (DEL of the whole list) before the error is raised. DEL runs the plugins in reverse
order with the cached configuration and result; for an attachment with no cached result it
is a best-effort cleanup whose errors are only logged (nothing recorded remains to undo).
CHECK runs them in order against the cached result; an attachment with no cached result is
unknown (code 3). Capability arguments (``portMappings``, ``ipRanges``, ...) reach only the
plugins whose ``capabilities`` declare them, as ``runtimeConfig``. The pod's loopback is a
separate one-plugin network (``loopback`` on ``lo``), as containerd runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from microkube.contracts.cni import CNIContext, CNIError, CNIResult
from microkube_cni_bridge.cache import CachedAttachment, ResultCache
from microkube_cni_bridge.invoke import INVALID_ENVIRONMENT, Invocation, invoke
from microkube_cni_bridge.results import parse_result

__all__ = ["LOOPBACK", "ExecCNI"]

log = logging.getLogger(__name__)

UNKNOWN_CONTAINER = 3
INCOMPATIBLE_VERSION = 1
INVALID_CONFIG = 7
_CONTAINER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")

#: The pod's loopback network.
LOOPBACK: Mapping[str, Any] = {"name": "cni-loopback", "plugins": [{"type": "loopback"}]}


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


class ExecCNI:
    """A :class:`~microkube.contracts.cni.CNIPlugin` over one network configuration list."""

    def __init__(
        self,
        network_list: Mapping[str, Any],
        *,
        bin_dirs: Sequence[str],
        cache_dir: str | Path,
        loopback: bool = True,
        node_netns: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not network_list.get("name") or not network_list.get("plugins"):
            raise CNIError(INVALID_CONFIG, "a network list needs a name and plugins")
        self.network_list = dict(network_list)
        self.name = str(network_list["name"])
        self.cni_version = str(network_list.get("cniVersion") or "1.0.0")
        self.bin_dirs = tuple(bin_dirs)
        self.cache = ResultCache(cache_dir)
        self.loopback = loopback
        self.node_netns = node_netns
        self.timeout = timeout
        self._versions: tuple[str, ...] | None = None
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    # -- the contract -------------------------------------------------------------------

    async def add(self, ctx: CNIContext) -> CNIResult:
        _validate(ctx, need_netns=True)
        async with self._lock(ctx):
            cached = await asyncio.to_thread(
                self.cache.get, self.name, ctx.container_id, ctx.ifname
            )
            if cached is not None and cached.netns == ctx.netns:
                return parse_result(cached.result, self.cni_version)
            if self.loopback:
                await self._run_list(_loopback(self.cni_version), "ADD", _lo(ctx), None, {})
            capability_args = dict(ctx.capability_args)
            network = _without_idle_portmap(self.network_list, capability_args)
            try:
                result = await self._run_list(network, "ADD", ctx, None, capability_args)
            except CNIError:
                with contextlib.suppress(CNIError):  # the ADD's error is the one to report
                    await self._run_list(network, "DEL", ctx, None, capability_args)
                raise
            entry = CachedAttachment(
                container_id=ctx.container_id,
                ifname=ctx.ifname,
                netns=ctx.netns,
                network=copy.deepcopy(network),
                capability_args=capability_args,
                cni_args=_cni_args(ctx),
                result=result,
            )
            await asyncio.to_thread(self.cache.put, self.name, entry)
            return parse_result(result, self.cni_version)

    async def delete(self, ctx: CNIContext) -> None:
        _validate(ctx, need_netns=False)
        async with self._lock(ctx):
            cached = await asyncio.to_thread(
                self.cache.get, self.name, ctx.container_id, ctx.ifname
            )
            if cached is not None:
                network, netns = cached.network, cached.netns
                capability_args, previous = cached.capability_args, cached.result or None
            else:
                network, netns = self.network_list, ctx.netns
                capability_args, previous = dict(ctx.capability_args), None
            target = CNIContext(
                container_id=ctx.container_id,
                netns=netns,
                ifname=ctx.ifname,
                pod_namespace=ctx.pod_namespace,
                pod_name=ctx.pod_name,
                pod_uid=ctx.pod_uid,
            )
            try:
                await self._run_list(network, "DEL", target, previous, capability_args)
                if self.loopback and netns:
                    await self._run_list(_loopback(self.cni_version), "DEL", _lo(target), None, {})
            except CNIError as exc:
                if cached is not None:
                    raise  # a recorded attachment not undone: the caller retries
                # Nothing recorded: a cleanup pass over what may not exist at all.
                log.info("DEL of unrecorded %s %s: %s", ctx.container_id, ctx.ifname, exc)
            await asyncio.to_thread(self.cache.remove, self.name, ctx.container_id, ctx.ifname)

    async def check(self, ctx: CNIContext) -> None:
        _validate(ctx, need_netns=True)
        if _version_tuple(self.cni_version) < (0, 4, 0):
            raise CNIError(
                INCOMPATIBLE_VERSION, f"CHECK needs CNI 0.4.0 or later, not {self.cni_version}"
            )
        async with self._lock(ctx):
            cached = await asyncio.to_thread(
                self.cache.get, self.name, ctx.container_id, ctx.ifname
            )
            if cached is None:
                raise CNIError(
                    UNKNOWN_CONTAINER,
                    "unknown container",
                    f"no cached result for {ctx.container_id} {ctx.ifname} on {self.name}",
                )
            await self._run_list(
                cached.network, "CHECK", ctx, cached.result, cached.capability_args
            )

    async def version(self) -> tuple[str, ...]:
        """The versions every plugin of the list (and loopback) supports."""
        if self._versions is None:
            types = {str(p.get("type", "")) for p in self.network_list["plugins"]}
            if self.loopback:
                types.add("loopback")
            supported: set[str] | None = None
            for plugin_type in sorted(types):
                answer = await invoke(
                    {"cniVersion": self.cni_version, "type": plugin_type},
                    Invocation(command="VERSION"),
                    bin_dirs=self.bin_dirs,
                    node_netns=self.node_netns,
                    time_limit=self.timeout,
                )
                versions = set(answer.get("supportedVersions") or ())
                supported = versions if supported is None else supported & versions
            self._versions = tuple(sorted(supported or (), key=_version_tuple))
        return self._versions

    # -- running a list -----------------------------------------------------------------

    def _lock(self, ctx: CNIContext) -> asyncio.Lock:
        return self._locks.setdefault((ctx.container_id, ctx.ifname), asyncio.Lock())

    async def _run_list(
        self,
        network: Mapping[str, Any],
        command: str,
        ctx: CNIContext,
        previous: dict[str, Any] | None,
        capability_args: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Run every plugin of ``network`` for ``command``; ADD chains the results (the last
        one is returned), DEL goes in reverse order, CHECK passes ``previous`` to each."""
        version = str(network.get("cniVersion") or self.cni_version)
        plugins = list(network["plugins"])
        if command == "DEL":
            plugins.reverse()
        invocation = Invocation(
            command=command,
            container_id=ctx.container_id,
            netns=ctx.netns,
            ifname=ctx.ifname,
            args=_cni_args(ctx),
        )
        result = previous
        for plugin in plugins:
            config = _plugin_config(
                network["name"], version, plugin, capability_args, previous=result
            )
            answer = await invoke(
                config,
                invocation,
                bin_dirs=self.bin_dirs,
                node_netns=self.node_netns,
                time_limit=self.timeout,
            )
            if command == "ADD":
                result = answer
        return result or {}


def _plugin_config(
    name: str,
    version: str,
    plugin: Mapping[str, Any],
    capability_args: Mapping[str, Any],
    *,
    previous: dict[str, Any] | None,
) -> dict[str, Any]:
    """One plugin's stdin: its entry with the list's name and version, ``runtimeConfig``
    for the capabilities it declares, and ``prevResult``."""
    config = {**copy.deepcopy(dict(plugin)), "cniVersion": version, "name": name}
    declared = plugin.get("capabilities") or {}
    runtime_config = {
        key: value
        for key, value in capability_args.items()
        if declared.get(key) and value not in (None, [], {})
    }
    if runtime_config:
        config["runtimeConfig"] = runtime_config
    if previous:
        config["prevResult"] = previous
    return config


def _cni_args(ctx: CNIContext) -> dict[str, str]:
    """``CNI_ARGS`` as containerd passes them for a Kubernetes pod."""
    args = {"IgnoreUnknown": "1"}
    if ctx.pod_namespace:
        args["K8S_POD_NAMESPACE"] = ctx.pod_namespace
    if ctx.pod_name:
        args["K8S_POD_NAME"] = ctx.pod_name
    if ctx.pod_uid:
        args["K8S_POD_UID"] = ctx.pod_uid
    args["K8S_POD_INFRA_CONTAINER_ID"] = ctx.container_id
    return args


def _loopback(version: str) -> dict[str, Any]:
    return {**LOOPBACK, "cniVersion": version}


def _lo(ctx: CNIContext) -> CNIContext:
    return CNIContext(
        container_id=ctx.container_id,
        netns=ctx.netns,
        ifname="lo",
        pod_namespace=ctx.pod_namespace,
        pod_name=ctx.pod_name,
        pod_uid=ctx.pod_uid,
    )


def _validate(ctx: CNIContext, *, need_netns: bool) -> None:
    """What libcni refuses before running anything (code 4: invalid environment)."""
    if not ctx.container_id:
        raise CNIError(INVALID_ENVIRONMENT, "CNI_CONTAINERID is required")
    if not _CONTAINER_ID.match(ctx.container_id):
        raise CNIError(
            INVALID_ENVIRONMENT,
            f"invalid container id {ctx.container_id!r}",
            "must start with a letter or digit, then letters, digits, '_', '.' or '-'",
        )
    if need_netns and not ctx.netns:
        raise CNIError(INVALID_ENVIRONMENT, "CNI_NETNS is required")
    name = ctx.ifname
    if not name or len(name) > 15 or name in (".", "..") or any(c in name for c in "/: \t\n"):
        raise CNIError(INVALID_ENVIRONMENT, f"invalid interface name {name!r}")


def _without_idle_portmap(
    network_list: Mapping[str, Any], capability_args: Mapping[str, Any]
) -> dict[str, Any]:
    """The list to run for one attachment: ``portmap`` is left out when the pod maps no
    ports (it would only exec to do nothing; a pod start runs several plugins, and each exec
    of a Go binary costs milliseconds of CPU). The list actually run is what the cache keeps,
    so DEL undoes exactly what ADD did."""
    if capability_args.get("portMappings"):
        return dict(network_list)
    plugins = [p for p in network_list.get("plugins", []) if p.get("type") != "portmap"]
    return {**network_list, "plugins": plugins}
