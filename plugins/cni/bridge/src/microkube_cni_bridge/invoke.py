"""Executing one CNI plugin binary as the spec's exec protocol says.

The command and the attachment go in ``CNI_*`` environment variables, the network
configuration as JSON on stdin; the plugin answers with a result (or, for VERSION, its
supported versions) as JSON on stdout and exit status 0, or an error object
``{"code", "msg", "details"}`` and a non-zero status. Errors become
:class:`~microkube.contracts.cni.CNIError` with the plugin's own code.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from microkube.contracts.cni import CNIError

__all__ = [
    "DECODE_FAILURE",
    "INVALID_ENVIRONMENT",
    "IO_FAILURE",
    "PLUGIN_FAILED",
    "Invocation",
    "find_plugin",
    "invoke",
]

#: The spec's well-known error codes used by the runtime side.
INVALID_ENVIRONMENT = 4
IO_FAILURE = 5
DECODE_FAILURE = 6
#: The plugin exited non-zero without an error object on stdout (not a spec code: >= 100 is
#: plugin-specific, and this one is ours).
PLUGIN_FAILED = 999


@attrs.frozen(kw_only=True)
class Invocation:
    """One call: ``command`` is ADD, DEL, CHECK or VERSION."""

    command: str
    container_id: str = ""
    netns: str = ""
    ifname: str = ""
    #: ``CNI_ARGS``: ``K=V;K=V``.
    args: Mapping[str, str] = attrs.field(factory=dict)

    def environment(self, bin_dirs: Sequence[str]) -> dict[str, str]:
        env = {
            "CNI_COMMAND": self.command,
            "CNI_PATH": os.pathsep.join(bin_dirs),
            # The plugins exec iptables and the IPAM plugin: keep a usable PATH.
            "PATH": os.environ.get("PATH") or "/usr/sbin:/usr/bin:/sbin:/bin",
        }
        if self.command != "VERSION":
            env["CNI_CONTAINERID"] = self.container_id
            env["CNI_NETNS"] = self.netns
            env["CNI_IFNAME"] = self.ifname
            if self.args:
                env["CNI_ARGS"] = ";".join(f"{k}={v}" for k, v in self.args.items())
        return env


def find_plugin(plugin_type: str, bin_dirs: Sequence[str]) -> str:
    """The executable named ``plugin_type`` in the first directory holding it."""
    if not plugin_type or "/" in plugin_type:
        raise CNIError(7, "invalid plugin type", repr(plugin_type))
    for directory in bin_dirs:
        path = os.path.join(directory, plugin_type)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise CNIError(
        IO_FAILURE,
        f"failed to find plugin {plugin_type!r}",
        f"looked in {', '.join(bin_dirs) or 'no directory'}",
    )


async def invoke(
    config: Mapping[str, Any],
    invocation: Invocation,
    *,
    bin_dirs: Sequence[str],
    node_netns: str | None = None,
    time_limit: float = 30.0,
) -> dict[str, Any]:
    """Run the plugin ``config["type"]``; returns its JSON answer ({} for an empty one, as
    DEL and CHECK give). ``node_netns``: run it in that network namespace (``nsenter``)."""
    binary = find_plugin(str(config.get("type", "")), bin_dirs)
    argv = [binary]
    if node_netns:
        argv = ["nsenter", f"--net={node_netns}", "--", binary]
    stdin = json.dumps(config).encode()
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=invocation.environment(bin_dirs),
            cwd="/",
        )
    except OSError as exc:
        raise CNIError(IO_FAILURE, f"cannot execute {binary}", str(exc)) from None
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(stdin), time_limit or None)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise CNIError(
            IO_FAILURE, f"{config.get('type')} {invocation.command} timed out after {time_limit}s"
        ) from None
    answer = _decode(stdout)
    if process.returncode != 0:
        raise _error(config, invocation, answer, stderr, process.returncode)
    if answer is None:
        raise CNIError(
            DECODE_FAILURE,
            f"{config.get('type')} {invocation.command} wrote no JSON result",
            stdout.decode(errors="replace")[:500],
        )
    return answer


def _decode(stdout: bytes) -> dict[str, Any] | None:
    text = stdout.strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _error(
    config: Mapping[str, Any],
    invocation: Invocation,
    answer: dict[str, Any] | None,
    stderr: bytes,
    returncode: int | None,
) -> CNIError:
    where = f"{config.get('type')} {invocation.command}"
    if answer and isinstance(answer.get("code"), int):
        return CNIError(
            answer["code"], f"{where}: {answer.get('msg', '')}", str(answer.get("details", ""))
        )
    output = stderr.decode(errors="replace").strip()[:500]
    return CNIError(PLUGIN_FAILED, f"{where} exited with status {returncode}", output)
