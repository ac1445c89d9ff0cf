"""The ``containerd`` runtime: the runtime contract over CRI ``runtime.v1`` gRPC.

Every call is one CRI request to containerd's socket (``grpc.aio``). CRI container statuses
do not name their sandbox, so the runtime remembers each container's sandbox (and asks
``ListContainers`` for one it has not seen, after a restart). The kubelet's PLEG relists every
second, so lists are one ``List*`` call each: a container's full status is fetched again only
when its state changed since it was last fetched (within a state, nothing in it changes), and a
sandbox's only when its state changed (its IP is fixed once it is ready).

Pod networking is containerd's: it runs CNI itself from its ``conf_template`` once told the
pod CIDR (:meth:`ContainerdRuntime.update_runtime_config`), so this runtime is a
:class:`~microkube.contracts.runtime.PodNetworkRuntime` (and a
:class:`~microkube.contracts.runtime.RuntimeStatusReporter`, from CRI ``Status``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import shutil
from pathlib import Path
from typing import Any

from microkube.contracts import FactoryContext
from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    ContainerStats,
    ContainerStatus,
    ExecResult,
    ExecSession,
    Image,
    ImagePullError,
    NotFoundError,
    PodSandboxConfig,
    PodSandboxStatus,
    RuntimeError_,
    RuntimeVersion,
)
from microkube_cri_containerd import convert
from microkube_cri_containerd.cri import CriClient, api, cri_errors
from microkube_cri_containerd.image_gc import ImageGarbageCollector
from microkube_cri_containerd.netns import connect_in, peer_netns
from microkube_cri_containerd.options import ContainerdOptions, parse_options
from microkube_cri_containerd.own_daemon import OwnContainerd
from microkube_cri_containerd.streams import open_session

__all__ = ["ContainerdRuntime"]

log = logging.getLogger(__name__)

_IMPORTED = re.compile(r"^unpacking (\S+) \(")


class ContainerdRuntime:
    def __init__(self, options: ContainerdOptions, *, data_dir: Path | None = None) -> None:
        self.options = options
        self.own: OwnContainerd | None = None
        if options.address is None:
            root = Path(options.root_dir or (data_dir or Path(".")) / "containerd")
            self.own = OwnContainerd(root, options)
            self.address = str(self.own.socket)
        else:
            self.address = options.address
        self.client: CriClient | None = None
        self._sandbox_of: dict[str, str] = {}
        self._exited: dict[str, ContainerStatus] = {}
        #: the last full statuses fetched, reused by lists while the state is the same
        self._statuses: dict[str, ContainerStatus] = {}
        self._sandboxes: dict[str, PodSandboxStatus] = {}
        self._pod_cidr: str | None = options.pod_cidr
        self._gc: ImageGarbageCollector | None = None
        self._gc_task: asyncio.Task[None] | None = None

    @classmethod
    def from_context(cls, context: FactoryContext) -> ContainerdRuntime:
        return cls(parse_options(context.options), data_dir=context.data_dir)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        if self.own is not None:
            await asyncio.to_thread(self.own.start)
        self.client = CriClient(self.address)
        version = await self.version()
        log.info(
            "containerd %s (CRI %s) at %s",
            version.runtime_version,
            version.runtime_api_version,
            self.address,
        )
        if self._pod_cidr:
            await self.update_runtime_config(self._pod_cidr)
        if self.options.image_gc_period > 0:
            self._gc = ImageGarbageCollector(self, self.options)
            self._gc_task = asyncio.create_task(self._gc.run())

    async def close(self) -> None:
        if self._gc_task is not None:
            self._gc_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._gc_task
        if self.client is not None and self.options.stop_pods_on_close:
            with contextlib.suppress(RuntimeError_):
                for sandbox in await self.list_pod_sandboxes():
                    await self.stop_pod_sandbox(sandbox.id)
                    await self.remove_pod_sandbox(sandbox.id)
        if self.client is not None:
            await self.client.close()
            self.client = None
        if self.own is not None:
            await asyncio.to_thread(self.own.stop)

    @property
    def _cri(self) -> CriClient:
        if self.client is None:
            raise RuntimeError_("the containerd runtime is not started")
        return self.client

    def _timeout(self) -> float:
        return self.options.request_timeout

    async def version(self) -> RuntimeVersion:
        async with cri_errors("version"):
            reply = await self._cri.runtime.Version(
                api.VersionRequest(version="v1"), timeout=self._timeout()
            )
        return RuntimeVersion(
            runtime_name=reply.runtime_name,
            runtime_version=reply.runtime_version,
            runtime_api_version=reply.runtime_api_version,
        )

    async def runtime_conditions(self) -> dict[str, tuple[bool, str, str]]:
        """CRI ``Status``: ``{type: (ok, reason, message)}`` for RuntimeReady/NetworkReady."""
        async with cri_errors("status"):
            reply = await self._cri.runtime.Status(api.StatusRequest(), timeout=self._timeout())
        return {c.type: (c.status, c.reason, c.message) for c in reply.status.conditions}

    async def runtime_status(self) -> tuple[bool, str]:
        """(ready, why not): containerd answered and says RuntimeReady (the kubelet's
        runtime health check, as upstream's ``runtimeState``)."""
        conditions = await self.runtime_conditions()
        ok, reason, message = conditions.get("RuntimeReady", (False, "", "not reported"))
        if not ok:
            return False, f"container runtime not ready: {reason}: {message}"
        return True, ""

    async def update_runtime_config(self, pod_cidr: str) -> None:
        """Tell containerd the node's pod CIDR: it renders its CNI ``conf_template`` with it."""
        async with cri_errors("update runtime config"):
            await self._cri.runtime.UpdateRuntimeConfig(
                api.UpdateRuntimeConfigRequest(
                    runtime_config=api.RuntimeConfig(
                        network_config=api.NetworkConfig(pod_cidr=pod_cidr)
                    )
                ),
                timeout=self._timeout(),
            )
        self._pod_cidr = pod_cidr

    # -- sandboxes ------------------------------------------------------------------------

    def _cgroup_parent(self, config: PodSandboxConfig) -> str:
        if not self.options.cgroup_parent:
            return ""
        return f"{self.options.cgroup_parent.rstrip('/')}/pod{config.uid}"

    async def run_pod_sandbox(self, config: PodSandboxConfig) -> str:
        if config.netns_path:
            log.warning(
                "pod %s/%s: containerd makes its own network namespace; netns_path %s unused",
                config.namespace,
                config.name,
                config.netns_path,
            )
        if config.log_directory:
            await asyncio.to_thread(Path(config.log_directory).mkdir, parents=True, exist_ok=True)
        request = api.RunPodSandboxRequest(
            config=convert.sandbox_config(config, cgroup_parent=self._cgroup_parent(config))
        )
        async with cri_errors(f"run pod sandbox {config.namespace}/{config.name}"):
            reply = await self._cri.runtime.RunPodSandbox(request, timeout=self._timeout() * 2)
        return reply.pod_sandbox_id

    async def stop_pod_sandbox(self, sandbox_id: str) -> None:
        async with cri_errors("stop pod sandbox"):
            await self._cri.runtime.StopPodSandbox(
                api.StopPodSandboxRequest(pod_sandbox_id=sandbox_id), timeout=self._timeout()
            )

    async def remove_pod_sandbox(self, sandbox_id: str) -> None:
        try:
            async with cri_errors("remove pod sandbox"):
                await self._cri.runtime.RemovePodSandbox(
                    api.RemovePodSandboxRequest(pod_sandbox_id=sandbox_id),
                    timeout=self._timeout(),
                )
        except NotFoundError:
            pass
        self._sandboxes.pop(sandbox_id, None)
        for container_id, owner in list(self._sandbox_of.items()):
            if owner == sandbox_id:
                self._forget(container_id)

    async def pod_sandbox_status(self, sandbox_id: str) -> PodSandboxStatus:
        async with cri_errors("pod sandbox status"):
            reply = await self._cri.runtime.PodSandboxStatus(
                api.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id), timeout=self._timeout()
            )
        status = convert.sandbox_status(reply.status)
        self._sandboxes[sandbox_id] = status
        return status

    async def list_pod_sandboxes(self) -> list[PodSandboxStatus]:
        async with cri_errors("list pod sandboxes"):
            reply = await self._cri.runtime.ListPodSandbox(
                api.ListPodSandboxRequest(), timeout=self._timeout()
            )
        statuses = await asyncio.gather(*(self._listed_sandbox(item) for item in reply.items))
        return [status for status in statuses if status is not None]

    async def _listed_sandbox(self, item: Any) -> PodSandboxStatus | None:
        known = self._sandboxes.get(item.id)
        if known is not None and convert.sandbox_state(item.state) is known.state:
            return known
        return await self._sandbox_status_or_none(item.id)

    async def _sandbox_status_or_none(self, sandbox_id: str) -> PodSandboxStatus | None:
        try:
            return await self.pod_sandbox_status(sandbox_id)
        except NotFoundError:
            return None

    async def _sandbox_netns(self, sandbox_id: str) -> str | None:
        """The pod's network namespace path (verbose status), or None for a host-network
        pod (it shares containerd's)."""
        async with cri_errors("pod sandbox status"):
            reply = await self._cri.runtime.PodSandboxStatus(
                api.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id, verbose=True),
                timeout=self._timeout(),
            )
        if reply.status.state != api.SANDBOX_READY:
            raise RuntimeError_(f"sandbox {sandbox_id} is not ready")
        info = json.loads(reply.info.get("info") or "{}")
        spec = info.get("runtimeSpec") or {}
        for namespace in (spec.get("linux") or {}).get("namespaces") or ():
            if namespace.get("type") == "network":
                return namespace.get("path") or None
        return None

    # -- containers -----------------------------------------------------------------------

    async def create_container(
        self, sandbox_id: str, config: ContainerConfig, sandbox_config: PodSandboxConfig
    ) -> str:
        request = api.CreateContainerRequest(
            pod_sandbox_id=sandbox_id,
            config=convert.container_config(config, sandbox_config),
            sandbox_config=convert.sandbox_config(
                sandbox_config, cgroup_parent=self._cgroup_parent(sandbox_config)
            ),
        )
        if config.log_path and sandbox_config.log_directory:
            log_dir = Path(sandbox_config.log_directory, config.log_path).parent
            await asyncio.to_thread(log_dir.mkdir, parents=True, exist_ok=True)
        async with cri_errors(f"create container {config.name}"):
            reply = await self._cri.runtime.CreateContainer(request, timeout=self._timeout())
        self._sandbox_of[reply.container_id] = sandbox_id
        return reply.container_id

    async def start_container(self, container_id: str) -> None:
        async with cri_errors("start container"):
            await self._cri.runtime.StartContainer(
                api.StartContainerRequest(container_id=container_id), timeout=self._timeout()
            )

    async def stop_container(self, container_id: str, timeout_seconds: int) -> None:
        async with cri_errors("stop container"):
            await self._cri.runtime.StopContainer(
                api.StopContainerRequest(container_id=container_id, timeout=timeout_seconds),
                timeout=self._timeout() + timeout_seconds,
            )

    async def remove_container(self, container_id: str) -> None:
        try:
            async with cri_errors("remove container"):
                await self._cri.runtime.RemoveContainer(
                    api.RemoveContainerRequest(container_id=container_id),
                    timeout=self._timeout(),
                )
        except NotFoundError:
            pass
        self._forget(container_id)

    def _forget(self, container_id: str) -> None:
        self._sandbox_of.pop(container_id, None)
        self._exited.pop(container_id, None)
        self._statuses.pop(container_id, None)

    async def container_status(self, container_id: str) -> ContainerStatus:
        cached = self._exited.get(container_id)
        if cached is not None:
            return cached
        async with cri_errors("container status"):
            reply = await self._cri.runtime.ContainerStatus(
                api.ContainerStatusRequest(container_id=container_id), timeout=self._timeout()
            )
        sandbox_id = self._sandbox_of.get(container_id) or await self._find_sandbox(container_id)
        status = convert.container_status(reply.status, sandbox_id)
        self._statuses[container_id] = status
        if status.state is ContainerState.EXITED:
            self._exited[container_id] = status
        return status

    async def _find_sandbox(self, container_id: str) -> str:
        async with cri_errors("list containers"):
            reply = await self._cri.runtime.ListContainers(
                api.ListContainersRequest(filter=api.ContainerFilter(id=container_id)),
                timeout=self._timeout(),
            )
        for container in reply.containers:
            self._sandbox_of[container.id] = container.pod_sandbox_id
        sandbox_id = self._sandbox_of.get(container_id)
        if sandbox_id is None:
            raise NotFoundError(f"container {container_id} not found")
        return sandbox_id

    async def list_containers(self, sandbox_id: str | None = None) -> list[ContainerStatus]:
        request = api.ListContainersRequest()
        if sandbox_id is not None:
            request.filter.pod_sandbox_id = sandbox_id
        async with cri_errors("list containers"):
            reply = await self._cri.runtime.ListContainers(request, timeout=self._timeout())
        for container in reply.containers:
            self._sandbox_of[container.id] = container.pod_sandbox_id
        statuses = await asyncio.gather(*(self._listed(c) for c in reply.containers))
        return [status for status in statuses if status is not None]

    async def _listed(self, container: Any) -> ContainerStatus | None:
        """A listed container's status: the last one fetched while its state is the same."""
        known = self._statuses.get(container.id)
        if known is not None and convert.container_state(container.state) is known.state:
            return known
        return await self._container_status_or_none(container.id)

    async def _container_status_or_none(self, container_id: str) -> ContainerStatus | None:
        try:
            return await self.container_status(container_id)
        except NotFoundError:
            return None

    # -- exec, attach, port-forward, stats -------------------------------------------------

    async def exec_sync(
        self, container_id: str, command: list[str], timeout_seconds: float
    ) -> ExecResult:
        seconds = max(1, math.ceil(timeout_seconds)) if timeout_seconds else 0
        async with cri_errors("exec"):
            reply = await self._cri.runtime.ExecSync(
                api.ExecSyncRequest(container_id=container_id, cmd=command, timeout=seconds),
                timeout=(seconds or self._timeout()) + 5,
            )
        return ExecResult(exit_code=reply.exit_code, stdout=reply.stdout, stderr=reply.stderr)

    async def _streaming_netns(self) -> str | None:
        return await asyncio.to_thread(peer_netns, self.address.removeprefix("unix://"))

    async def exec(
        self, container_id: str, command: list[str], *, stdin: bool, tty: bool
    ) -> ExecSession:
        await self._require_running(container_id)
        request = api.ExecRequest(
            container_id=container_id,
            cmd=command,
            tty=tty,
            stdin=stdin,
            stdout=True,
            stderr=not tty,
        )
        async with cri_errors("exec"):
            reply = await self._cri.runtime.Exec(request, timeout=self._timeout())
        return await open_session(
            await self._streaming_netns(),
            reply.url,
            stdin=stdin,
            stdout=True,
            stderr=not tty,
            tty=tty,
        )

    async def attach(self, container_id: str, *, stdin: bool, tty: bool) -> ExecSession:
        await self._require_running(container_id)
        request = api.AttachRequest(
            container_id=container_id, stdin=stdin, tty=tty, stdout=True, stderr=not tty
        )
        async with cri_errors("attach"):
            reply = await self._cri.runtime.Attach(request, timeout=self._timeout())
        return await open_session(
            await self._streaming_netns(),
            reply.url,
            stdin=stdin,
            stdout=True,
            stderr=not tty,
            tty=tty,
        )

    async def _require_running(self, container_id: str) -> None:
        status = await self.container_status(container_id)
        if status.state is not ContainerState.RUNNING:
            raise RuntimeError_(f"container {container_id} is not running")

    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """What containerd's PortForward does, without the streaming hop: connect to
        ``localhost:port`` inside the pod's network namespace (containerd's own for a
        host-network pod)."""
        netns = await self._sandbox_netns(sandbox_id) or await self._streaming_netns()
        return await connect_in(netns, "127.0.0.1", port)

    async def container_stats(self, container_id: str) -> ContainerStats:
        async with cri_errors("container stats"):
            reply = await self._cri.runtime.ContainerStats(
                api.ContainerStatsRequest(container_id=container_id), timeout=self._timeout()
            )
        return convert.container_stats(reply.stats, container_id)

    # -- images ---------------------------------------------------------------------------

    async def list_images(self) -> list[Image]:
        async with cri_errors("list images"):
            reply = await self._cri.images.ListImages(
                api.ListImagesRequest(), timeout=self._timeout()
            )
        return [convert.image(message) for message in reply.images]

    async def image_status(self, ref: str) -> Image | None:
        try:
            async with cri_errors("image status"):
                reply = await self._cri.images.ImageStatus(
                    api.ImageStatusRequest(image=api.ImageSpec(image=ref)),
                    timeout=self._timeout(),
                )
        except NotFoundError:
            return None
        if not reply.HasField("image"):
            return None
        return convert.image(reply.image)

    async def pull_image(self, ref: str) -> str:
        try:
            async with cri_errors(f"pull image {ref}"):
                reply = await self._cri.images.PullImage(
                    api.PullImageRequest(image=api.ImageSpec(image=ref)),
                    timeout=self.options.pull_timeout,
                )
        except RuntimeError_ as exc:
            raise ImagePullError(str(exc)) from None
        return reply.image_ref

    async def remove_image(self, ref: str) -> None:
        try:
            async with cri_errors(f"remove image {ref}"):
                await self._cri.images.RemoveImage(
                    api.RemoveImageRequest(image=api.ImageSpec(image=ref)),
                    timeout=self._timeout(),
                )
        except NotFoundError:
            pass

    async def image_fs_usage(self) -> tuple[str, int]:
        """(mountpoint, used bytes) of containerd's image filesystem (CRI ``ImageFsInfo``)."""
        async with cri_errors("image fs info"):
            reply = await self._cri.images.ImageFsInfo(
                api.ImageFsInfoRequest(), timeout=self._timeout()
            )
        if not reply.image_filesystems:
            raise RuntimeError_("containerd reports no image filesystem")
        usage = reply.image_filesystems[0]
        return usage.fs_id.mountpoint, usage.used_bytes.value

    async def import_image(self, archive_path: str) -> list[str]:
        """``ctr images import`` into the CRI plugin's ``k8s.io`` namespace (CRI has no
        import call); returns the names imported."""
        ctr = shutil.which("ctr")
        if ctr is None:
            raise RuntimeError_("importing images needs containerd's `ctr` tool on the PATH")
        process = await asyncio.create_subprocess_exec(
            ctr,
            "-a",
            self.address.removeprefix("unix://"),
            "-n",
            "k8s.io",
            "images",
            "import",
            archive_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError_(
                f"import {archive_path}: {err.decode(errors='replace').strip() or out.decode()}"
            )
        names = []
        for line in out.decode(errors="replace").splitlines():
            match = _IMPORTED.match(line.strip())
            if match and not match.group(1).startswith("import-"):
                names.append(match.group(1))
        return names
