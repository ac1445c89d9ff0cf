"""What a hollow container does: when it runs, when it exits and with which code, its usage.

Decided once, at create time, from (first match wins):

1. the pod's annotations (``hollow.microkube.io/<key>`` for every container, or
   ``hollow.microkube.io/<key>.<container name>`` for one): ``start-delay``, ``exit-after``
   (durations: ``5s``, ``1m30s``, ``250ms`` or plain seconds), ``exit-code``,
   ``exit-reason`` (``OOMKilled``, say; default ``Completed``/``Error``), ``cpu``
   (a quantity: ``250m``), ``memory`` (``64Mi``);
2. the container's command, for the few commands the kit's fake runtime emulates
   (``sleep N`` exits 0 after N seconds, ``sh -c 'exit 3'`` exits 3, ``echo hi`` logs and
   exits 0, ``true``/``false``);
3. the runtime's options (``start-delay``, ``exit-after``, ``exit-code``, ``cpu-millicores``,
   ``memory-bytes``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from microkube.api.quantity import Quantity
from microkube.contracts.runtime import ContainerConfig, RuntimeError_
from microkube.testing.fakes.runtime import container_behaviour
from microkube_cri_hollow.options import HollowOptions

PREFIX = "hollow.microkube.io/"
KEYS = ("start-delay", "exit-after", "exit-code", "exit-reason", "cpu", "memory")
_NS = 1_000_000_000
_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": _NS, "m": 60 * _NS}
_UNITS["h"] = 3600 * _NS
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


@attrs.frozen(kw_only=True)
class Plan:
    """Times in nanoseconds; ``exit_after_ns`` None: runs until stopped."""

    start_delay_ns: int = 0
    exit_after_ns: int | None = None
    exit_code: int = 0
    #: The exit reason ("" = ``Completed`` for 0, else ``Error``).
    reason: str = ""
    message: str = ""
    logs: bytes = b""
    cpu_millis: int = 0
    memory_bytes: int = 0


def parse_duration(text: str) -> int:
    """Nanoseconds of a Go duration (``1m30s``, ``250ms``) or of plain seconds (``2.5``)."""
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds < 0:
            raise ValueError(f"negative duration {text!r}")
        return int(seconds * _NS)
    position, total = 0, 0
    for match in _DURATION.finditer(text):
        if match.start() != position:
            break
        total += int(float(match.group(1)) * _UNITS[match.group(2)])
        position = match.end()
    if not text or position != len(text):
        raise ValueError(f"invalid duration {text!r} (examples: 5s, 1m30s, 250ms)")
    return total


def plan_for(
    config: ContainerConfig, annotations: Mapping[str, str], options: HollowOptions
) -> Plan:
    """The container's plan (RuntimeError_ naming the annotation when one is malformed)."""
    notes = {**annotations, **config.annotations}

    def note(key: str) -> str | None:
        return notes.get(f"{PREFIX}{key}.{config.name}", notes.get(f"{PREFIX}{key}"))

    try:
        delay = note("start-delay")
        exit_after = note("exit-after")
        exit_code = note("exit-code")
        cpu = note("cpu")
        memory = note("memory")
        code = int(exit_code) if exit_code is not None else options.exit_code
        plan = Plan(
            start_delay_ns=parse_duration(delay) if delay else int(options.start_delay * _NS),
            cpu_millis=Quantity(cpu).milli_value() if cpu else options.cpu_millicores,
            memory_bytes=Quantity(memory).value() if memory else options.memory_bytes,
        )
        if exit_after is not None:
            return attrs.evolve(
                plan,
                exit_after_ns=parse_duration(exit_after),
                exit_code=code,
                reason=note("exit-reason") or "",
            )
    except ValueError as exc:
        keys = ", ".join(PREFIX + k for k in KEYS)
        raise RuntimeError_(f"container {config.name!r}: bad annotation ({keys}): {exc}") from None
    emulated = container_behaviour((*config.command, *config.args), stdin=config.stdin)
    if emulated.exit_code is not None:
        return attrs.evolve(
            plan,
            exit_after_ns=int(emulated.after * _NS),
            exit_code=emulated.exit_code,
            message=emulated.message,
            logs=emulated.logs,
        )
    if options.exit_after is not None:
        return attrs.evolve(plan, exit_after_ns=int(options.exit_after * _NS), exit_code=code)
    return plan
