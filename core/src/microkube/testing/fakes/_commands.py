"""What the fake runtime's "processes" do: a few shell commands, emulated.

Containers: ``sleep N`` runs N seconds then exits 0; the emulated commands below run to
completion (their output goes to the log, ``sh -c 'exit N'`` exits N); ``cat`` with stdin
and anything else run until stopped. Exec: ``echo``, ``cat``
(stdin), ``true``/``false``, ``hostname``, ``env``, ``sh -c`` with ``exit N`` / ``echo ...``
(joined by ``;`` or ``&&``); unknown commands answer like a shell (127, "not found").
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence

import attrs

from microkube.contracts.runtime import ExecResult


@attrs.frozen(kw_only=True)
class ContainerBehaviour:
    """What a fake container does once started: exit with ``exit_code`` after ``after``
    seconds (``exit_code=None``: run until stopped). ``reason`` defaults to Completed/Error;
    ``stop_exit_code`` is the code reported when stopped (143: terminated by SIGTERM);
    ``logs`` is written to the container's log file at start."""

    exit_code: int | None = None
    after: float = 0.0
    reason: str = ""
    message: str = ""
    stop_exit_code: int = 143
    memory_bytes: int = 8 * 1024 * 1024
    logs: bytes = b""


RUN_FOREVER = ContainerBehaviour()


def container_behaviour(argv: Sequence[str], *, stdin: bool = False) -> ContainerBehaviour:
    """The built-in behaviour of a container whose entrypoint is ``argv``; ``stdin``: the
    container keeps its stdin open (``cat`` then runs until stopped)."""
    if not argv:
        return RUN_FOREVER
    program = argv[0].rsplit("/", 1)[-1]
    if program == "sleep" and len(argv) == 2:
        try:
            return ContainerBehaviour(exit_code=0, after=float(argv[1]))
        except ValueError:
            return ContainerBehaviour(exit_code=1, message=f"sleep: invalid time {argv[1]!r}")
    if program == "cat" and stdin:
        return RUN_FOREVER
    if program in ("sh", "bash") and len(argv) >= 3 and argv[1] == "-c":
        result = run_script(argv[2], stdin=b"", env={}, hostname="")
    elif program in _SCRIPTABLE:
        result = run_command(argv, stdin=b"", env={}, hostname="")
    else:
        result = None
    if result is None:
        return RUN_FOREVER
    return ContainerBehaviour(exit_code=result.exit_code, logs=result.stdout)


def run_command(
    argv: Sequence[str], *, stdin: bytes, env: Mapping[str, str], hostname: str
) -> ExecResult:
    """Run ``argv`` as an exec in a container, to completion."""
    if not argv:
        return ExecResult(exit_code=127, stderr=b"exec: no command\n")
    program, args = argv[0].rsplit("/", 1)[-1], list(argv[1:])
    if program == "echo":
        return ExecResult(exit_code=0, stdout=(" ".join(args) + "\n").encode())
    if program == "cat" and not args:
        return ExecResult(exit_code=0, stdout=stdin)
    if program in ("true", "false"):
        return ExecResult(exit_code=0 if program == "true" else 1)
    if program == "hostname":
        return ExecResult(exit_code=0, stdout=f"{hostname}\n".encode())
    if program == "env":
        return ExecResult(
            exit_code=0, stdout="".join(f"{k}={v}\n" for k, v in env.items()).encode()
        )
    if program in ("sh", "bash") and len(args) >= 2 and args[0] == "-c":
        result = run_script(args[1], stdin=stdin, env=env, hostname=hostname)
        if result is not None:
            return result
    return ExecResult(exit_code=127, stderr=f"sh: {argv[0]}: not found\n".encode())


def run_script(
    script: str, *, stdin: bytes, env: Mapping[str, str], hostname: str
) -> ExecResult | None:
    """Emulate a tiny ``sh -c`` script (statements joined by ``;`` and ``&&``); None when it
    uses anything not emulated."""
    stdout, stderr, code = b"", b"", 0
    for statement in script.split(";"):
        for command in statement.split("&&"):
            try:
                words = shlex.split(command)
            except ValueError:
                return None
            if not words:
                continue
            if words[0] == "exit":
                if len(words) > 1 and not words[1].isdigit():
                    return None
                status = int(words[1]) if len(words) > 1 else code
                return ExecResult(exit_code=status, stdout=stdout, stderr=stderr)
            if words[0] not in _SCRIPTABLE:
                return None
            result = run_command(words, stdin=stdin, env=env, hostname=hostname)
            stdout, stderr, code = stdout + result.stdout, stderr + result.stderr, result.exit_code
            if code:
                break
    return ExecResult(exit_code=code, stdout=stdout, stderr=stderr)


_SCRIPTABLE = frozenset({"echo", "cat", "true", "false", "hostname", "env"})
