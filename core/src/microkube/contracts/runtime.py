"""The container runtime contract, shaped like CRI ``runtime.v1`` (RuntimeService + ImageService).

The kubelet drives pods through it: one *sandbox* per pod (its namespaces, network and cgroup),
then containers inside it. Implementations: ``process`` (host processes), ``containerd`` (real
CRI over gRPC), ``hollow`` (simulated, for scale). Statuses are polled; there is no event stream.
Optional capabilities are small Protocols checked with ``isinstance``: :class:`PodNetworkRuntime`
(the runtime runs CNI itself) and :class:`RuntimeStatusReporter` (CRI ``Status``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from enum import Enum
from typing import Protocol, runtime_checkable

import attrs


class SandboxState(Enum):
    READY = "SANDBOX_READY"
    NOTREADY = "SANDBOX_NOTREADY"


class ContainerState(Enum):
    CREATED = "CONTAINER_CREATED"
    RUNNING = "CONTAINER_RUNNING"
    EXITED = "CONTAINER_EXITED"
    UNKNOWN = "CONTAINER_UNKNOWN"


@attrs.frozen(kw_only=True)
class PortMapping:
    container_port: int
    host_port: int = 0
    protocol: str = "TCP"
    host_ip: str = ""


@attrs.frozen(kw_only=True)
class DNSConfig:
    servers: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class PodSandboxConfig:
    """What a pod's sandbox needs. ``netns_path`` is set when the kubelet created the pod's
    network namespace itself (CNI already ran): the runtime then reports ``pod_ip``, the
    address CNI gave the pod, as the sandbox's ``ip``; ``host_network`` pods use the node's."""

    name: str
    namespace: str
    uid: str
    attempt: int = 0
    hostname: str = ""
    log_directory: str = ""
    host_network: bool = False
    netns_path: str | None = None
    pod_ip: str = ""
    dns: DNSConfig = DNSConfig()
    port_mappings: tuple[PortMapping, ...] = ()
    cgroup_parent: str = ""
    labels: Mapping[str, str] = attrs.field(factory=dict)
    annotations: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Mount:
    container_path: str
    host_path: str
    readonly: bool = False


@attrs.frozen(kw_only=True)
class Resources:
    """Linux resources: CPU in millicores (quota = millis * period / 1000), memory in bytes."""

    cpu_request_millis: int = 0
    cpu_limit_millis: int = 0
    memory_limit_bytes: int = 0


@attrs.frozen(kw_only=True)
class SecurityContext:
    run_as_user: int | None = None
    run_as_group: int | None = None
    read_only_root_filesystem: bool = False
    privileged: bool = False
    add_capabilities: tuple[str, ...] = ()
    drop_capabilities: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class ContainerConfig:
    """One container. ``log_path`` is relative to the sandbox's ``log_directory`` (as CRI)."""

    name: str
    image: str
    attempt: int = 0
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    working_dir: str = ""
    env: tuple[tuple[str, str], ...] = ()
    mounts: tuple[Mount, ...] = ()
    log_path: str = ""
    resources: Resources = Resources()
    security: SecurityContext = SecurityContext()
    stdin: bool = False
    tty: bool = False
    labels: Mapping[str, str] = attrs.field(factory=dict)
    annotations: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class PodSandboxStatus:
    id: str
    name: str
    namespace: str
    uid: str
    state: SandboxState
    ip: str = ""
    created_at_ns: int = 0
    labels: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class ContainerStatus:
    """Times are nanoseconds since the epoch (0 = not yet). ``reason`` follows CRI/kubelet:
    ``Completed``, ``Error``, ``OOMKilled``."""

    id: str
    sandbox_id: str
    name: str
    state: ContainerState
    image: str = ""
    image_ref: str = ""
    attempt: int = 0
    exit_code: int = 0
    reason: str = ""
    message: str = ""
    created_at_ns: int = 0
    started_at_ns: int = 0
    finished_at_ns: int = 0
    log_path: str = ""


@attrs.frozen(kw_only=True)
class ExecResult:
    exit_code: int
    stdout: bytes = b""
    stderr: bytes = b""


@attrs.frozen(kw_only=True)
class ContainerStats:
    container_id: str
    timestamp_ns: int
    cpu_usage_core_nanoseconds: int = 0
    memory_working_set_bytes: int = 0


@attrs.frozen(kw_only=True)
class Image:
    id: str
    repo_tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()
    size_bytes: int = 0


@attrs.frozen(kw_only=True)
class RuntimeVersion:
    runtime_name: str
    runtime_version: str
    runtime_api_version: str = "v1"


class RuntimeError_(Exception):
    """Base of runtime failures (named with a trailing underscore to not shadow the builtin)."""


class NotFoundError(RuntimeError_):
    """A sandbox, container or image id the runtime does not know."""


class ImagePullError(RuntimeError_):
    """``pull_image`` could not fetch the image (unknown name, unreachable registry, auth):
    the kubelet reports ``ErrImagePull`` and backs off."""


@runtime_checkable
class ExecSession(Protocol):
    """A streaming exec/attach: write stdin, read stdout/stderr, wait for the exit code."""

    async def write_stdin(self, data: bytes) -> None: ...

    async def close_stdin(self) -> None: ...

    def output(self) -> AsyncIterator[tuple[int, bytes]]:
        """(stream, data) pairs; stream 1 = stdout, 2 = stderr."""

    async def resize(self, width: int, height: int) -> None: ...

    async def wait(self) -> int:
        """The exit code once the process has ended."""


@runtime_checkable
class ContainerRuntime(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def version(self) -> RuntimeVersion: ...

    # Pod sandboxes
    async def run_pod_sandbox(self, config: PodSandboxConfig) -> str: ...

    async def stop_pod_sandbox(self, sandbox_id: str) -> None: ...

    async def remove_pod_sandbox(self, sandbox_id: str) -> None: ...

    async def pod_sandbox_status(self, sandbox_id: str) -> PodSandboxStatus: ...

    async def list_pod_sandboxes(self) -> list[PodSandboxStatus]: ...

    # Containers
    async def create_container(
        self, sandbox_id: str, config: ContainerConfig, sandbox_config: PodSandboxConfig
    ) -> str: ...

    async def start_container(self, container_id: str) -> None: ...

    async def stop_container(self, container_id: str, timeout_seconds: int) -> None:
        """SIGTERM, then SIGKILL after ``timeout_seconds``."""

    async def remove_container(self, container_id: str) -> None: ...

    async def container_status(self, container_id: str) -> ContainerStatus: ...

    async def list_containers(self, sandbox_id: str | None = None) -> list[ContainerStatus]: ...

    async def exec_sync(
        self, container_id: str, command: list[str], timeout_seconds: float
    ) -> ExecResult: ...

    async def exec(
        self, container_id: str, command: list[str], *, stdin: bool, tty: bool
    ) -> ExecSession: ...

    async def attach(self, container_id: str, *, stdin: bool, tty: bool) -> ExecSession: ...

    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A TCP connection to ``port`` on the pod's loopback, inside its network namespace
        (CRI's PortForward): what ``kubectl port-forward`` streams through. NotFoundError
        for an unknown sandbox; OSError when nothing listens there."""

    async def container_stats(self, container_id: str) -> ContainerStats: ...

    # Images
    async def list_images(self) -> list[Image]: ...

    async def image_status(self, ref: str) -> Image | None: ...

    async def pull_image(self, ref: str) -> str:
        """Make ``ref`` available; returns the image id."""

    async def remove_image(self, ref: str) -> None: ...

    async def import_image(self, archive_path: str) -> list[str]:
        """Import an OCI or docker archive; returns the names imported."""


@runtime_checkable
class PodNetworkRuntime(Protocol):
    """Optional capability: a runtime that wires pod networks itself (containerd runs CNI from
    its own configuration, as with a real kubelet). For such a runtime the kubelet runs no CNI
    and passes no ``netns_path``; it tells the runtime the node's pod CIDR (``spec.podCIDR``)
    when it learns it, as CRI's ``UpdateRuntimeConfig``. Pod IPs come from
    :meth:`ContainerRuntime.pod_sandbox_status`."""

    async def update_runtime_config(self, pod_cidr: str) -> None: ...


@runtime_checkable
class RuntimeStatusReporter(Protocol):
    """Optional capability: CRI ``Status``. ``(False, why)`` when the runtime answers but is
    not ready; the kubelet reports the node NotReady with that message (a runtime that does
    not answer raises :class:`RuntimeError_` or OSError, as any call does)."""

    async def runtime_status(self) -> tuple[bool, str]: ...
