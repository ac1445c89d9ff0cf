"""Hollow images: names only, kept in memory, exactly as the kubelet spells them.

Nothing is fetched. A pull succeeds unless the registry host is under the reserved
``.invalid`` top-level domain (RFC 6761: such names never resolve), which is how tests ask
for an image pull error. An import records the names an OCI (``index.json``) or docker
(``manifest.json``) archive carries.
"""

from __future__ import annotations

import hashlib
import json
import tarfile

from microkube.contracts.runtime import Image, ImagePullError, RuntimeError_


def registry_host(ref: str) -> str:
    """The registry host of a reference (``docker.io`` when it names none)."""
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first.split(":", 1)[0]
    return "docker.io"


class HollowImages:
    """The images a hollow node "has"."""

    def __init__(self) -> None:
        self._by_ref: dict[str, Image] = {}

    def list(self) -> list[Image]:
        return list({image.id: image for image in self._by_ref.values()}.values())

    def find(self, ref: str) -> Image | None:
        image = self._by_ref.get(ref)
        if image is None and ref.startswith("sha256:"):
            image = next((i for i in self._by_ref.values() if i.id == ref), None)
        return image

    def pull(self, ref: str) -> Image:
        host = registry_host(ref)
        if not ref or " " in ref:
            raise ImagePullError(f"failed to pull image {ref!r}: invalid reference")
        if host == "invalid" or host.endswith(".invalid"):
            raise ImagePullError(
                f"failed to pull image {ref!r}: dial tcp: lookup {host}: no such host"
            )
        return self.record(ref)

    def record(self, ref: str) -> Image:
        image = self._by_ref.get(ref)
        if image is None:
            digest = hashlib.sha256(ref.encode()).hexdigest()
            image = Image(id=f"sha256:{digest}", repo_tags=(ref,))
            self._by_ref[ref] = image
        return image

    def remove(self, ref: str) -> None:
        image = self.find(ref)
        if image is not None:
            for tag in image.repo_tags:
                self._by_ref.pop(tag, None)

    def import_archive(self, path: str) -> list[str]:
        try:
            names = _archive_names(path)
        except (OSError, ValueError, KeyError, TypeError, tarfile.TarError) as exc:
            raise RuntimeError_(f"cannot import {path}: {exc}") from exc
        for name in names:
            self.record(name)
        return names


def _archive_names(path: str) -> list[str]:
    with tarfile.open(path) as tar:
        members = {m.name.lstrip("./"): m for m in tar.getmembers()}
        if "index.json" in members:
            index = _load(tar, members["index.json"])
            names = []
            for manifest in index.get("manifests", []):
                notes = manifest.get("annotations") or {}
                name = notes.get("io.containerd.image.name") or notes.get(
                    "org.opencontainers.image.ref.name", ""
                )
                if name and ("/" in name or ":" in name):
                    names.append(name)
            return names
        if "manifest.json" in members:
            return [t for entry in _load(tar, members["manifest.json"]) for t in entry["RepoTags"]]
    raise ValueError("neither an OCI nor a docker image archive")


def _load(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict | list:
    stream = tar.extractfile(member)
    if stream is None:
        raise ValueError(f"{member.name} is not a file")
    return json.load(stream)
