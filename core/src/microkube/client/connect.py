"""How a component finds and reaches the API server it works for.

Every component but the API server itself takes an option ``kubeconfig`` (a path); without it
the component uses ``<data-dir>/kubeconfig``, the file the API server component writes on
start. :func:`connect` then waits, bounded, until that server answers ``/readyz``.
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

__all__ = ["connect", "kubeconfig_path", "wait_for_kubeconfig", "wait_until_ready"]


def kubeconfig_path(data_dir: str | os.PathLike[str], options: Mapping[str, Any]) -> Path:
    """``options["kubeconfig"]``, else ``<data-dir>/kubeconfig``."""
    chosen = options.get("kubeconfig")
    return Path(chosen) if chosen else Path(data_dir) / "kubeconfig"


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
    within: float = 30.0,
    **client_options: Any,
) -> ApiClient:
    """An :class:`ApiClient` for the component's kubeconfig, once its server is ready.

    The kubeconfig file may not exist yet when components start together (the API server
    writes it as it starts): it is waited for within the same ``within`` seconds.
    """
    path = kubeconfig_path(data_dir, options)
    deadline = time.monotonic() + within
    await wait_for_kubeconfig(path, within)
    api = ApiClient.from_kubeconfig(path, **client_options)
    try:
        await wait_until_ready(api, max(0.1, deadline - time.monotonic()))
    except BaseException:
        await api.close()
        raise
    return api
