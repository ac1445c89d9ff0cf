"""Container lifecycle handlers (``postStart``/``preStop``): exec, httpGet and sleep, as
upstream's ``lifecycle/handlers.go``."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from microkube_kubelet.prober import Prober, ProbeTarget

__all__ = ["HookError", "run_handler"]


class HookError(Exception):
    """A lifecycle handler failed; the message says how."""


async def run_handler(
    prober: Prober, handler: Mapping[str, Any], target: ProbeTarget, seconds: float
) -> None:
    if "exec" in handler:
        command = [str(part) for part in handler["exec"].get("command") or ()]
        result = await prober.runtime.exec_sync(target.container_id, command, seconds)
        if result.exit_code != 0:
            output = (result.stdout + result.stderr).decode(errors="replace").strip()
            raise HookError(
                f"command {' '.join(repr(c) for c in command)} exited with {result.exit_code}: "
                + output
            )
        return
    if "httpGet" in handler:
        outcome = await asyncio.wait_for(
            prober.run({"httpGet": handler["httpGet"], "timeoutSeconds": seconds}, target),
            seconds + 1,
        )
        if not outcome.success:
            path = handler["httpGet"].get("path", "/")
            raise HookError(f"HTTP lifecycle hook ({path}) failed: {outcome.output}")
        return
    if "sleep" in handler:
        await asyncio.sleep(min(float(handler["sleep"].get("seconds", 0)), seconds))
        return
    raise HookError("lifecycle handler has no action (exec, httpGet or sleep)")
