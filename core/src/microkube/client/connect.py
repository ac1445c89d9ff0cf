"""How a component finds and reaches the API server it works for.

Every component but the API server itself takes an option ``kubeconfig`` (a path). Without
it, a component finds its own by name, the rule kubeadm's ``/etc/kubernetes/<name>.conf``
files follow:

1. ``options["kubeconfig"]`` when set;
2. else ``<data-dir>/kubeconfigs/<identity>.conf`` when that file exists — the API server
   component writes one per identity (``scheduler``, ``controller-manager``, ``kube-proxy``,
   ``kubelet-<node name>``) with that component's client certificate;
3. else ``<data-dir>/kubeconfig``, the admin kubeconfig (``microkube up`` prints its path).

The API server writes the admin file last, so a component waits for it (bounded) and only
then looks for its own. :func:`connect` then waits, bounded, until the server answers
``/readyz``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.errors import TransportError

__all__ = [
    "KUBECONFIGS_DIR",
    "connect",
    "find_kubeconfig",
    "kubeconfig_path",
    "own_kubeconfig",
    "wait_for_kubeconfig",
    "wait_until_ready",
]

#: Where the per-component kubeconfigs live, under the data directory.
KUBECONFIGS_DIR = "kubeconfigs"


def kubeconfig_path(data_dir: str | os.PathLike[str], options: Mapping[str, Any]) -> Path:
    """``options["kubeconfig"]``, else ``<data-dir>/kubeconfig`` (the admin one)."""
    chosen = options.get("kubeconfig")
    return Path(chosen) if chosen else Path(data_dir) / "kubeconfig"


def own_kubeconfig(
    data_dir: str | os.PathLike[str], options: Mapping[str, Any], identity: str | None
) -> Path:
    """The kubeconfig of ``identity`` by the rule above, as the files are now."""
    if options.get("kubeconfig") or not identity:
        return kubeconfig_path(data_dir, options)
    own = Path(data_dir) / KUBECONFIGS_DIR / f"{identity}.conf"
    return own if own.exists() else kubeconfig_path(data_dir, options)


async def find_kubeconfig(
    data_dir: str | os.PathLike[str],
    options: Mapping[str, Any],
    identity: str | None,
    within: float = 30.0,
) -> Path:
    """Wait (bounded) for the kubeconfig the API server writes last, then apply the rule."""
    await wait_for_kubeconfig(kubeconfig_path(data_dir, options), within)
    return await asyncio.to_thread(own_kubeconfig, data_dir, options, identity)


async def wait_for_kubeconfig(path: Path, within: float = 30.0) -> None:
    """Return once ``path`` exists (the API server writes it as it starts); TimeoutError
    naming the path after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await asyncio.to_thread(path.exists):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"no kubeconfig at {path} (is the API server running?)")
        await asyncio.sleep(0.1)


async def wait_until_ready(api: ApiClient, within: float = 30.0) -> None:
    """Return once ``GET /readyz`` answers 200; TimeoutError naming the server after
    ``within`` seconds."""
    deadline = time.monotonic() + within
    last: Exception | None = None
    while True:
        try:
            response = await api.http.request("GET", "/readyz")
            if response.ok:
                return
            last = RuntimeError(f"/readyz answered HTTP {response.status}")
        except (TransportError, OSError, TimeoutError) as exc:
            last = exc
        if time.monotonic() >= deadline:
            raise TimeoutError(f"API server {api.config.server} not ready: {last}")
        await asyncio.sleep(0.1)


async def connect(
    data_dir: str | os.PathLike[str],
    options: Mapping[str, Any],
    *,
    identity: str | None = None,
    within: float = 30.0,
    **client_options: Any,
) -> ApiClient:
    """An :class:`ApiClient` for the kubeconfig of ``identity`` (by the rule above), once its
    server is ready.

    The kubeconfig file may not exist yet when components start together (the API server
    writes it as it starts): it is waited for within the same ``within`` seconds.
    """
    deadline = time.monotonic() + within
    path = await find_kubeconfig(data_dir, options, identity, within)
    api = ApiClient.from_kubeconfig(path, **client_options)
    try:
        await wait_until_ready(api, max(0.1, deadline - time.monotonic()))
    except BaseException:
        await api.close()
        raise
    return api
