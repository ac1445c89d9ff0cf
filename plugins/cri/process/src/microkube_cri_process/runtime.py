"""The ``process`` container runtime: each container a host process group (Nomad's raw_exec).

A pod sandbox is a network namespace (unless host network). A container is its command,
forked into the sandbox's network namespace, its own cgroup, its own UTS namespace (the pod's
hostname) and its own mount namespace (the volumes bind-mounted at their container paths),
in a working directory under the runtime's root; the image is a recorded name (see
:mod:`.images`). Output goes through FIFOs into the CRI log file (see :mod:`.logs`).
Everything is persisted (see :mod:`.state`) and a restarted runtime re-attaches to the
processes still running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import time
from pathlib import Path

import attrs

from microkube.contracts.registration import FactoryContext
from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    ContainerStats,
    ContainerStatus,
    ExecResult,
    Image,
    ImagePullError,
    NotFoundError,
    PodSandboxConfig,
    PodSandboxStatus,
    RuntimeError_,
    RuntimeVersion,
    SandboxState,
)
from microkube.images import archive_names
from microkube_cri_process import linux, state
from microkube_cri_process.cgroups import Cgroup, CgroupDriver
from microkube_cri_process.host import primary_ip, proc_usage
from microkube_cri_process.images import ImageStore
from microkube_cri_process.logs import CriLogWriter, FifoPump, make_fifo, open_for_container
from microkube_cri_process.mountpoints import (
    RESOLV_CONF,
    check_mounts,
    ensure_mount_point,
    missing_ancestry,
    paths_of,
    remove_made_paths,
    uses,
    write_resolv_conf,
)
from microkube_cri_process.namespaces import (
    connect_in,
    create_netns,
    in_own_thread,
    remove_pinned,
)
from microkube_cri_process.options import ProcessOptions, parse_options
from microkube_cri_process.sessions import (
    STDERR,
    STDOUT,
    AttachSession,
    ExecProcess,
    exit_code_of,
)
from microkube_cri_process.spawn import (
    DEFAULT_PATH,
    BindMount,
    ChildSetup,
    SpawnError,
    fork_child,
    spawn,
    wait_started,
)
from microkube_cri_process.state import ContainerRecord, SandboxRecord

log = logging.getLogger(__name__)

VERSION = "0.1.0"
#: Exit code reported when a container ended while no runtime watched it (after a restart
#: of the runtime's process): the code itself is lost.
UNKNOWN_EXIT_CODE = 255


@attrs.define
class _Live:
    """What exists of a container only while this runtime watches it."""

    pidfd: int | None = None
    pumps: list[FifoPump] = attrs.field(factory=list)
    writers: dict[int, CriLogWriter] = attrs.field(factory=dict)
    attached: list[AttachSession] = attrs.field(factory=list)
    execs: list[ExecProcess] = attrs.field(factory=list)
    cgroup: Cgroup | None = None
    exited: asyncio.Event = attrs.field(factory=asyncio.Event)


class ProcessRuntime:
    """A :class:`~microkube.contracts.runtime.ContainerRuntime` of host processes."""

    def __init__(self, root: str | Path, options: ProcessOptions | None = None) -> None:
        self.options = options or ProcessOptions()
        self.root = str(root)
        self._sandboxes: dict[str, SandboxRecord] = {}
        self._containers: dict[str, ContainerRecord] = {}
        self._live: dict[str, _Live] = {}
        self._images: ImageStore | None = None
        self._cgroups: CgroupDriver | None = None
        self._node_ip = ""

    @classmethod
    def from_context(cls, context: FactoryContext) -> ProcessRuntime:
        options = parse_options(context.options)
        root = options.root_dir or str(Path(context.data_dir) / "cri-process")
        return cls(root, options)

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        for sub in ("sandboxes", "containers"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        self._images = ImageStore(self.root)
        if self.options.cgroups:
            self._cgroups = CgroupDriver(self.options.cgroup_parent)
            if self._cgroups.unavailable:
                log.warning("resource limits are not enforced: %s", self._cgroups.unavailable)
        self._node_ip = self.options.node_ip or primary_ip()
        self._load()

    async def close(self) -> None:
        """Stop watching; containers keep running (a restarted runtime re-attaches) unless
        the option ``stop-pods-on-close`` is set."""
        if self.options.stop_pods_on_close:
            for sandbox_id in list(self._sandboxes):
                await self.stop_pod_sandbox(sandbox_id)
        for container_id in list(self._live):
            live = self._live.pop(container_id)
            self._unwatch(live)
            for session in list(live.attached):
                session.finish(UNKNOWN_EXIT_CODE)
            for process in list(live.execs):
                process.kill()

    async def version(self) -> RuntimeVersion:
        return RuntimeVersion(runtime_name="microkube-process", runtime_version=VERSION)

    @property
    def limits_unavailable(self) -> str | None:
        """Why ``resources.limits`` are not enforced (None when they are)."""
        if not self.options.cgroups:
            return "cgroups are disabled in the runtime's options"
        return self._cgroups.unavailable if self._cgroups else "the runtime is not started"

    # -- sandboxes ----------------------------------------------------------------------

    async def run_pod_sandbox(self, config: PodSandboxConfig) -> str:
        sandbox_id = secrets.token_hex(32)
        directory = self._sandbox_dir(sandbox_id)
        os.makedirs(directory)
        record = SandboxRecord(
            id=sandbox_id,
            config=config,
            state=SandboxState.READY,
            created_at_ns=time.time_ns(),
        )
        if config.host_network:
            record.ip = self._node_ip
        elif config.netns_path:
            record.netns_path = config.netns_path
            record.ip = config.pod_ip
        else:
            record.netns_path = os.path.join(self.options.netns_dir, f"microkube-{sandbox_id[:16]}")
            record.owns_netns = True
        if config.dns.servers or config.dns.searches:
            await asyncio.to_thread(write_resolv_conf, directory, config)
        if record.owns_netns:
            netns = record.netns_path
            try:
                await in_own_thread(lambda: create_netns(netns))
            except OSError as exc:
                remove_pinned(netns)
                shutil.rmtree(directory, ignore_errors=True)
                raise RuntimeError_(f"failed to create the pod's network namespace: {exc}") from exc
        self._sandboxes[sandbox_id] = record
        self._save_sandbox(record)
        return sandbox_id

    async def stop_pod_sandbox(self, sandbox_id: str) -> None:
        record = self._sandbox(sandbox_id)
        for container in self._containers_of(sandbox_id):
            await self._stop(container, 0)
        if record.state is SandboxState.READY:
            record.state = SandboxState.NOTREADY
            if record.owns_netns:
                remove_pinned(record.netns_path)
            self._save_sandbox(record)

    async def remove_pod_sandbox(self, sandbox_id: str) -> None:
        record = self._sandboxes.get(sandbox_id)
        if record is None:
            return  # CRI: removing a removed sandbox succeeds
        for container in self._containers_of(sandbox_id):
            await self._remove(container)
        if record.owns_netns:
            remove_pinned(record.netns_path)
        shutil.rmtree(self._sandbox_dir(sandbox_id), ignore_errors=True)
        del self._sandboxes[sandbox_id]

    async def pod_sandbox_status(self, sandbox_id: str) -> PodSandboxStatus:
        return _sandbox_status(self._sandbox(sandbox_id))

    async def list_pod_sandboxes(self) -> list[PodSandboxStatus]:
        return [_sandbox_status(s) for s in self._sandboxes.values()]

    # -- containers ---------------------------------------------------------------------

    async def create_container(
        self, sandbox_id: str, config: ContainerConfig, sandbox_config: PodSandboxConfig
    ) -> str:
        sandbox = self._sandbox(sandbox_id)
        if sandbox.state is not SandboxState.READY:
            raise RuntimeError_(f"pod sandbox {sandbox_id} is not ready")
        image = self._image_store().find(config.image)
        if image is None:
            raise NotFoundError(f"image {config.image!r} not found: pull or import it first")
        if not (config.command or config.args):
            raise RuntimeError_(
                f"container {config.name!r}: the process runtime runs host programs and "
                "cannot use an image's entrypoint; set command (or args)"
            )
        check_mounts(config)
        for other in self._containers_of(sandbox_id):
            if (other.config.name, other.config.attempt) == (config.name, config.attempt):
                raise RuntimeError_(
                    f"container name {config.name!r} attempt {config.attempt} is reserved "
                    f"for {other.id}"
                )
        container_id = secrets.token_hex(32)
        directory = os.path.join(self.root, "containers", container_id)
        work = os.path.join(directory, "work")
        os.makedirs(work)
        log_dir = sandbox_config.log_directory or sandbox.config.log_directory
        record = ContainerRecord(
            id=container_id,
            sandbox_id=sandbox_id,
            config=config,
            image_ref=image.id,
            log_path=os.path.join(log_dir, config.log_path) if log_dir and config.log_path else "",
            directory=directory,
            working_dir=config.working_dir or work,
            created_at_ns=time.time_ns(),
        )
        self._containers[container_id] = record
        self._save_container(record)
        return container_id

    async def start_container(self, container_id: str) -> None:
        record = self._container(container_id)
        if record.state is not ContainerState.CREATED:
            raise RuntimeError_(f"container {container_id} is {record.state.name}, not CREATED")
        sandbox = self._sandbox(record.sandbox_id)
        if sandbox.state is not SandboxState.READY:
            raise RuntimeError_(f"pod sandbox {sandbox.id} is not ready")
        live = self._live.setdefault(container_id, _Live())
        try:
            pid = await wait_started(*self._fork_main(record, sandbox, live))
        except (SpawnError, OSError) as exc:
            self._unwatch(live)
            self._live.pop(container_id, None)
            if live.cgroup is not None:
                live.cgroup.remove()
            record.state = ContainerState.EXITED
            record.exit_code, record.reason = 128, "StartError"
            record.message = str(exc)
            record.started_at_ns = record.finished_at_ns = time.time_ns()
            self._save_container(record)
            raise RuntimeError_(f"failed to start container {record.config.name!r}: {exc}") from exc
        record.pid, record.pid_start = pid, state.process_start_time(pid)
        record.state = ContainerState.RUNNING
        record.started_at_ns = time.time_ns()
        self._save_container(record)
        self._watch_exit(record, live)

    def _fork_main(
        self, record: ContainerRecord, sandbox: SandboxRecord, live: _Live
    ) -> tuple[int, int]:
        """Fork the container's main process; its pid and report pipe (see ``fork_child``)."""
        config = record.config
        if self._cgroups is not None and not self._cgroups.unavailable:
            live.cgroup = self._cgroups.create(record.id, config.resources)
            record.cgroup = dict(live.cgroup.paths) if live.cgroup else {}
        if record.log_path:
            os.makedirs(os.path.dirname(record.log_path), exist_ok=True)
        fds = []
        try:
            for stream, name in ((STDOUT, "stdout"), (STDERR, "stderr")):
                fifo = os.path.join(record.directory, name)
                make_fifo(fifo)
                live.writers[stream] = CriLogWriter(record.log_path, name)
                live.pumps.append(self._pump(record.id, fifo, stream))
                fds.append(open_for_container(fifo))
            if config.stdin:
                make_fifo(os.path.join(record.directory, "stdin"))
                stdin = open_for_container(os.path.join(record.directory, "stdin"))
            else:
                stdin = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
            fds.append(stdin)
            mounts = [
                BindMount(source=m.host_path, target=m.container_path, readonly=m.readonly)
                for m in config.mounts
            ]
            resolv = os.path.join(self._sandbox_dir(sandbox.id), "resolv.conf")
            if os.path.exists(resolv) and not any(m.target == RESOLV_CONF for m in mounts):
                mounts.append(BindMount(source=resolv, target=RESOLV_CONF, readonly=True))
            made = [p for m in mounts for p in ensure_mount_point(m.source, m.target)]
            made += missing_ancestry(record.working_dir)
            os.makedirs(record.working_dir, exist_ok=True)
            if made:
                record.made_paths = made
            uid, gid = config.security.run_as_user, config.security.run_as_group
            if record.working_dir.startswith(record.directory) and (uid or gid):
                # The default working directory belongs to the container's user.
                os.chown(record.working_dir, uid or 0, gid or 0)
            setup = ChildSetup(
                argv=(*config.command, *config.args),
                env=self._environment(record, sandbox),
                cwd=record.working_dir,
                namespaces=_sandbox_namespaces(sandbox),
                cgroup_procs=tuple(live.cgroup.procs_files()) if live.cgroup else (),
                private_mounts=True,
                mounts=tuple(mounts),
                hostname=None if sandbox.config.host_network else _hostname(sandbox.config),
                uid=config.security.run_as_user,
                gid=config.security.run_as_group,
            )
            return fork_child(setup, stdin, fds[0], fds[1])
        finally:
            for fd in fds:  # the child has its own copies once forked
                os.close(fd)

    def _pump(self, container_id: str, fifo: str, stream: int) -> FifoPump:
        def sink(data: bytes) -> None:
            live = self._live.get(container_id)
            if live is None:
                return
            live.writers[stream].write(data)
            for session in live.attached:
                session.feed(stream, data)

        def end() -> None:
            live = self._live.get(container_id)
            if live is not None:
                live.writers[stream].flush()

        return FifoPump(fifo, sink, end)

    def _watch_exit(self, record: ContainerRecord, live: _Live) -> None:
        try:
            live.pidfd = os.pidfd_open(record.pid)
        except ProcessLookupError:
            self._exited(record, live)
            return
        asyncio.get_running_loop().add_reader(live.pidfd, self._exited, record, live)

    def _exited(self, record: ContainerRecord, live: _Live) -> None:
        """The main process ended: collect its code, end the rest of the container."""
        if live.pidfd is not None:
            asyncio.get_running_loop().remove_reader(live.pidfd)
            os.close(live.pidfd)
            live.pidfd = None
        code: int | None
        try:
            _, status = os.waitpid(record.pid, os.WNOHANG)
            code = exit_code_of(status)
        except ChildProcessError:
            code = None  # not our child: started by an earlier runtime process
        self._kill_rest(record, live)
        oom = live.cgroup.oom_kills() if live.cgroup else 0
        for pump in live.pumps:
            pump.drain()
        for writer in live.writers.values():
            writer.flush()
        if oom:
            record.exit_code, record.reason = 137, "OOMKilled"
            record.message = "the container exceeded its memory limit"
        elif code is None and record.stop_signal:
            record.exit_code, record.reason = 128 + record.stop_signal, "Error"
            record.message = (
                f"stopped by {signal.Signals(record.stop_signal).name}; the exact exit code is "
                "unknown (the container was started by an earlier runtime process)"
            )
        elif code is None:
            record.exit_code, record.reason = UNKNOWN_EXIT_CODE, "Error"
            record.message = (
                "the container ended while no runtime process was its parent (after a "
                "restart of the runtime's process): its exit code is unknown"
            )
        else:
            record.exit_code = code
            record.reason = "Completed" if code == 0 else "Error"
        record.state = ContainerState.EXITED
        record.finished_at_ns = max(time.time_ns(), record.started_at_ns)
        self._save_container(record)
        if live.cgroup is not None:
            live.cgroup.remove()
            live.cgroup = None
        for pump in live.pumps:
            pump.close()
        live.pumps.clear()
        for session in list(live.attached):
            session.finish(record.exit_code)
        for process in list(live.execs):
            process.kill()
        live.exited.set()

    def _kill_rest(self, record: ContainerRecord, live: _Live) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(record.pid, signal.SIGKILL)
        if live.cgroup is not None:
            live.cgroup.kill_all()

    async def stop_container(self, container_id: str, timeout_seconds: int) -> None:
        await self._stop(self._container(container_id), timeout_seconds)

    async def _stop(self, record: ContainerRecord, grace: float) -> None:
        # As containerd: stopping a container that is not running does nothing.
        if record.state is not ContainerState.RUNNING:
            return
        live = self._live.get(record.id)
        if live is None:
            return
        if grace > 0:
            self._signal(record, signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    await live.exited.wait()
        if not live.exited.is_set():
            self._signal(record, signal.SIGKILL)
            if live.cgroup is not None:
                live.cgroup.kill_all()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(10):
                    await live.exited.wait()
        if not live.exited.is_set():
            raise RuntimeError_(f"container {record.id} did not end after SIGKILL")

    def _signal(self, record: ContainerRecord, signum: int) -> None:
        record.stop_signal = signum
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(record.pid, signum)

    async def remove_container(self, container_id: str) -> None:
        record = self._containers.get(container_id)
        if record is not None:
            await self._remove(record)

    async def _remove(self, record: ContainerRecord) -> None:
        await self._stop(record, 0)
        live = self._live.pop(record.id, None)
        if live is not None:
            self._unwatch(live)
        if record.cgroup and self._cgroups is not None:
            cgroup = self._cgroups.existing(record.cgroup)
            if cgroup is not None:
                cgroup.remove()
        shutil.rmtree(record.directory, ignore_errors=True)
        del self._containers[record.id]
        if record.made_paths:
            in_use = {path for other in self._containers.values() for path in paths_of(other)}
            kept = await asyncio.to_thread(remove_made_paths, record.made_paths, in_use)
            for path in kept:  # the last container using a mount point removes it
                heir = next(c for c in self._containers.values() if uses(c, path))
                outermost_first = sorted({path, *heir.made_paths}, key=lambda p: p.count("/"))
                heir.made_paths = outermost_first
                self._save_container(heir)

    async def container_status(self, container_id: str) -> ContainerStatus:
        return self._status(self._container(container_id))

    async def list_containers(self, sandbox_id: str | None = None) -> list[ContainerStatus]:
        return [
            self._status(c)
            for c in self._containers.values()
            if sandbox_id is None or c.sandbox_id == sandbox_id
        ]

    # -- exec, attach, port-forward, stats ----------------------------------------------

    async def exec_sync(
        self, container_id: str, command: list[str], timeout_seconds: float
    ) -> ExecResult:
        process = self._exec(container_id, command, stdin=False, tty=False)
        chunks: dict[int, list[bytes]] = {STDOUT: [], STDERR: []}

        async def collect() -> int:
            async for stream, data in process.output():
                chunks[stream].append(data)
            return await process.wait()

        try:
            async with asyncio.timeout(timeout_seconds or None):
                code = await collect()
        except TimeoutError:
            process.kill()
            raise RuntimeError_(
                f"timeout {timeout_seconds}s exceeded running {command!r}"
            ) from None
        return ExecResult(
            exit_code=code, stdout=b"".join(chunks[STDOUT]), stderr=b"".join(chunks[STDERR])
        )

    async def exec(
        self, container_id: str, command: list[str], *, stdin: bool, tty: bool
    ) -> ExecProcess:
        return self._exec(container_id, command, stdin=stdin, tty=tty)

    def _exec(
        self, container_id: str, command: list[str], *, stdin: bool, tty: bool
    ) -> ExecProcess:
        record = self._running(container_id)
        if not command:
            raise RuntimeError_("exec: no command")
        live = self._live[container_id]
        sandbox = self._sandbox(record.sandbox_id)
        namespaces = [(f"/proc/{record.pid}/ns/{kind}", flag) for kind, flag in _NS_KINDS]
        setup = ChildSetup(
            argv=tuple(command),
            env=self._environment(record, sandbox),
            cwd=record.working_dir,
            namespaces=tuple(namespaces),
            cgroup_procs=tuple(live.cgroup.procs_files()) if live.cgroup else (),
            uid=record.config.security.run_as_user,
            gid=record.config.security.run_as_group,
        )
        if tty:
            master, slave = os.openpty()
            ours = {"stdin": master, "stdout": os.dup(master), "stderr": None}
            theirs = (slave, slave, slave)
        else:
            out_r, out_w = os.pipe2(os.O_CLOEXEC)
            err_r, err_w = os.pipe2(os.O_CLOEXEC)
            if stdin:
                in_r, in_w = os.pipe2(os.O_CLOEXEC)
            else:
                in_r, in_w = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC), None
            ours = {"stdin": in_w, "stdout": out_r, "stderr": err_r}
            theirs = (in_r, out_w, err_w)
        try:
            pid = spawn(setup, *theirs, tty=tty)
        except (SpawnError, OSError) as exc:
            for fd in [*set(theirs), *(fd for fd in ours.values() if fd is not None)]:
                os.close(fd)
            raise RuntimeError_(f"exec failed: {exc}") from exc
        for fd in set(theirs):
            os.close(fd)
        process = ExecProcess(
            pid,
            stdin_fd=ours["stdin"] if (stdin or tty) else _closed(ours["stdin"]),
            stdout_fd=ours["stdout"],  # type: ignore[arg-type]
            stderr_fd=ours["stderr"],
            tty=tty,
            on_exit=lambda p: live.execs.remove(p) if p in live.execs else None,
        )
        live.execs.append(process)
        return process

    async def attach(self, container_id: str, *, stdin: bool, tty: bool) -> AttachSession:
        record = self._running(container_id)
        if stdin and not record.config.stdin:
            raise RuntimeError_(f"container {container_id} was not created with stdin")
        live = self._live[container_id]
        session = AttachSession(
            stdin_path=os.path.join(record.directory, "stdin") if stdin else None,
            tty=tty or record.config.tty,
            on_close=lambda s: live.attached.remove(s) if s in live.attached else None,
        )
        live.attached.append(session)
        return session

    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        sandbox = self._sandbox(sandbox_id)
        if sandbox.state is not SandboxState.READY:
            raise RuntimeError_(f"pod sandbox {sandbox_id} is not ready")
        netns = sandbox.netns_path or None
        sock = await in_own_thread(lambda: connect_in(netns, port))
        return await asyncio.open_connection(sock=sock)

    async def container_stats(self, container_id: str) -> ContainerStats:
        record = self._container(container_id)
        cpu, memory = 0, 0
        live = self._live.get(container_id)
        if record.state is ContainerState.RUNNING:
            if live is not None and live.cgroup is not None:
                cpu = live.cgroup.cpu_usage_ns() or 0
                memory = live.cgroup.memory_working_set() or 0
            else:
                cpu, memory = proc_usage(record.pid)
        return ContainerStats(
            container_id=container_id,
            timestamp_ns=time.time_ns(),
            cpu_usage_core_nanoseconds=cpu,
            memory_working_set_bytes=memory,
        )

    # -- images -------------------------------------------------------------------------

    async def list_images(self) -> list[Image]:
        return self._image_store().list()

    async def image_status(self, ref: str) -> Image | None:
        return self._image_store().find(ref)

    async def pull_image(self, ref: str) -> str:
        try:
            return self._image_store().record(ref, pulled=True).id
        except ImagePullError:
            raise
        except RuntimeError_ as exc:
            raise ImagePullError(str(exc)) from exc

    async def remove_image(self, ref: str) -> None:
        self._image_store().remove(ref)

    async def import_image(self, archive_path: str) -> list[str]:
        try:
            names = await asyncio.to_thread(archive_names, archive_path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RuntimeError_(f"cannot import {archive_path}: {exc}") from exc
        store = self._image_store()
        return [store.record(name, pulled=False).repo_tags[0] for name in names]

    # -- internals ----------------------------------------------------------------------

    def _image_store(self) -> ImageStore:
        if self._images is None:
            raise RuntimeError_("the runtime is not started")
        return self._images

    def _sandbox(self, sandbox_id: str) -> SandboxRecord:
        try:
            return self._sandboxes[sandbox_id]
        except KeyError:
            raise NotFoundError(f"pod sandbox {sandbox_id!r} not found") from None

    def _container(self, container_id: str) -> ContainerRecord:
        try:
            return self._containers[container_id]
        except KeyError:
            raise NotFoundError(f"container {container_id!r} not found") from None

    def _running(self, container_id: str) -> ContainerRecord:
        record = self._container(container_id)
        if record.state is not ContainerState.RUNNING or container_id not in self._live:
            raise RuntimeError_(f"container {container_id} is not running")
        return record

    def _containers_of(self, sandbox_id: str) -> list[ContainerRecord]:
        return [c for c in self._containers.values() if c.sandbox_id == sandbox_id]

    def _sandbox_dir(self, sandbox_id: str) -> str:
        return os.path.join(self.root, "sandboxes", sandbox_id)

    def _save_sandbox(self, record: SandboxRecord) -> None:
        state.save(os.path.join(self._sandbox_dir(record.id), "sandbox.json"), record)

    def _save_container(self, record: ContainerRecord) -> None:
        state.save(os.path.join(record.directory, "container.json"), record)

    def _environment(self, record: ContainerRecord, sandbox: SandboxRecord) -> dict[str, str]:
        env = {"PATH": DEFAULT_PATH}
        uid = record.config.security.run_as_user
        if uid is None or uid == 0:
            env["HOME"] = "/root"
        env["HOSTNAME"] = (
            socket.gethostname() if sandbox.config.host_network else _hostname(sandbox.config)
        )
        env.update(dict(record.config.env))
        return env

    def _status(self, record: ContainerRecord) -> ContainerStatus:
        message = record.message
        resources = record.config.resources
        wants_limits = resources.memory_limit_bytes or resources.cpu_limit_millis
        if wants_limits and self.limits_unavailable and not message:
            message = f"resource limits are not enforced: {self.limits_unavailable}"
        return ContainerStatus(
            id=record.id,
            sandbox_id=record.sandbox_id,
            name=record.config.name,
            state=record.state,
            image=record.config.image,
            image_ref=record.image_ref,
            attempt=record.config.attempt,
            exit_code=record.exit_code,
            reason=record.reason,
            message=message,
            created_at_ns=record.created_at_ns,
            started_at_ns=record.started_at_ns,
            finished_at_ns=record.finished_at_ns,
            log_path=record.log_path,
        )

    def _unwatch(self, live: _Live) -> None:
        if live.pidfd is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(live.pidfd)
            os.close(live.pidfd)
            live.pidfd = None
        for pump in live.pumps:
            pump.close()
        live.pumps.clear()

    def _load(self) -> None:
        """Read the persisted records and re-attach to the containers still running."""
        for path, sandbox in state.load_all(
            os.path.join(self.root, "sandboxes"), "sandbox.json", SandboxRecord
        ):
            if isinstance(sandbox, Exception):
                log.error("ignoring unreadable sandbox record %s: %s", path, sandbox)
                continue
            if sandbox.owns_netns and not os.path.exists(sandbox.netns_path):
                sandbox.state = SandboxState.NOTREADY
            self._sandboxes[sandbox.id] = sandbox
        for path, container in state.load_all(
            os.path.join(self.root, "containers"), "container.json", ContainerRecord
        ):
            if isinstance(container, Exception):
                log.error("ignoring unreadable container record %s: %s", path, container)
                continue
            if container.sandbox_id not in self._sandboxes:
                log.error("container record %s names an unknown sandbox; ignored", path)
                continue
            self._containers[container.id] = container
            if container.state is ContainerState.RUNNING:
                self._reattach(container)

    def _reattach(self, record: ContainerRecord) -> None:
        live = _Live()
        self._live[record.id] = live
        if record.cgroup and self._cgroups is not None:
            live.cgroup = self._cgroups.existing(record.cgroup)
        if state.process_start_time(record.pid) != record.pid_start or not record.pid_start:
            self._exited(record, live)  # it ended while nobody watched
            return
        for stream, name in ((STDOUT, "stdout"), (STDERR, "stderr")):
            fifo = os.path.join(record.directory, name)
            live.writers[stream] = CriLogWriter(record.log_path, name)
            with contextlib.suppress(OSError):
                live.pumps.append(self._pump(record.id, fifo, stream))
        self._watch_exit(record, live)


_NS_KINDS = (("net", linux.CLONE_NEWNET), ("uts", linux.CLONE_NEWUTS), ("mnt", linux.CLONE_NEWNS))


def _sandbox_namespaces(sandbox: SandboxRecord) -> tuple[tuple[str, int], ...]:
    found = []
    if sandbox.netns_path:
        found.append((sandbox.netns_path, linux.CLONE_NEWNET))
    return tuple(found)


def _sandbox_status(record: SandboxRecord) -> PodSandboxStatus:
    return PodSandboxStatus(
        id=record.id,
        name=record.config.name,
        namespace=record.config.namespace,
        uid=record.config.uid,
        state=record.state,
        ip=record.ip if record.state is SandboxState.READY else "",
        created_at_ns=record.created_at_ns,
        labels=dict(record.config.labels),
    )


def _hostname(config: PodSandboxConfig) -> str:
    return (config.hostname or config.name)[:63]


def _closed(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)
