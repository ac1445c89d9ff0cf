"""Hollow images: names only, kept in memory, exactly as the kubelet spells them.

Nothing is fetched. A pull succeeds unless the registry host is under the reserved
``.invalid`` top-level domain (RFC 6761: such names never resolve), which is how tests ask
for an image pull error. An import records the names an OCI (``index.json``) or docker
(``manifest.json``) archive carries.
"""

from __future__ import annotations

import tarfile

from microkube.contracts.runtime import Image, ImagePullError, RuntimeError_
from microkube.images import archive_names, image_id


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
            image = Image(id=image_id(ref), repo_tags=(ref,))
            self._by_ref[ref] = image
        return image

    def remove(self, ref: str) -> None:
        image = self.find(ref)
        if image is not None:
            for tag in image.repo_tags:
                self._by_ref.pop(tag, None)

    def import_archive(self, path: str) -> list[str]:
        try:
            names = archive_names(path)
        except (OSError, ValueError, KeyError, TypeError, tarfile.TarError) as exc:
            raise RuntimeError_(f"cannot import {path}: {exc}") from exc
        for name in names:
            self.record(name)
        return names
