"""Image references and archives, as a container runtime sees them."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path


def normalize_ref(ref: str) -> str:
    """The fully qualified form of an image reference, as containerd's CRI stores it:
    ``busybox`` -> ``docker.io/library/busybox:latest``."""
    if not ref:
        raise ValueError("empty image reference")
    name, digest = [*ref.split("@", 1), ""][:2]
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        domain, path = "docker.io", name
    else:
        domain, path = first, rest
    if domain == "docker.io" and "/" not in path:
        path = "library/" + path
    if digest:
        return f"{domain}/{path}@{digest}"
    if ":" not in path.rsplit("/", 1)[-1]:
        path += ":latest"
    return f"{domain}/{path}"


def image_id(ref: str) -> str:
    """A stable fake image id for a normalised reference."""
    return "sha256:" + hashlib.sha256(ref.encode()).hexdigest()


def archive_names(path: str | Path) -> list[str]:
    """The image names an OCI (``index.json``) or docker (``manifest.json``) archive holds."""
    with tarfile.open(path) as tar:
        members = {m.name.lstrip("./"): m for m in tar.getmembers()}
        if "index.json" in members:
            index = _load(tar, members["index.json"])
            names = []
            for manifest in index.get("manifests", []):
                annotations = manifest.get("annotations") or {}
                name = annotations.get("io.containerd.image.name") or annotations.get(
                    "org.opencontainers.image.ref.name", ""
                )
                if name and ("/" in name or ":" in name):
                    names.append(name)
            return names
        if "manifest.json" in members:
            return [
                tag for entry in _load(tar, members["manifest.json"]) for tag in entry["RepoTags"]
            ]
    raise ValueError(f"{path} is neither an OCI nor a docker image archive")


def _load(tar: tarfile.TarFile, member: tarfile.TarInfo) -> object:
    stream = tar.extractfile(member)
    if stream is None:
        raise ValueError(f"{member.name} is not a file")
    return json.load(stream)
