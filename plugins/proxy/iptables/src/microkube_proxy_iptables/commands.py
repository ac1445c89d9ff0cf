"""Running iptables-restore, iptables-save and conntrack (in a network namespace if asked)."""

from __future__ import annotations

import asyncio
import contextlib
import re


class IptablesError(RuntimeError):
    """An iptables command failed; the message names the command and what it said."""


class Iptables:
    """The iptables binaries of one mode (``legacy`` or ``nft``), optionally run inside the
    network namespace ``netns`` (through ``nsenter``)."""

    def __init__(self, mode: str = "legacy", netns: str | None = None) -> None:
        self.mode = mode
        self.prefix = ["nsenter", f"--net={netns}"] if netns else []

    async def _run(self, argv: list[str], stdin: str | None = None) -> tuple[int, str, str]:
        try:
            process = await asyncio.create_subprocess_exec(
                *self.prefix,
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError:
            missing = self.prefix[0] if self.prefix else argv[0]
            raise IptablesError(f"{missing}: not installed") from None
        out, err = await process.communicate(stdin.encode() if stdin is not None else None)
        assert process.returncode is not None
        return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    async def restore(self, data: str) -> None:
        """``iptables-restore --noflush``: replace only the chains ``data`` names."""
        if not data:
            return
        argv = [f"iptables-{self.mode}-restore", "-w", "--noflush"]
        code, _, err = await self._run(argv, data)
        if code:
            raise IptablesError(f"{' '.join(argv)}: {_with_context(err.strip(), data)}")

    async def save(self, table: str) -> str:
        """``iptables-save -t TABLE``."""
        argv = [f"iptables-{self.mode}-save", "-t", table]
        code, out, err = await self._run(argv)
        if code:
            raise IptablesError(f"{' '.join(argv)}: {err.strip() or f'exit status {code}'}")
        return out

    async def forget_conntrack(self, protocol: str, original_dst: str, nat_dst: str = "") -> None:
        """Delete conntrack entries to ``original_dst`` (DNATed to ``nat_dst``, if given), as
        kube-proxy does for UDP when endpoints go away; "nothing to delete" is no error."""
        argv = ["conntrack", "-D", "-p", protocol.lower(), "--orig-dst", original_dst]
        if nat_dst:
            argv += ["--dst-nat", nat_dst]
        # Without conntrack-tools the entries age out instead.
        with contextlib.suppress(IptablesError):
            await self._run(argv)


def _with_context(error: str, data: str) -> str:
    """iptables-restore names the failing line ("line 12 failed"): quote it."""
    match = re.search(r"line:? (\d+)", error)
    if not match:
        return error
    lines = data.splitlines()
    number = int(match.group(1))
    if 1 <= number <= len(lines):
        return f"{error} (line {number}: {lines[number - 1]})"
    return error
