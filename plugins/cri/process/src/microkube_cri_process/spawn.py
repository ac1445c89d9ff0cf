"""Starting a container's (or an exec's) process: fork, enter the pod, exec.

The child, before ``exec``: starts its own session and process group (so the whole tree can
be signalled at once), enters the pod's namespaces (``setns``), joins the container's cgroup,
optionally gets its own UTS namespace named after the pod and its own mount namespace with
the volumes bind-mounted at their container paths, changes to the working directory, drops
to ``runAsUser``/``runAsGroup`` and execs the command with exactly the container's
environment. A failure in any step is reported back through a close-on-exec pipe and
becomes the error of the start — as runc's ``exec: "x": executable file not found in $PATH``.

Plain ``os.fork`` is used (not ``subprocess``) so that this runtime alone reaps its children:
``subprocess`` may reap a collected ``Popen``'s process behind the runtime's back.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import sys
import termios
import traceback
from collections.abc import Mapping, Sequence

import attrs

from microkube_cri_process import linux

#: The PATH a container gets when its environment sets none (as containerd's default spec).
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_RESTORED_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ)


@attrs.frozen(kw_only=True)
class BindMount:
    source: str
    target: str
    readonly: bool = False


@attrs.frozen(kw_only=True)
class ChildSetup:
    """What the child does between fork and exec. ``namespaces``: (path, CLONE_NEW* kind)
    to enter, in order; ``cgroup_procs``: ``cgroup.procs`` files to join."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: str
    namespaces: tuple[tuple[str, int], ...] = ()
    cgroup_procs: tuple[str, ...] = ()
    private_mounts: bool = False
    mounts: tuple[BindMount, ...] = ()
    #: Give the child its own UTS namespace with this hostname (None: keep the current one).
    hostname: str | None = None
    uid: int | None = None
    gid: int | None = None


class SpawnError(Exception):
    """The child could not be started; the message says which step failed and why."""


def spawn(setup: ChildSetup, stdin: int, stdout: int, stderr: int, *, tty: bool = False) -> int:
    """Fork and exec per ``setup`` with the given fds as 0, 1 and 2 (``tty``: ``stdin`` is a
    pty's slave, made the controlling terminal). Returns the pid; SpawnError on failure."""
    pid, report = fork_child(setup, stdin, stdout, stderr, tty=tty)
    return child_started(pid, _read_all(report), report)


async def wait_started(pid: int, report: int) -> int:
    """The async end of :func:`fork_child`: wait (in a thread, so the event loop keeps
    serving while the child sets itself up; a kubelet starting a hundred containers starts
    them side by side) for the child's exec or error. Returns the pid; SpawnError on failure."""
    outcome = await asyncio.get_running_loop().run_in_executor(None, _read_all, report)
    return child_started(pid, outcome, report)


def fork_child(
    setup: ChildSetup, stdin: int, stdout: int, stderr: int, *, tty: bool = False
) -> tuple[int, int]:
    """Fork the child; returns its pid and the read end of its report pipe (EOF at exec,
    an error message if a step failed)."""
    ns_fds = [(os.open(path, os.O_RDONLY | os.O_CLOEXEC), kind) for path, kind in setup.namespaces]
    cgroup_fds = [os.open(p, os.O_WRONLY | os.O_CLOEXEC) for p in setup.cgroup_procs]
    error_r, error_w = os.pipe2(os.O_CLOEXEC)
    try:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(setup, ns_fds, cgroup_fds, error_w, (stdin, stdout, stderr), tty)
    except BaseException:
        os.close(error_r)
        raise
    finally:
        os.close(error_w)
        for fd in [fd for fd, _ in ns_fds] + cgroup_fds:
            os.close(fd)
    return pid, error_r


def child_started(pid: int, error: bytes, report: int) -> int:
    """The pid once the child reported ``error`` (empty: it exec'd); SpawnError otherwise."""
    os.close(report)
    if error:
        os.waitpid(pid, 0)
        raise SpawnError(error.decode(errors="replace"))
    return pid


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    return b"".join(chunks)


def _child(
    setup: ChildSetup,
    ns_fds: Sequence[tuple[int, int]],
    cgroup_fds: Sequence[int],
    error_fd: int,
    stdio: tuple[int, int, int],
    tty: bool,
) -> None:
    step = "setsid"
    try:
        # Python ignores SIGPIPE and SIGXFSZ; an ignored signal stays ignored across exec.
        for signum in _RESTORED_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        os.setsid()
        for fd in cgroup_fds:
            step = "join the container's cgroup"
            os.write(fd, str(os.getpid()).encode())
        for fd, kind in ns_fds:
            step = "enter the pod's namespaces"
            linux.setns(fd, kind)
        if setup.hostname is not None:
            step = f"set the hostname {setup.hostname!r}"
            linux.unshare(linux.CLONE_NEWUTS)
            linux.sethostname(setup.hostname)
        if setup.private_mounts:
            step = "make the mount namespace"
            linux.unshare(linux.CLONE_NEWNS)
            linux.mount(None, "/", linux.MS_REC | linux.MS_PRIVATE)
            for mount in setup.mounts:
                step = f"mount {mount.source} at {mount.target}"
                linux.bind_mount(mount.source, mount.target, readonly=mount.readonly)
        step = f"change to the working directory {setup.cwd}"
        os.chdir(setup.cwd)
        step = "set up stdio"
        for target, fd in enumerate(stdio):
            os.dup2(fd, target, inheritable=True)
        if tty:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        if setup.gid is not None:
            step = f"set group {setup.gid}"
            os.setgroups([setup.gid])
            os.setgid(setup.gid)
        if setup.uid is not None:
            step = f"set user {setup.uid}"
            if setup.gid is None:
                os.setgroups([])
            os.setuid(setup.uid)
        os.closerange(3, error_fd)
        os.closerange(error_fd + 1, 1 << 16)
        step = "exec"
        argv = list(setup.argv)
        try:
            os.execvpe(argv[0], argv, dict(setup.env))
        except FileNotFoundError:
            message = f'exec: "{argv[0]}": executable file not found in $PATH'
            if "/" in argv[0]:
                message = f'exec: "{argv[0]}": no such file or directory'
            os.write(error_fd, message.encode())
            os._exit(127)
        except PermissionError:
            os.write(error_fd, f'exec: "{argv[0]}": permission denied'.encode())
            os._exit(126)
    except BaseException as exc:
        try:
            os.write(error_fd, f"failed to {step}: {exc}".encode())
        except BaseException:
            traceback.print_exc(file=sys.stderr)
        os._exit(127)
    os._exit(127)
