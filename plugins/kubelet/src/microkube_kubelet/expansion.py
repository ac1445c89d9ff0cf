"""``$(VAR)`` expansion in ``env`` values, ``command`` and ``args``, exactly as Kubernetes'
``third_party/forked/golang/expansion``: ``$(NAME)`` becomes the variable's value when it is
defined and stays as written otherwise; ``$$`` is an escaped ``$``; any other ``$`` is kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping

__all__ = ["expand", "mapping_func"]


def mapping_func(*contexts: Mapping[str, str]) -> Callable[[str], str]:
    """Look a name up in ``contexts`` in order; an unknown name expands to ``$(name)``."""

    def lookup(name: str) -> str:
        for context in contexts:
            if name in context:
                return context[name]
        return f"$({name})"

    return lookup


def expand(text: str, lookup: Callable[[str], str]) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char != "$" or i + 1 >= n:
            out.append(char)
            i += 1
            continue
        following = text[i + 1]
        if following == "$":  # escaped
            out.append("$")
            i += 2
        elif following == "(":
            end = text.find(")", i + 2)
            if end < 0:  # unterminated: kept as written
                out.append(text[i:])
                break
            name = text[i + 2 : end]
            out.append(lookup(name) if name else "$()")
            i = end + 1
        else:
            out.append("$" + following)
            i += 2
    return "".join(out)
