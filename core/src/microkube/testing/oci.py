"""Build small OCI image archives in pure Python, for runtime tests without a registry.

``build_oci_archive(path, "example.local/tools:1", files={"/bin/hello": (b"...", 0o755)})``
writes an OCI image layout tarball (one uncompressed layer) that ``ctr images import`` and
``ContainerRuntime.import_image`` accept. The image name is stored in the index annotations
``io.containerd.image.name`` and ``org.opencontainers.image.ref.name`` (the tag).
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import Path

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"

_ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}

FileSpec = bytes | tuple[bytes, int]


def build_oci_archive(
    path: str | Path,
    name: str,
    *,
    files: Mapping[str, FileSpec] | None = None,
    symlinks: Mapping[str, str] | None = None,
    cmd: Iterable[str] = (),
    env: Iterable[str] = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",),
) -> Path:
    """Write an OCI archive of one layer holding ``files`` (content, or (content, mode)) and
    ``symlinks`` (link path -> target); returns ``path``."""
    layer = _layer(files or {}, symlinks or {})
    layer_digest = _digest(layer)
    config = _json(
        {
            "architecture": _ARCHES.get(platform.machine(), platform.machine()),
            "os": "linux",
            "config": {"Env": list(env), "Cmd": list(cmd)},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        }
    )
    manifest = _json(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": {"mediaType": CONFIG, "digest": _digest(config), "size": len(config)},
            "layers": [{"mediaType": LAYER, "digest": layer_digest, "size": len(layer)}],
        }
    )
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else "latest"
    index = _json(
        {
            "schemaVersion": 2,
            "mediaType": INDEX,
            "manifests": [
                {
                    "mediaType": MANIFEST,
                    "digest": _digest(manifest),
                    "size": len(manifest),
                    "annotations": {
                        "io.containerd.image.name": name,
                        "org.opencontainers.image.ref.name": tag,
                    },
                }
            ],
        }
    )
    path = Path(path)
    with tarfile.open(path, "w") as tar:
        _add(tar, "oci-layout", _json({"imageLayoutVersion": "1.0.0"}))
        _add(tar, "index.json", index)
        for blob in (layer, config, manifest):
            _add(tar, "blobs/sha256/" + _digest(blob).removeprefix("sha256:"), blob)
    return path


def _layer(files: Mapping[str, FileSpec], symlinks: Mapping[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        dirs: set[str] = set()
        entries = sorted({*files, *symlinks})
        for entry in entries:
            parts = entry.strip("/").split("/")[:-1]
            for i in range(1, len(parts) + 1):
                directory = "/".join(parts[:i])
                if directory not in dirs:
                    dirs.add(directory)
                    info = tarfile.TarInfo(directory)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
            if entry in symlinks:
                info = tarfile.TarInfo(entry.strip("/"))
                info.type, info.linkname = tarfile.SYMTYPE, symlinks[entry]
                tar.addfile(info)
            else:
                spec = files[entry]
                content, mode = spec if isinstance(spec, tuple) else (spec, 0o644)
                _add(tar, entry.strip("/"), content, mode)
    return buffer.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def _digest(blob: bytes) -> str:
    return "sha256:" + hashlib.sha256(blob).hexdigest()
