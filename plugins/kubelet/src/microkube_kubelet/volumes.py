"""A pod's volumes under ``<root-dir>/pods/<uid>/volumes/<plugin>/<name>``, as upstream's
in-tree volume plugins lay them out, and the container mounts that use them.

ConfigMap, Secret, downwardAPI and projected volumes are written with
:func:`~microkube_kubelet.atomic_writer.write_atomically`, so :meth:`PodVolumes.refresh`
propagates changes the way the upstream kubelet does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import stat
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from microkube.api.quantity import Quantity
from microkube.contracts.runtime import Mount
from microkube_kubelet.atomic_writer import write_atomically
from microkube_kubelet.downward import DownwardError, field_value, resource_value
from microkube_kubelet.env import ContainerConfigError, configmap_data, decode_secret_data
from microkube_kubelet.expansion import expand, mapping_func

__all__ = ["PodVolumes", "VolumeError", "VolumeSources", "container_mounts"]

log = logging.getLogger(__name__)

#: A projected service-account token is requested again after this share of its lifetime.
TOKEN_REFRESH_FRACTION = 0.8
_PLUGIN_DIRS = {
    "emptyDir": "kubernetes.io~empty-dir",
    "configMap": "kubernetes.io~configmap",
    "secret": "kubernetes.io~secret",
    "downwardAPI": "kubernetes.io~downward-api",
    "projected": "kubernetes.io~projected",
}


class VolumeError(Exception):
    """A volume that cannot be set up (reported as ``FailedMount``)."""

    def __init__(self, volume: str, message: str) -> None:
        super().__init__(f'MountVolume.SetUp failed for volume "{volume}" : {message}')
        self.volume = volume


class VolumeSources(Protocol):
    async def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None: ...

    async def request_token(
        self,
        namespace: str,
        service_account: str,
        *,
        audiences: list[str],
        expiration_seconds: int,
        pod: Mapping[str, Any],
    ) -> str:
        """A bound service-account token (TokenRequest); raises with the server's reason."""


class PodVolumes:
    """Sets up, refreshes and tears down one pod's volumes."""

    def __init__(
        self,
        pod_dir: Path,
        sources: VolumeSources,
        *,
        host_ip: str = "",
        allocatable: Mapping[str, str] | None = None,
        notes: list[str] | None = None,
    ) -> None:
        self.pod_dir = pod_dir
        self.sources = sources
        self.host_ip = host_ip
        self.allocatable = dict(allocatable or {})
        self.paths: dict[str, str] = {}
        self._tmpfs: list[Path] = []
        #: (namespace, account, audience, seconds) -> (token, monotonic time to refresh it);
        #: a bound token is reused until 80% of its lifetime passed, as the kubelet's token
        #: manager does, not fetched again on every volume refresh.
        self._tokens: dict[tuple[str, str, str, int], tuple[str, float]] = {}
        #: things worth an event that are not failures (e.g. no tmpfs without root)
        self.notes: list[str] = notes if notes is not None else []

    async def setup(self, pod: Mapping[str, Any], pod_ip: str = "") -> dict[str, str]:
        """Every volume of ``pod`` ready on disk; name -> host path. Raises VolumeError."""
        for volume in (pod.get("spec") or {}).get("volumes") or ():
            name = volume.get("name", "")
            try:
                self.paths[name] = await self._setup_one(pod, volume, pod_ip)
            except VolumeError:
                raise
            except ContainerConfigError as exc:
                raise VolumeError(name, str(exc)) from None
            except (OSError, ValueError, DownwardError) as exc:
                raise VolumeError(name, str(exc)) from None
        return dict(self.paths)

    async def teardown(self) -> None:
        """Unmount tmpfs volumes and remove the pod's volume directories."""
        for path in self._tmpfs:
            await _run("umount", str(path))
        self._tmpfs.clear()
        await asyncio.to_thread(shutil.rmtree, self.pod_dir / "volumes", True)

    def _dir(self, kind: str, name: str) -> Path:
        return self.pod_dir / "volumes" / _PLUGIN_DIRS[kind] / name

    async def _setup_one(
        self, pod: Mapping[str, Any], volume: Mapping[str, Any], pod_ip: str
    ) -> str:
        name = volume.get("name", "")
        namespace = (pod.get("metadata") or {}).get("namespace") or "default"
        if "hostPath" in volume:
            return await asyncio.to_thread(_host_path, volume["hostPath"])
        if "emptyDir" in volume:
            return await self._empty_dir(name, volume.get("emptyDir") or {})
        if "configMap" in volume:
            source = volume["configMap"]
            files = await self._configmap_files(namespace, source, source.get("defaultMode", 0o644))
            return await self._write("configMap", name, files)
        if "secret" in volume:
            source = volume["secret"]
            files = await self._secret_files(namespace, source, source.get("defaultMode", 0o644))
            return await self._write("secret", name, files)
        if "downwardAPI" in volume:
            source = volume["downwardAPI"]
            files = self._downward_files(pod, source, source.get("defaultMode", 0o644), pod_ip)
            return await self._write("downwardAPI", name, files)
        if "projected" in volume:
            return await self._write(
                "projected", name, await self._projected(pod, volume["projected"], pod_ip)
            )
        kinds = sorted(k for k in volume if k != "name")
        raise VolumeError(
            name, f"volume type {', '.join(kinds) or '(none)'} is not supported by this kubelet"
        )

    async def _write(self, kind: str, name: str, files: dict[str, tuple[bytes, int]]) -> str:
        target = self._dir(kind, name)
        await asyncio.to_thread(write_atomically, target, files)
        return str(target)

    async def _empty_dir(self, name: str, source: Mapping[str, Any]) -> str:
        path = self._dir("emptyDir", name)
        fresh = not path.exists()
        await asyncio.to_thread(path.mkdir, parents=True, exist_ok=True)
        if fresh:
            path.chmod(0o777)  # upstream: emptyDir is world-writable
        if source.get("medium") == "Memory" and fresh:
            if os.geteuid() != 0:
                self.notes.append(
                    f'emptyDir volume "{name}" with medium Memory is a plain directory: the '
                    "kubelet is not root and cannot mount tmpfs"
                )
                return str(path)
            options = (
                ["-o", f"size={Quantity(str(source['sizeLimit'])).value()}"]
                if source.get("sizeLimit")
                else []
            )
            code, error = await _run("mount", "-t", "tmpfs", *options, "tmpfs", str(path))
            if code == 0:
                self._tmpfs.append(path)
            else:
                self.notes.append(
                    f'emptyDir volume "{name}" with medium Memory is a plain directory: '
                    f"mounting tmpfs failed: {error}"
                )
        return str(path)

    async def _configmap_files(
        self, namespace: str, source: Mapping[str, Any], mode: int
    ) -> dict[str, tuple[bytes, int]]:
        found = await self.sources.get("configmaps", namespace, source.get("name", ""))
        if found is None:
            if source.get("optional"):
                return {}
            raise ContainerConfigError(f'configmap "{source.get("name", "")}" not found')
        return _project(
            configmap_data(found),
            source.get("items"),
            mode,
            "configmap references non-existent config key",
        )

    async def _secret_files(
        self, namespace: str, source: Mapping[str, Any], mode: int
    ) -> dict[str, tuple[bytes, int]]:
        secret_name = source.get("secretName") or source.get("name", "")
        found = await self.sources.get("secrets", namespace, secret_name)
        if found is None:
            if source.get("optional"):
                return {}
            raise ContainerConfigError(f'secret "{secret_name}" not found')
        return _project(
            decode_secret_data(found),
            source.get("items"),
            mode,
            "secret references non-existent secret key",
        )

    def _downward_files(
        self, pod: Mapping[str, Any], source: Mapping[str, Any], mode: int, pod_ip: str
    ) -> dict[str, tuple[bytes, int]]:
        files: dict[str, tuple[bytes, int]] = {}
        containers = {c.get("name"): c for c in (pod.get("spec") or {}).get("containers") or ()}
        for item in source.get("items") or ():
            item_mode = item.get("mode", mode)
            if "fieldRef" in item:
                value = field_value(
                    pod,
                    item["fieldRef"].get("fieldPath", ""),
                    pod_ip=pod_ip,
                    host_ip=self.host_ip,
                    volume=True,
                )
            elif "resourceFieldRef" in item:
                ref = item["resourceFieldRef"]
                container = containers.get(ref.get("containerName"))
                if container is None:
                    raise DownwardError(
                        f'resourceFieldRef names unknown container "{ref.get("containerName")}"'
                    )
                value = resource_value(
                    container, ref.get("resource", ""), ref.get("divisor"), self.allocatable
                )
            else:
                raise DownwardError(
                    f'downwardAPI item "{item.get("path")}" has no fieldRef or resourceFieldRef'
                )
            files[item.get("path", "")] = (value.encode(), item_mode)
        return files

    async def _projected(
        self, pod: Mapping[str, Any], projected: Mapping[str, Any], pod_ip: str
    ) -> dict[str, tuple[bytes, int]]:
        mode = projected.get("defaultMode", 0o644)
        meta = pod.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        files: dict[str, tuple[bytes, int]] = {}
        for source in projected.get("sources") or ():
            if "configMap" in source:
                files.update(await self._configmap_files(namespace, source["configMap"], mode))
            elif "secret" in source:
                files.update(await self._secret_files(namespace, source["secret"], mode))
            elif "downwardAPI" in source:
                files.update(self._downward_files(pod, source["downwardAPI"], mode, pod_ip))
            elif "serviceAccountToken" in source:
                token_source = source["serviceAccountToken"]
                token = await self._token(pod, namespace, token_source)
                files[token_source.get("path", "token")] = (token.encode(), mode)
            else:
                kinds = ", ".join(sorted(source)) or "(none)"
                raise ContainerConfigError(f"projected source {kinds} is not supported")
        return files

    async def _token(
        self, pod: Mapping[str, Any], namespace: str, token_source: Mapping[str, Any]
    ) -> str:
        """The pod's bound token for one projected source: the cached one until 80% of its
        lifetime passed, then a new TokenRequest."""
        account = (pod.get("spec") or {}).get("serviceAccountName") or "default"
        audience = str(token_source.get("audience") or "")
        seconds = int(token_source.get("expirationSeconds", 3600))
        key = (namespace, account, audience, seconds)
        cached = self._tokens.get(key)
        if cached is not None and time.monotonic() < cached[1]:
            return cached[0]
        try:
            token = await self.sources.request_token(
                namespace,
                account,
                audiences=[audience] if audience else [],
                expiration_seconds=seconds,
                pod=pod,
            )
        except Exception as exc:
            raise ContainerConfigError(f"failed to fetch token: {exc}") from None
        self._tokens[key] = (token, time.monotonic() + TOKEN_REFRESH_FRACTION * seconds)
        return token


def _project(
    data: Mapping[str, bytes], items: Any, mode: int, missing: str
) -> dict[str, tuple[bytes, int]]:
    if not items:
        return {key: (value, mode) for key, value in data.items()}
    files: dict[str, tuple[bytes, int]] = {}
    for item in items:
        key = item.get("key", "")
        if key not in data:
            raise ContainerConfigError(f"{missing}: {key}")
        files[item.get("path") or key] = (data[key], item.get("mode", mode))
    return files


_HOST_PATH_CHECKS = {
    "Directory": (stat.S_ISDIR, "is not a directory"),
    "File": (stat.S_ISREG, "is not a file"),
    "Socket": (stat.S_ISSOCK, "is not a socket file"),
    "CharDevice": (stat.S_ISCHR, "is not a character device"),
    "BlockDevice": (stat.S_ISBLK, "is not a block device"),
}


def _host_path(source: Mapping[str, Any]) -> str:
    path = Path(source.get("path", ""))
    kind = source.get("type") or ""
    if kind == "DirectoryOrCreate":
        if not path.exists():
            path.mkdir(mode=0o755, parents=True)
        kind = "Directory"
    elif kind == "FileOrCreate":
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o644)
        kind = "File"
    if kind:
        if kind not in _HOST_PATH_CHECKS:
            raise ValueError(f"hostPath type {kind!r} is not supported")
        check, message = _HOST_PATH_CHECKS[kind]
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise ValueError(f"hostPath type check failed: {path} {message}") from None
        if not check(mode):
            raise ValueError(f"hostPath type check failed: {path} {message}")
    return str(path)


def container_mounts(
    container: Mapping[str, Any], volumes: Mapping[str, str], env: list[tuple[str, str]]
) -> tuple[Mount, ...]:
    """The CRI mounts of ``container`` (subPath created inside the volume when missing)."""
    mounts = []
    lookup = mapping_func(dict(env))
    for mount in container.get("volumeMounts") or ():
        name = mount.get("name", "")
        if name not in volumes:
            raise ContainerConfigError(f'volume "{name}" is not set up')
        host = Path(volumes[name])
        sub = mount.get("subPath") or ""
        if mount.get("subPathExpr"):
            sub = expand(mount["subPathExpr"], lookup)
        if sub:
            if Path(sub).is_absolute() or ".." in Path(sub).parts:
                raise ContainerConfigError(f"subPath {sub!r} must be relative without '..'")
            host = host / sub
            if not host.exists() and not host.is_symlink():
                host.mkdir(parents=True, exist_ok=True)
        mounts.append(
            Mount(
                container_path=mount.get("mountPath", ""),
                host_path=str(host),
                readonly=bool(mount.get("readOnly")),
            )
        )
    return tuple(mounts)


async def _run(*argv: str) -> tuple[int, str]:
    with contextlib.suppress(FileNotFoundError):
        process = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        _, err = await process.communicate()
        return process.returncode or 0, err.decode(errors="replace").strip()
    return 127, f"{argv[0]}: not found"
