"""A real containerd for tests, started by PID in a directory the test owns (subprocess only).

:class:`Containerd` writes the configuration these machines need (``restrict_oom_score_adj``,
a locally imported sandbox image, runc state under the base directory, CNI from
``/usr/lib/cni`` with a ``conf_template`` of bridge + host-local + portmap that containerd
renders once it is told the pod CIDR through CRI ``UpdateRuntimeConfig``), starts
``containerd`` **inside a network namespace of its own** (a
:class:`~microkube.testing.netns.NetNamespace`, or one the caller gives, such as the namespace
a test cluster runs in; so the pod bridge, its veths and ``ip_forward`` never touch the host's
network), waits for its socket and imports the busybox
and pause images built by :mod:`microkube.testing.oci`. :meth:`Containerd.close` removes every
pod task (shims outlive containerd), stops containerd by PID, and removes what it left
outside the base directory: mounts, cgroups, its own network namespace, CNI result files and the
hard-coded ``/run/containerd`` directories (only when nothing else uses them).

Use it from a session- or module-scoped fixture: ``with Containerd(tmp) as containerd: ...``;
``containerd.address`` is the socket a runtime connects to, and pods given a
``cgroup_parent`` under ``containerd.cgroup_prefix`` have their cgroups removed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from microkube.testing.netns import NetNamespace
from microkube.testing.oci import FileSpec, build_oci_archive

__all__ = [
    "BUSYBOX_IMAGE",
    "PAUSE_IMAGE",
    "Containerd",
    "ContainerdError",
    "busybox_image_archive",
    "containerd_available",
    "python_image_archive",
]

#: The test image: busybox-static and its applet links (entrypoint ``/bin/sh``).
BUSYBOX_IMAGE = "localhost/busybox:bb"
#: The sandbox ("pause") image: busybox sleeping for ever.
PAUSE_IMAGE = "localhost/pause:local"
#: The CRI plugin's containerd namespace.
K8S_NAMESPACE = "k8s.io"

BUSYBOX = Path("/usr/bin/busybox")
CNI_BIN_DIR = "/usr/lib/cni"
APPLETS = [
    "sh",
    "ls",
    "cat",
    "echo",
    "sleep",
    "env",
    "id",
    "hostname",
    "ip",
    "ps",
    "true",
    "false",
    "nc",
    "wget",
    "mkdir",
    "date",
    "printf",
    "head",
    "tail",
    "grep",
    "kill",
    "dd",
    "touch",
    "rm",
    "sync",
    "yes",
    "seq",
    "wc",
    "tr",
    "sed",
    "awk",
    "test",
    "expr",
    "stat",
    "uname",
    "mount",
]
_RUN_CONTAINERD = Path("/run/containerd")
_CNI_RESULTS = Path("/var/lib/cni/results")
_CGROUP_ROOT = Path("/sys/fs/cgroup")


class ContainerdError(Exception):
    """containerd could not be started or answered wrongly."""


def containerd_available() -> str | None:
    """``None`` when a containerd can run here, else why not (for ``pytest.skip``)."""
    if os.geteuid() != 0:
        return "containerd needs root"
    for tool in ("containerd", "ctr", "runc", "ip", "nsenter"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not BUSYBOX.exists():
        return f"{BUSYBOX} (busybox-static) is not installed"
    if not Path(CNI_BIN_DIR, "bridge").exists():
        return f"CNI plugins are not installed in {CNI_BIN_DIR}"
    return None


def busybox_image_archive(path: Path, name: str, entrypoint: tuple[str, ...] = ()) -> Path:
    """An OCI archive of busybox-static with its applet links, ``/etc/passwd`` and
    ``/etc/group``; ``entrypoint`` as the image's command (default ``/bin/sh``)."""
    files = {
        "/bin/busybox": (BUSYBOX.read_bytes(), 0o755),
        "/etc/passwd": b"root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n",
        "/etc/group": b"root:x:0:\nnobody:x:65534:\n",
        "/tmp/.keep": b"",
        "/proc/.keep": b"",
        "/sys/.keep": b"",
        "/dev/.keep": b"",
    }
    links = {f"/bin/{applet}": "busybox" for applet in APPLETS}
    return build_oci_archive(
        path, name, files=files, symlinks=links, cmd=entrypoint or ("/bin/sh",), env=("PATH=/bin",)
    )


def python_image_archive(path: Path, name: str) -> Path:
    """An OCI archive of the busybox image plus this machine's ``/usr/bin/python3`` with its
    standard library and the shared libraries it and its extension modules load (found with
    ``ldd``): enough for ``python3 -m http.server`` and ``python3 -c ...`` as in the
    ``python`` images tests name. About 50 MB."""
    binary = Path("/usr/bin/python3").resolve()
    version = binary.name.removeprefix("python")
    stdlib = Path(f"/usr/lib/python{version}")
    files: dict[str, FileSpec] = {
        "/bin/busybox": (BUSYBOX.read_bytes(), 0o755),
        "/etc/passwd": b"root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n",
        "/etc/group": b"root:x:0:\nnobody:x:65534:\n",
        "/tmp/.keep": b"",
        f"/usr/bin/{binary.name}": (binary.read_bytes(), 0o755),
    }
    skip = {"dist-packages", "site-packages", "test", "idlelib", "tkinter", "ensurepip"}
    for file in stdlib.rglob("*"):
        relative = file.relative_to(stdlib)
        if file.is_file() and not file.is_symlink() and not skip & set(relative.parts):
            files[str(file)] = (file.read_bytes(), file.stat().st_mode & 0o777)
    objects = [str(binary), *map(str, (stdlib / "lib-dynload").glob("*.so"))]
    listed = subprocess.run(["ldd", *objects], capture_output=True, text=True, check=False)
    for found in re.findall(r"(/\S+\.so[.\d]*) \(0x", listed.stdout):
        library = Path(found)
        files[str(library)] = (library.resolve().read_bytes(), 0o755)
    links = {f"/bin/{applet}": "busybox" for applet in APPLETS}
    links |= {"/usr/bin/python3": binary.name, "/usr/bin/python": binary.name}
    return build_oci_archive(
        path,
        name,
        files=files,
        symlinks=links,
        cmd=("python3",),
        env=("PATH=/usr/local/bin:/usr/bin:/bin",),
    )


def _config(base: Path, *, sandbox_image: str, network: str, bridge: str) -> str:
    cni = base / "cni"
    return f"""version = 2
root = "{base}/root"
state = "{base}/state"

[grpc]
  address = "{base}/containerd.sock"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "{base}/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "{sandbox_image}"
    netns_mounts_under_state_dir = true
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "{CNI_BIN_DIR}"
      conf_dir = "{cni}/net.d"
      conf_template = "{cni}/{network}.conflist.template"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          Root = "{base}/runc-root"
          SystemdCgroup = false
"""


def cni_template(base: Path, *, network: str, bridge: str) -> str:
    """The CNI conflist template containerd renders with the pod CIDR (``{{.PodCIDR}}``):
    bridge + host-local, then portmap for hostPorts. containerd adds loopback itself."""
    conflist = {
        "cniVersion": "1.0.0",
        "name": network,
        "plugins": [
            {
                "type": "bridge",
                "bridge": bridge,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "dataDir": str(base / "cni" / "ipam"),
                    "ranges": [[{"subnet": "{{.PodCIDR}}"}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    return json.dumps(conflist, indent=2)


class Containerd:
    """One containerd under ``base`` (keep the path short: socket paths stop at 108 bytes)."""

    def __init__(
        self,
        base: str | Path,
        *,
        sandbox_image: str = PAUSE_IMAGE,
        own_network_namespace: bool = True,
        netns: str | None = None,
        tag: str | None = None,
    ) -> None:
        """``netns``: the path of a network namespace to run in (the caller's to remove);
        otherwise one of its own, or the caller's namespace if ``own_network_namespace`` is
        false."""
        self.base = Path(base)
        #: names this instance's network, bridge, namespace and cgroup prefix (give the same
        #: tag to a containerd restarted on the same base directory)
        self.tag = tag or uuid.uuid4().hex[:8]
        self.network = f"mk{self.tag}"
        self.bridge = f"mkcd{self.tag[:6]}"
        self.sandbox_image = sandbox_image
        self._given_netns = netns
        self._own_netns: NetNamespace | None = None
        self._own = own_network_namespace and netns is None
        #: a cgroup parent prefix for the tests' pods (removed by :meth:`close`)
        self.cgroup_prefix = f"/microkube-{self.tag}"
        self.socket = self.base / "containerd.sock"
        self.log_file = self.base / "containerd.log"
        self.pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> Containerd:
        try:
            self.start()
            self.import_images()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def address(self) -> str:
        return str(self.socket)

    @property
    def netns_path(self) -> str | None:
        """The network namespace containerd runs in (None: the caller's)."""
        if self._given_netns:
            return self._given_netns
        return self._own_netns.path if self._own_netns is not None else None

    def start(self, timeout: float = 15.0) -> None:
        """Write the configuration, start containerd, and wait until its socket answers."""
        if len(str(self.socket)) > 100:
            raise ContainerdError(f"socket path too long for a unix socket: {self.socket}")
        (self.base / "cni" / "net.d").mkdir(parents=True, exist_ok=True)
        (self.base / "cni" / f"{self.network}.conflist.template").write_text(
            cni_template(self.base, network=self.network, bridge=self.bridge)
        )
        config = self.base / "config.toml"
        config.write_text(
            _config(
                self.base,
                sandbox_image=self.sandbox_image,
                network=self.network,
                bridge=self.bridge,
            )
        )
        if self._own and self._own_netns is None:
            self._own_netns = NetNamespace().start()
        self._spawn(config, timeout)

    def _spawn(self, config: Path, timeout: float) -> None:
        command = ["containerd", "--config", str(config)]
        if self.netns_path:
            command = ["nsenter", f"--net={self.netns_path}", "--", *command]
        with open(self.log_file, "ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self.pid = self._process.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ContainerdError(
                    f"containerd exited with {self._process.returncode}: {self._log_tail()}"
                )
            if self.socket.exists() and self.ctr("version", check=False).returncode == 0:
                return
            time.sleep(0.05)
        raise ContainerdError(f"containerd did not answer within {timeout}s: {self._log_tail()}")

    def restart(self, timeout: float = 15.0) -> None:
        """Start containerd again with the same configuration (after :meth:`stop`)."""
        self._spawn(self.base / "config.toml", timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM containerd by its PID and wait for it (its shims keep running)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def release_network_namespace(self) -> None:
        """Stop the process holding an own network namespace (it lives on while containerd
        or its shims are in it; the next :meth:`start` makes a new one)."""
        if self._own_netns is not None:
            self._own_netns.close()
            self._own_netns = None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def close(self) -> None:
        """Remove every pod's task, stop containerd, and undo what it did to the host."""
        if self.running():
            self._remove_tasks()
        self.stop()
        self._unmount_under(self.base)
        self.remove_cgroups()
        self._remove_cni_results()
        self.release_network_namespace()
        _remove_empty_tree(_RUN_CONTAINERD)
        for sub in ("root", "state", "runc-root", "opt", "cni/ipam"):
            shutil.rmtree(self.base / sub, ignore_errors=True)

    # -- images ---------------------------------------------------------------------------

    def import_images(self) -> None:
        """Build and import the busybox test image and the sandbox image."""
        images = self.base / "images"
        images.mkdir(exist_ok=True)
        self.import_archive(busybox_image_archive(images / "busybox.tar", BUSYBOX_IMAGE))
        self.import_archive(
            busybox_image_archive(
                images / "pause.tar", self.sandbox_image, ("/bin/sleep", "2147483647")
            )
        )

    def import_archive(self, archive: str | Path) -> None:
        self.ctr("images", "import", str(archive))

    # -- helpers --------------------------------------------------------------------------

    def ctr(
        self, *args: str, namespace: str = K8S_NAMESPACE, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``ctr`` against this containerd (namespace ``k8s.io`` by default)."""
        result = subprocess.run(
            ["ctr", "-a", str(self.socket), "-n", namespace, *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if check and result.returncode != 0:
            raise ContainerdError(f"ctr {' '.join(args)}: {result.stderr.strip()}")
        return result

    def _remove_tasks(self) -> None:
        for namespace in (K8S_NAMESPACE, "default"):
            listed = self.ctr("tasks", "ls", "-q", namespace=namespace, check=False)
            for task in listed.stdout.split():
                self.ctr("tasks", "kill", "-s", "SIGKILL", task, namespace=namespace, check=False)
            deadline = time.monotonic() + 5
            for task in listed.stdout.split():
                while time.monotonic() < deadline:
                    if (
                        self.ctr(
                            "tasks", "rm", "-f", task, namespace=namespace, check=False
                        ).returncode
                        == 0
                    ):
                        break
                    time.sleep(0.05)

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return " | ".join(line for line in lines[-5:])

    def _unmount_under(self, root: Path) -> None:
        prefix = str(root.resolve()) + "/"
        mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
        for target in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
            subprocess.run(["umount", "-l", target], check=False, capture_output=True)

    def remove_cgroups(self) -> None:
        """Remove the empty cgroup directories containerd leaves: the ``k8s.io`` top and
        the pods' ``cgroup_parent`` dirs (directories still in use stay)."""
        for hierarchy in _CGROUP_ROOT.iterdir():
            for name in (K8S_NAMESPACE, "default", self.cgroup_prefix.strip("/")):
                _rmdir_tree(hierarchy / name)

    def _remove_cni_results(self) -> None:
        if _CNI_RESULTS.is_dir():
            for result in _CNI_RESULTS.glob(f"{self.network}-*"):
                with contextlib.suppress(OSError):
                    result.unlink()
        _remove_empty_tree(Path("/var/lib/cni"))


def _rmdir_tree(path: Path) -> None:
    """Remove a cgroup tree depth-first (cgroup directories go with rmdir, not unlink)."""
    if not path.is_dir() or path.is_symlink():
        return
    for child in path.iterdir():
        if child.is_dir():
            _rmdir_tree(child)
    with contextlib.suppress(OSError):
        path.rmdir()


def _remove_empty_tree(path: Path) -> None:
    """Remove ``path`` and its sub-directories when they hold no file (left by containerd)."""
    if not path.is_dir():
        return
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            _remove_empty_tree(child)
    with contextlib.suppress(OSError):
        path.rmdir()
