"""Which controllers run, from kube-controller-manager's ``--controllers`` syntax.

A comma-separated list: ``*`` turns on every controller that is on by default, ``name`` turns
one on, ``-name`` turns one off (``*,-job`` = everything but the job controller). An explicit
entry wins over ``*`` whatever the order. A name no installed plugin registered is an error,
as kube-controller-manager refuses unknown controller names.
"""

from __future__ import annotations

from collections.abc import Iterable

from microkube.config import ConfigError

__all__ = ["ControllerSelectionError", "select_controllers"]


class ControllerSelectionError(ConfigError):
    """The ``controllers`` option names an unknown controller or is malformed (a
    configuration error, reported as one line like every other)."""


def select_controllers(
    spec: str, known: Iterable[str], disabled_by_default: Iterable[str] = ()
) -> list[str]:
    """The names to run, sorted, among ``known``; ``disabled_by_default`` need naming."""
    known = sorted(set(known))
    off_by_default = set(disabled_by_default)
    entries = [part.strip() for part in spec.split(",")]
    if not spec.strip() or any(not part for part in entries):
        raise ControllerSelectionError(
            f"--controllers {spec!r}: expected a comma-separated list like '*,-job'"
        )
    star = False
    explicit: dict[str, bool] = {}
    for entry in entries:
        if entry == "*":
            star = True
            continue
        enabled = not entry.startswith("-")
        name = entry.lstrip("-")
        if name not in known:
            raise ControllerSelectionError(
                f"{name!r} is not in the list of known controllers: {', '.join(known) or 'none'}"
            )
        explicit[name] = enabled
    chosen = []
    for name in known:
        if name in explicit:
            if explicit[name]:
                chosen.append(name)
        elif star and name not in off_by_default:
            chosen.append(name)
    return chosen
