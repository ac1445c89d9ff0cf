"""Does an ``Accept`` header ask for a Table, and in which ``meta.k8s.io`` version?

kube-apiserver walks the Accept clauses by preference (q, then specificity, ties in order)
and serves the first it can: a JSON clause without ``as`` means the plain object, one with
``as=Table;g=meta.k8s.io;v=v1|v1beta1`` a Table. A Table clause of another group or version
cannot be served and is skipped. Only JSON answers are considered here.
"""

from __future__ import annotations

from microkube_apiserver.tables.table import TABLE_GROUP_VERSIONS

__all__ = ["table_group_version"]

_JSON_RANGES = {("application", "json"), ("application", "*"), ("*", "*")}


def _clauses(header: str) -> list[tuple[str, str, dict[str, str]]]:
    parsed: list[tuple[float, int, str, str, dict[str, str]]] = []
    for index, part in enumerate(header.split(",")):
        pieces = [piece.strip() for piece in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        kind, _, subtype = media.partition("/")
        params: dict[str, str] = {}
        for piece in pieces[1:]:
            key, sep, value = piece.partition("=")
            if sep:
                params[key.strip().lower()] = value.strip().strip('"')
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 0.0
        if quality <= 0:
            continue
        parsed.append((quality, index, kind, subtype, params))
    parsed.sort(key=lambda c: (-c[0], c[2] == "*", c[3] == "*", c[1]))
    return [(kind, subtype, params) for _, _, kind, subtype, params in parsed]


def table_group_version(accept: str | None) -> str | None:
    """``meta.k8s.io/v1`` or ``/v1beta1`` when the answer should be a Table, else None."""
    if not accept:
        return None
    for kind, subtype, params in _clauses(accept):
        if (kind, subtype) not in _JSON_RANGES:
            continue
        target = params.get("as")
        if target is None:
            return None
        if target != "Table":
            return None  # another conversion (PartialObjectMetadata...): not a Table
        group_version = f"{params.get('g', '')}/{params.get('v', '')}"
        if group_version in TABLE_GROUP_VERSIONS:
            return group_version
    return None
