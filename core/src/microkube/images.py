"""Image references and archives as container runtimes see them (no registry involved).

``normalize_ref`` checks a reference against the Docker reference grammar's shape and writes
it fully qualified, as containerd's CRI stores it; ``archive_names`` lists the images an OCI
or docker archive carries. The process and hollow runtimes and the kit's fake runtime share
them.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from pathlib import Path

__all__ = ["archive_names", "image_id", "normalize_ref"]

_NAME = re.compile(
    r"^(?P<path>[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[a-z0-9]+:[a-fA-F0-9]{32,}))?$"
)


def normalize_ref(ref: str) -> str:
    """The fully qualified reference, as containerd's CRI stores it: ``busybox`` ->
    ``docker.io/library/busybox:latest``. ValueError for a malformed reference."""
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        domain, remainder = first, rest
    else:
        domain, remainder = "docker.io", ref
    match = _NAME.match(remainder)
    if not ref or match is None:
        raise ValueError(f"invalid image reference {ref!r}")
    path = match.group("path")
    if domain == "docker.io" and "/" not in path:
        path = "library/" + path
    if match.group("digest"):
        return f"{domain}/{path}@{match.group('digest')}"
    return f"{domain}/{path}:{match.group('tag') or 'latest'}"


def image_id(ref: str) -> str:
    """A stable id for a reference a runtime records without fetching content (so no
    content digest): the same reference always gets the same id."""
    return "sha256:" + hashlib.sha256(ref.encode()).hexdigest()


def archive_names(path: str | Path) -> list[str]:
    """The image names an OCI (``index.json``) or docker (``manifest.json``) archive holds."""
    with tarfile.open(path) as tar:
        members = {m.name.lstrip("./"): m for m in tar.getmembers()}
        if "index.json" in members:
            names = []
            for manifest in _load(tar, members["index.json"]).get("manifests", []):
                notes = manifest.get("annotations") or {}
                name = notes.get("io.containerd.image.name") or notes.get(
                    "org.opencontainers.image.ref.name", ""
                )
                if name and ("/" in name or ":" in name):
                    names.append(name)
            return names
        if "manifest.json" in members:
            return [t for entry in _load(tar, members["manifest.json"]) for t in entry["RepoTags"]]
    raise ValueError(f"{path} is neither an OCI nor a docker image archive")


def _load(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict | list:
    stream = tar.extractfile(member)
    if stream is None:
        raise ValueError(f"{member.name} is not a file")
    return json.load(stream)
