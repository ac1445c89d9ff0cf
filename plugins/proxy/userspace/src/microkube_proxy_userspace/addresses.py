"""Service IPs as local addresses, so listeners can bind them and traffic to them is delivered.

Each is added as a /32 on the configured device (``lo`` by default) with the label
``<device>:mkproxy``; the label is how leftovers of an earlier run are recognised and removed.
Changes go through one ``ip -batch`` process per call (with ``nsenter`` for a namespace).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable


class AddressError(RuntimeError):
    """``ip`` could not add or remove an address; the message says which and why."""


class LocalAddresses:
    def __init__(self, device: str = "lo", netns: str | None = None) -> None:
        self.device = device
        self.label = f"{device}:mkproxy"
        self.prefix = ["nsenter", f"--net={netns}"] if netns else []

    async def _ip(self, *args: str, stdin: str | None = None) -> str:
        try:
            process = await asyncio.create_subprocess_exec(
                *self.prefix,
                "ip",
                *args,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError:
            missing = self.prefix[0] if self.prefix else "ip"
            raise AddressError(f"{missing}: not installed (iproute2 / util-linux)") from None
        out, err = await process.communicate(stdin.encode() if stdin is not None else None)
        if process.returncode:
            raise AddressError(f"ip {' '.join(args)}: {err.decode().strip()}")
        return out.decode()

    async def current(self) -> set[str]:
        """The addresses carrying this backend's label."""
        return _addresses(
            await self._ip("-o", "-4", "addr", "show", "dev", self.device, "label", self.label)
        )

    async def local(self) -> set[str]:
        """Every IPv4 address of the namespace, on any device."""
        return _addresses(await self._ip("-o", "-4", "addr", "show"))

    async def change(self, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        lines = [f"address del {ip}/32 dev {self.device}" for ip in sorted(remove)]
        lines += [f"address add {ip}/32 dev {self.device} label {self.label}" for ip in sorted(add)]
        if lines:
            await self._ip("-batch", "-", stdin="\n".join(lines) + "\n")


def _addresses(out: str) -> set[str]:
    found = set()
    for line in out.splitlines():
        fields = line.split()
        if "inet" in fields:
            found.add(fields[fields.index("inet") + 1].split("/")[0])
    return found
