"""The process runtime's image records: references are recorded, never fetched.

Containers run host programs, so an image is only a name the kubelet and ``kubectl`` show.
``pull_image`` validates the reference (the Docker reference grammar's shape) and records it;
a registry host under the reserved ``.invalid`` top-level domain (RFC 6761: it never
resolves) fails as an unreachable registry would. ``import_image`` records the names an OCI
(``index.json``) or docker (``manifest.json``) archive carries. Records persist in
``images.json`` so a restarted runtime still lists them.
"""

from __future__ import annotations

import json
import os

from microkube.contracts.runtime import Image, ImagePullError, RuntimeError_
from microkube.images import image_id, normalize_ref


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
