"""``microkube images import <archive.tar>...`` and ``microkube images list``: images in
containerd's ``k8s.io`` namespace, where the CRI plugin (and so every pod) sees them — as
``k3s ctr images import`` or ``kind load image-archive``.

The containerd is ``--address``, else ``options.containerd.address`` of the configuration,
else the one ``microkube up --runtime containerd`` runs under the data directory.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from microkube.config import ConfigError
from microkube.contracts.runtime import RuntimeError_

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--address", help="containerd's socket (default: the cluster's)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    importing = actions.add_parser("import", help="import OCI or docker image archives")
    importing.add_argument("archives", nargs="+", metavar="ARCHIVE", help="an image .tar")
    actions.add_parser("list", help="list the images pods can use")


def _address(args: argparse.Namespace) -> str:
    from microkube_cri_containerd.options import parse_options

    if args.address:
        return str(args.address)
    config = getattr(args, "config", None)
    options = parse_options(((config.options if config else None) or {}).get("containerd", {}))
    if options.address:
        return options.address
    data_dir = Path(config.data_dir if config else ".microkube")
    return str(Path(options.root_dir or data_dir / "containerd") / "containerd.sock")


async def _run(args: argparse.Namespace, address: str) -> int:
    from microkube_cri_containerd.options import ContainerdOptions
    from microkube_cri_containerd.runtime import ContainerdRuntime

    runtime = ContainerdRuntime(ContainerdOptions(address=address, image_gc_period=0))
    await runtime.start()
    try:
        if args.action == "import":
            for archive in args.archives:
                for name in await runtime.import_image(archive):
                    print(f"imported {name}")
            return 0
        rows = [("IMAGE", "ID", "SIZE")]
        for image in sorted(await runtime.list_images(), key=lambda i: i.repo_tags):
            for name in image.repo_tags or ("<none>",):
                rows.append((name, image.id.removeprefix("sha256:")[:13], _size(image.size_bytes)))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            print(
                "   ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
        return 0
    finally:
        await runtime.close()


def _size(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:.1f}{unit}"
        size /= 1000  # type: ignore[assignment]
    return str(size)


def run(args: argparse.Namespace) -> int:
    try:
        address = _address(args)
    except ConfigError as exc:
        print(f"microkube images: {exc}", file=sys.stderr)
        return 2
    if args.action == "import":
        missing = [a for a in args.archives if not Path(a).is_file()]
        if missing:
            print(f"microkube images: {missing[0]}: no such file", file=sys.stderr)
            return 1
        args.archives = [str(Path(a).resolve()) for a in args.archives]
    if not Path(address.removeprefix("unix://")).exists():
        print(
            f"microkube images: no containerd at {address} "
            "(start the cluster with --runtime containerd, or pass --address)",
            file=sys.stderr,
        )
        return 1
    try:
        return asyncio.run(_run(args, address))
    except (RuntimeError_, OSError) as exc:
        print(f"microkube images: {exc}", file=sys.stderr)
        return 1
