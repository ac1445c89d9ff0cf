"""Pod networking through a CNI plugin, for runtimes that do not wire networks themselves.

Where the namespace comes from: the kubelet makes each pod's network namespace and runs CNI
ADD in it *before* asking the runtime for the sandbox, then hands the runtime the namespace
(``PodSandboxConfig.netns_path``) and the address CNI gave (``pod_ip``), which the runtime
reports as the sandbox's IP. This order (the dockershim/kubenet one) is chosen over "the
runtime makes it, the kubelet attaches it afterwards" because the runtime contract then needs
no way to hand a namespace path back, a sandbox is never READY without its network, and the
process runtime already enters a namespace it is given. Runtimes that run CNI themselves
(:class:`~microkube.contracts.runtime.PodNetworkRuntime`, containerd) are not wrapped.

:class:`NetworkedRuntime` wraps the runtime: ``run_pod_sandbox`` attaches the network first
(portMappings from hostPorts, ``ipRanges`` from the node's pod CIDR); ``stop_pod_sandbox``
and ``remove_pod_sandbox`` run CNI DEL and remove the namespace after the runtime stopped
the sandbox's processes. The attachment's id is ``<pod uid>-<sandbox attempt>``, recorded
in a sandbox label, so a retried sandbox creation reuses its attachment (ADD answers from the
plugin's cache) and teardown finds it after a kubelet restart. Everything else is the
wrapped runtime's own.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
from pathlib import Path
from typing import Any

import attrs

from microkube.contracts.cni import CNIContext, CNIError, CNIPlugin
from microkube.contracts.runtime import (
    ContainerRuntime,
    NotFoundError,
    PodNetworkRuntime,
    PodSandboxConfig,
    RuntimeError_,
    SandboxState,
)
from microkube_kubelet.netns import create_netns, remove_netns
from microkube_kubelet.pod_cidr import PodCIDRSource

__all__ = [
    "NETWORK_LABEL",
    "NetworkedRuntime",
    "network_setup",
    "prepare_node",
    "with_pod_network",
]

log = logging.getLogger(__name__)

#: The sandbox label naming its CNI attachment.
NETWORK_LABEL = "io.microkube.network.attachment"
#: Seconds a sandbox creation waits for the node's pod CIDR before failing (and retrying).
POD_CIDR_WAIT = 10.0

#: Node prerequisites (in the kubelet's own network namespace): forwarding between pods and
#: the node's links, and bridged traffic through iptables/nftables so Service rules see pod
#: to pod traffic on one bridge.
NODE_SYSCTLS = {
    "/proc/sys/net/ipv4/ip_forward": "1",
    "/proc/sys/net/bridge/bridge-nf-call-iptables": "1",
    "/proc/sys/net/bridge/bridge-nf-call-ip6tables": "1",
}


def _write_sysctls() -> list[str]:
    problems = []
    for path, value in NODE_SYSCTLS.items():
        try:
            Path(path).write_text(value)
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror}")
    done = subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if done.returncode != 0:
        problems.append(f"loopback: {done.stderr.strip()}")
    return problems


async def prepare_node() -> None:
    """Set the node prerequisites; what cannot be set is logged (a node may run unprivileged
    parts of it), not fatal."""
    for problem in await asyncio.to_thread(_write_sysctls):
        log.warning("pod network prerequisite not set: %s", problem)


def attachment_id(config: PodSandboxConfig) -> str:
    return f"{config.uid}-{config.attempt}"


def _port_mappings(config: PodSandboxConfig) -> list[dict[str, Any]]:
    return [
        {
            "hostPort": port.host_port,
            "containerPort": port.container_port,
            "protocol": port.protocol.lower(),
            "hostIP": port.host_ip,
        }
        for port in config.port_mappings
        if port.host_port
    ]


class NetworkedRuntime:
    """A :class:`~microkube.contracts.runtime.ContainerRuntime` whose pod sandboxes get a
    network namespace attached through ``cni`` (see the module docstring)."""

    def __init__(
        self,
        runtime: ContainerRuntime,
        cni: CNIPlugin,
        pod_cidr: PodCIDRSource,
        netns_dir: Path,
    ) -> None:
        self.runtime = runtime
        self.cni = cni
        self.pod_cidr = pod_cidr
        self.netns_dir = netns_dir

    def __getattr__(self, name: str) -> Any:
        return getattr(self.runtime, name)

    def netns_path(self, attachment: str) -> Path:
        return self.netns_dir / f"mk-{attachment}"

    def _context(self, attachment: str, config: PodSandboxConfig | None = None) -> CNIContext:
        return CNIContext(
            container_id=attachment,
            netns=str(self.netns_path(attachment)),
            pod_namespace=config.namespace if config else "",
            pod_name=config.name if config else "",
            pod_uid=config.uid if config else "",
        )

    # -- sandboxes ----------------------------------------------------------------------

    async def run_pod_sandbox(self, config: PodSandboxConfig) -> str:
        if config.host_network:
            return await self.runtime.run_pod_sandbox(config)
        cidr = await self.pod_cidr.wait(POD_CIDR_WAIT)
        if not cidr:
            raise RuntimeError_(
                "network is not ready: the node has no pod CIDR yet (spec.podCIDR is set by "
                "the controller manager's nodeipam, or set the kubelet's pod-cidr option)"
            )
        attachment = attachment_id(config)
        netns = self.netns_path(attachment)
        capabilities: dict[str, Any] = {"ipRanges": [[{"subnet": cidr}]]}
        if mappings := _port_mappings(config):
            capabilities["portMappings"] = mappings
        ctx = attrs.evolve(self._context(attachment, config), capability_args=capabilities)
        try:
            await create_netns(netns)
            result = await self.cni.add(ctx)
        except (CNIError, OSError) as exc:
            await self._detach(attachment)
            raise RuntimeError_(f"failed to set up the pod's network: {exc}") from exc
        networked = attrs.evolve(
            config,
            netns_path=str(netns),
            pod_ip=result.pod_ip(),
            labels={**config.labels, NETWORK_LABEL: attachment},
        )
        try:
            return await self.runtime.run_pod_sandbox(networked)
        except BaseException:
            await self._detach(attachment)
            raise

    async def stop_pod_sandbox(self, sandbox_id: str) -> None:
        attachment = await self._attachment_of(sandbox_id)
        await self.runtime.stop_pod_sandbox(sandbox_id)
        if attachment:
            await self._detach(attachment, strict=True)

    async def remove_pod_sandbox(self, sandbox_id: str) -> None:
        attachment = await self._attachment_of(sandbox_id)
        await self.runtime.remove_pod_sandbox(sandbox_id)
        if attachment:
            await self._detach(attachment, strict=True)

    async def close(self) -> None:
        """Close the runtime; the networks of sandboxes it stopped on the way (option
        ``stop-pods-on-close`` of the process runtime) are torn down too. Pods left running
        keep theirs, for the next kubelet to adopt."""
        try:
            sandboxes = await self.runtime.list_pod_sandboxes()
        except (RuntimeError_, OSError):
            sandboxes = []
        await self.runtime.close()
        for sandbox in sandboxes:
            attachment = sandbox.labels.get(NETWORK_LABEL, "")
            if not attachment:
                continue
            try:
                status = await self.runtime.pod_sandbox_status(sandbox.id)
            except (RuntimeError_, OSError):
                continue
            if status.state is not SandboxState.READY:
                await self._detach(attachment)

    async def _attachment_of(self, sandbox_id: str) -> str:
        try:
            status = await self.runtime.pod_sandbox_status(sandbox_id)
        except NotFoundError:
            return ""
        return status.labels.get(NETWORK_LABEL, "")

    async def _detach(self, attachment: str, *, strict: bool = False) -> None:
        """CNI DEL, then the namespace. ``strict``: a failed DEL is an error the caller sees
        (the pod worker retries teardown); otherwise it is logged."""
        try:
            await self.cni.delete(self._context(attachment))
        except CNIError as exc:
            if strict:
                raise RuntimeError_(f"failed to tear down the pod's network: {exc}") from exc
            log.warning("CNI DEL of %s failed: %s", attachment, exc)
            return
        try:
            await remove_netns(self.netns_path(attachment))
        except OSError as exc:
            log.warning("removing the network namespace of %s failed: %s", attachment, exc)


def with_pod_network(
    runtime: ContainerRuntime, cni: CNIPlugin | None, pod_cidr: PodCIDRSource, netns_dir: str
) -> ContainerRuntime:
    """``runtime`` wrapped to attach pod networks through ``cni``; unchanged without a CNI
    plugin or for a runtime that wires pod networks itself."""
    if cni is None or isinstance(runtime, PodNetworkRuntime):
        return runtime
    return NetworkedRuntime(runtime, cni, pod_cidr, Path(netns_dir))  # type: ignore[return-value]


async def network_setup(runtime: ContainerRuntime, pod_cidr: PodCIDRSource) -> None:
    """The kubelet's start-up part of pod networking: the node prerequisites for a wrapped
    runtime; for a runtime that runs CNI itself, the pod CIDR once the Node has one (CRI's
    ``UpdateRuntimeConfig``), asked every second until then."""
    if isinstance(runtime, NetworkedRuntime):
        await prepare_node()
    elif isinstance(runtime, PodNetworkRuntime):
        cidr = ""
        while not cidr:
            cidr = await pod_cidr.wait(within=3600.0, every=1.0)
        await runtime.update_runtime_config(cidr)
