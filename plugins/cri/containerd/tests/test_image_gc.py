"""Image garbage collection: above the high threshold, unused images go, least recently used
first, until below the low one; images in use and the sandbox image stay."""

from __future__ import annotations

from microkube_cri_containerd.image_gc import ImageGarbageCollector
from microkube_cri_containerd.options import ContainerdOptions

from microkube.contracts.runtime import ContainerState, ContainerStatus, Image

GB = 1_000_000_000


class Images:
    """The part of the runtime image GC uses, over a list of images."""

    def __init__(self, images: list[Image], used: list[str]) -> None:
        self.images = images
        self.used = used
        self.removed: list[str] = []

    async def image_fs_usage(self) -> tuple[str, int]:
        return "/var/lib/containerd", sum(i.size_bytes for i in self.images)

    async def list_images(self) -> list[Image]:
        return list(self.images)

    async def list_containers(self) -> list[ContainerStatus]:
        return [
            ContainerStatus(
                id=f"c{n}", sandbox_id="s", name="c", state=ContainerState.RUNNING, image=ref
            )
            for n, ref in enumerate(self.used)
        ]

    async def remove_image(self, ref: str) -> None:
        self.removed.append(ref)
        self.images = [i for i in self.images if i.id != ref]


def disk(used_fraction: list[float]):  # type: ignore[no-untyped-def]
    def usage(path: str) -> tuple[int, int]:
        return 100 * GB, int((1 - used_fraction[0]) * 100 * GB)

    return usage


def image(name: str, size: int) -> Image:
    return Image(id=f"sha256:{name}", repo_tags=(f"example.local/{name}:1",), size_bytes=size)


async def test_nothing_happens_below_the_high_threshold() -> None:
    runtime = Images([image("a", GB)], used=[])
    gc = ImageGarbageCollector(runtime, ContainerdOptions(), disk([0.5]))
    assert await gc.collect() == []


async def test_unused_images_go_oldest_first_down_to_the_low_threshold() -> None:
    old, newer, used = image("old", 3 * GB), image("newer", 3 * GB), image("used", 3 * GB)
    pause = Image(id="sha256:pause", repo_tags=("localhost/pause:local",), size_bytes=GB)
    runtime = Images([old, pause, used], used=["example.local/used:1"])
    fraction = [0.5]
    gc = ImageGarbageCollector(runtime, ContainerdOptions(), disk(fraction))
    await gc.collect()  # first sight of the images: "old" is seen before "newer"
    runtime.images.append(newer)
    await gc.collect()
    fraction[0] = 0.9  # 90 % used: 10 % (10 GB) over the low threshold of 80 %
    removed = await gc.collect()
    assert removed[0] == old.id and newer.id in removed
    assert used.id not in removed and pause.id not in removed


async def test_stops_once_enough_is_freed() -> None:
    images = [image(name, 6 * GB) for name in "abc"]
    runtime = Images(images, used=[])
    gc = ImageGarbageCollector(runtime, ContainerdOptions(), disk([0.86]))
    removed = await gc.collect()  # 6 GB over the low threshold: one image of 6 GB is enough
    assert len(removed) == 1
