"""What the runtime persists so a restarted kubelet finds its pods: one JSON file per
sandbox and per container, rewritten atomically on every change.

Layout under the runtime's root directory::

    sandboxes/<id>/sandbox.json     the sandbox record (and ``resolv.conf``, from its DNS config)
    containers/<id>/container.json  the container record
    containers/<id>/stdout|stderr|stdin   FIFOs (see :mod:`microkube_cri_process.logs`)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any, TypeVar

import attrs
import cattrs

from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    PodSandboxConfig,
    SandboxState,
)

T = TypeVar("T")

_converter = cattrs.Converter()


@attrs.define(kw_only=True)
class SandboxRecord:
    id: str
    config: PodSandboxConfig
    state: SandboxState
    created_at_ns: int
    #: The network namespace containers enter ("" = the host's).
    netns_path: str = ""
    #: Whether this runtime made (and so removes) ``netns_path``.
    owns_netns: bool = False
    ip: str = ""


@attrs.define(kw_only=True)
class ContainerRecord:
    id: str
    sandbox_id: str
    config: ContainerConfig
    image_ref: str
    log_path: str
    directory: str
    working_dir: str
    state: ContainerState = ContainerState.CREATED
    created_at_ns: int = 0
    started_at_ns: int = 0
    finished_at_ns: int = 0
    exit_code: int = 0
    reason: str = ""
    message: str = ""
    #: The main process and its start time (clock ticks since boot): a pid is the same
    #: process again only when both match.
    pid: int = 0
    pid_start: int = 0
    #: cgroup directories by hierarchy (empty: none).
    cgroup: dict[str, str] = attrs.field(factory=dict)
    #: The signal this runtime last sent the container to stop it (0: none).
    stop_signal: int = 0
    #: Mount points (and working directory) this container made on the host, outermost
    #: first: removed with the container when nothing else uses them.
    made_paths: list[str] = attrs.field(factory=list)


def to_json(record: Any) -> str:
    return json.dumps(_converter.unstructure(record))


def from_json(text: str, cls: type[T]) -> T:
    return _converter.structure(json.loads(text), cls)


def save(path: str, record: Any) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(to_json(record))
    os.replace(tmp, path)


def load_all(directory: str, filename: str, cls: type[T]) -> Iterator[tuple[str, T | Exception]]:
    """(path, record) for each ``<directory>/*/<filename>``; an unreadable one is yielded as
    its exception (the caller reports it; nothing is deleted)."""
    if not os.path.isdir(directory):
        return
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name, filename)
        if not os.path.exists(path):
            continue
        try:
            with open(path) as f:
                yield path, from_json(f.read(), cls)
        except (OSError, ValueError, cattrs.BaseValidationError) as exc:
            yield path, exc


def process_start_time(pid: int) -> int:
    """Field 22 of ``/proc/<pid>/stat`` (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return 0
    return int(text.rsplit(")", 1)[1].split()[19])
