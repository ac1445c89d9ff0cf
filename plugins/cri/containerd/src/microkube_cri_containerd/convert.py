"""Contract values to CRI ``runtime.v1`` messages and back (pure functions).

Resources follow the kubelet's own arithmetic (``pkg/kubelet/cm``): CPU shares from the
request (``millis * 1024 / 1000``, at least 2), a CFS quota from the limit over a 100 ms
period (at least 1 ms), the memory limit in bytes.
"""

from __future__ import annotations

from typing import Any

from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    ContainerStats,
    ContainerStatus,
    Image,
    PodSandboxConfig,
    PodSandboxStatus,
    Resources,
    SandboxState,
    SecurityContext,
)
from microkube_cri_containerd.cri import api

__all__ = [
    "container_config",
    "container_state",
    "container_stats",
    "container_status",
    "image",
    "sandbox_config",
    "sandbox_state",
    "sandbox_status",
]

CPU_PERIOD_US = 100_000
MIN_SHARES = 2
MIN_QUOTA_US = 1_000


def _namespaces(host_network: bool) -> Any:
    return api.NamespaceOption(
        network=api.NODE if host_network else api.POD, pid=api.CONTAINER, ipc=api.POD
    )


def sandbox_config(config: PodSandboxConfig, *, cgroup_parent: str = "") -> Any:
    """The CRI ``PodSandboxConfig``. A host-network pod gets no hostname (runc cannot set one
    without a UTS namespace of its own; the pod sees the node's)."""
    linux = api.LinuxPodSandboxConfig(
        cgroup_parent=config.cgroup_parent or cgroup_parent,
        security_context=api.LinuxSandboxSecurityContext(
            namespace_options=_namespaces(config.host_network)
        ),
    )
    return api.PodSandboxConfig(
        metadata=api.PodSandboxMetadata(
            name=config.name, uid=config.uid, namespace=config.namespace, attempt=config.attempt
        ),
        hostname="" if config.host_network else config.hostname,
        log_directory=config.log_directory,
        dns_config=api.DNSConfig(
            servers=list(config.dns.servers),
            searches=list(config.dns.searches),
            options=list(config.dns.options),
        ),
        port_mappings=[
            api.PortMapping(
                protocol=api.Protocol.Value(mapping.protocol.upper()),
                container_port=mapping.container_port,
                host_port=mapping.host_port,
                host_ip=mapping.host_ip,
            )
            for mapping in config.port_mappings
        ],
        labels=dict(config.labels),
        annotations=dict(config.annotations),
        linux=linux,
    )


def _resources(resources: Resources) -> Any:
    request = resources.cpu_request_millis or resources.cpu_limit_millis
    shares = max(MIN_SHARES, request * 1024 // 1000) if request else MIN_SHARES
    quota = 0
    if resources.cpu_limit_millis:
        quota = max(MIN_QUOTA_US, resources.cpu_limit_millis * CPU_PERIOD_US // 1000)
    return api.LinuxContainerResources(
        cpu_period=CPU_PERIOD_US if quota else 0,
        cpu_quota=quota,
        cpu_shares=shares,
        memory_limit_in_bytes=resources.memory_limit_bytes,
    )


def _security(security: SecurityContext, host_network: bool) -> Any:
    context = api.LinuxContainerSecurityContext(
        capabilities=api.Capability(
            add_capabilities=list(security.add_capabilities),
            drop_capabilities=list(security.drop_capabilities),
        ),
        privileged=security.privileged,
        namespace_options=_namespaces(host_network),
        readonly_rootfs=security.read_only_root_filesystem,
    )
    if security.run_as_user is not None:
        context.run_as_user.value = security.run_as_user
    if security.run_as_group is not None:
        context.run_as_group.value = security.run_as_group
    return context


def container_config(config: ContainerConfig, sandbox: PodSandboxConfig) -> Any:
    """The CRI ``ContainerConfig``; mounts are private bind mounts of the kubelet's volumes."""
    return api.ContainerConfig(
        metadata=api.ContainerMetadata(name=config.name, attempt=config.attempt),
        image=api.ImageSpec(image=config.image),
        command=list(config.command),
        args=list(config.args),
        working_dir=config.working_dir,
        envs=[api.KeyValue(key=key, value=value) for key, value in config.env],
        mounts=[
            api.Mount(
                container_path=mount.container_path,
                host_path=mount.host_path,
                readonly=mount.readonly,
                propagation=api.PROPAGATION_PRIVATE,
            )
            for mount in config.mounts
        ],
        labels=dict(config.labels),
        annotations=dict(config.annotations),
        log_path=config.log_path,
        stdin=config.stdin,
        tty=config.tty,
        linux=api.LinuxContainerConfig(
            resources=_resources(config.resources),
            security_context=_security(config.security, sandbox.host_network),
        ),
    )


def sandbox_state(state: int) -> SandboxState:
    return SandboxState.READY if state == api.SANDBOX_READY else SandboxState.NOTREADY


def sandbox_status(status: Any) -> PodSandboxStatus:
    meta = status.metadata
    return PodSandboxStatus(
        id=status.id,
        name=meta.name,
        namespace=meta.namespace,
        uid=meta.uid,
        state=sandbox_state(status.state),
        ip=status.network.ip,
        created_at_ns=status.created_at,
        labels=dict(status.labels),
    )


_STATES = {
    api.CONTAINER_CREATED: ContainerState.CREATED,
    api.CONTAINER_RUNNING: ContainerState.RUNNING,
    api.CONTAINER_EXITED: ContainerState.EXITED,
    api.CONTAINER_UNKNOWN: ContainerState.UNKNOWN,
}


def container_state(state: int) -> ContainerState:
    return _STATES.get(state, ContainerState.UNKNOWN)


def container_status(status: Any, sandbox_id: str) -> ContainerStatus:
    """A ``ContainerStatus`` message as the contract's (the sandbox id comes from the list
    entry or the container's record: CRI statuses do not carry it)."""
    return ContainerStatus(
        id=status.id,
        sandbox_id=sandbox_id,
        name=status.metadata.name,
        state=container_state(status.state),
        image=status.image.image,
        image_ref=status.image_ref,
        attempt=status.metadata.attempt,
        exit_code=status.exit_code,
        reason=status.reason,
        message=status.message,
        created_at_ns=status.created_at,
        started_at_ns=status.started_at,
        # containerd stamps "started" after runc's start returns and "finished" from the shim's
        # exit event: a process that exits at once can look finished before it started.
        finished_at_ns=max(status.finished_at, status.started_at) if status.finished_at else 0,
        log_path=status.log_path,
    )


def container_stats(stats: Any, container_id: str) -> ContainerStats:
    return ContainerStats(
        container_id=container_id,
        timestamp_ns=stats.cpu.timestamp or stats.memory.timestamp,
        cpu_usage_core_nanoseconds=stats.cpu.usage_core_nano_seconds.value,
        memory_working_set_bytes=stats.memory.working_set_bytes.value,
    )


def image(message: Any) -> Image:
    return Image(
        id=message.id,
        repo_tags=tuple(message.repo_tags),
        repo_digests=tuple(message.repo_digests),
        size_bytes=message.size,
    )
