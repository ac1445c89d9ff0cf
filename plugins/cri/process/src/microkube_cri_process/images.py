"""The process runtime's image records: references are recorded, never fetched.

Containers run host programs, so an image is only a name the kubelet and ``kubectl`` show.
``pull_image`` validates the reference (the Docker reference grammar's shape) and records it;
a registry host under the reserved ``.invalid`` top-level domain (RFC 6761: it never
resolves) fails as an unreachable registry would. ``import_image`` records the names an OCI
(``index.json``) or docker (``manifest.json``) archive carries. Records persist in
``images.json`` so a restarted runtime still lists them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tarfile

from microkube.contracts.runtime import Image, ImagePullError, RuntimeError_

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
    """A stable id for a recorded reference (nothing was fetched, so no content digest)."""
    return "sha256:" + hashlib.sha256(ref.encode()).hexdigest()


def archive_names(path: str) -> list[str]:
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


class ImageStore:
    """Recorded images, by id, persisted in ``<root>/images.json``."""

    def __init__(self, root: str) -> None:
        self._path = os.path.join(root, "images.json")
        self._images: dict[str, Image] = {}
        try:
            with open(self._path) as f:
                for entry in json.load(f):
                    self._images[entry["id"]] = Image(
                        id=entry["id"],
                        repo_tags=tuple(entry.get("repo_tags", ())),
                        repo_digests=tuple(entry.get("repo_digests", ())),
                    )
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RuntimeError_(f"cannot read the image records {self._path}: {exc}") from exc

    def list(self) -> list[Image]:
        return list(self._images.values())

    def find(self, ref: str) -> Image | None:
        if ref in self._images:
            return self._images[ref]
        try:
            normal = normalize_ref(ref)
        except ValueError:
            return None
        return next((i for i in self._images.values() if normal in i.repo_tags), None)

    def record(self, ref: str, *, pulled: bool) -> Image:
        """Record ``ref``; ``pulled``: apply the pull rules (ImagePullError when refused)."""
        try:
            normal = normalize_ref(ref)
        except ValueError as exc:
            error = ImagePullError if pulled else RuntimeError_
            raise error(f"failed to pull and unpack image {ref!r}: {exc}") from None
        domain = normal.split("/", 1)[0].split(":", 1)[0]
        if pulled and (domain == "invalid" or domain.endswith(".invalid")):
            raise ImagePullError(
                f"failed to pull and unpack image {ref!r}: failed to resolve reference "
                f"{normal!r}: dial tcp: lookup {domain}: no such host"
            )
        existing = self.find(normal)
        if existing is not None:
            return existing
        image = Image(id=image_id(normal), repo_tags=(normal,))
        self._images[image.id] = image
        self._save()
        return image

    def remove(self, ref: str) -> None:
        image = self.find(ref)
        if image is not None:
            del self._images[image.id]
            self._save()

    def _save(self) -> None:
        entries = [
            {"id": i.id, "repo_tags": list(i.repo_tags), "repo_digests": list(i.repo_digests)}
            for i in self._images.values()
        ]
        tmp = self._path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(entries, f)
        os.replace(tmp, self._path)
