"""Which discovery document an ``Accept`` header asks for, and the Content-Type to answer with.

kubectl 1.32 asks ``…;v=v2;as=APIGroupDiscoveryList,…;v=v2beta1;as=APIGroupDiscoveryList,
application/json``; kubectl 1.27 lists only v2beta1 and fails on a v2 answer; the Python client
and kubectl's fallback ask plain ``application/json``. So: aggregated discovery only when the
header asks for it, in the first acceptable version it lists (highest ``q`` first, header order
between equals), the legacy document for plain JSON, and 406 when nothing we produce is
acceptable (we answer JSON only; protobuf and YAML discovery are not served).
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["AGGREGATED_GROUP", "DiscoveryFormat", "MediaRange", "negotiate", "parse_accept"]

AGGREGATED_GROUP = "apidiscovery.k8s.io"
_AGGREGATED_AS = "APIGroupDiscoveryList"


@attrs.frozen
class MediaRange:
    """One entry of an Accept header: ``type/subtype;k=v;…`` with its quality."""

    type: str
    subtype: str
    params: dict[str, str] = attrs.field(factory=dict, hash=False)
    q: float = 1.0

    def matches_json(self) -> bool:
        """Whether ``application/json`` satisfies this range (``*/*`` and ``application/*`` do)."""
        if self.type == "*":
            return self.subtype == "*"
        return self.type == "application" and self.subtype in ("json", "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header, best first (by ``q``, then as written).

    Malformed entries are skipped; type and parameter names are lower-cased, parameter values
    kept as written (Kubernetes compares ``v=v2`` and ``as=Table`` exactly).
    """
    ranges: list[MediaRange] = []
    for part in (header or "").split(","):
        media, *raw_params = (p.strip() for p in part.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub:
            continue
        params: dict[str, str] = {}
        q = 1.0
        for raw in raw_params:
            name, eq, value = raw.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if not eq or not name:
                continue
            if name == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            else:
                params[name] = value
        if q > 0:
            ranges.append(MediaRange(kind, sub, params, q))
    return sorted(ranges, key=lambda r: -r.q)  # sorted() is stable: header order among equals


class DiscoveryFormat(enum.Enum):
    """The answer to a ``GET /api`` or ``GET /apis``."""

    AGGREGATED_V2 = "v2"
    AGGREGATED_V2BETA1 = "v2beta1"
    LEGACY = "legacy"
    NOT_ACCEPTABLE = "not-acceptable"

    @property
    def aggregated(self) -> bool:
        return self in (DiscoveryFormat.AGGREGATED_V2, DiscoveryFormat.AGGREGATED_V2BETA1)

    @property
    def content_type(self) -> str | None:
        """The response Content-Type (None for NOT_ACCEPTABLE)."""
        if self.aggregated:
            return f"application/json;g={AGGREGATED_GROUP};v={self.value};as={_AGGREGATED_AS}"
        return "application/json" if self is DiscoveryFormat.LEGACY else None


_AGGREGATED = {"v2": DiscoveryFormat.AGGREGATED_V2, "v2beta1": DiscoveryFormat.AGGREGATED_V2BETA1}


def _format_of(media: MediaRange) -> DiscoveryFormat | None:
    if not media.matches_json():
        return None  # protobuf, YAML, text: not produced here
    if "as" not in media.params and "g" not in media.params and "v" not in media.params:
        return DiscoveryFormat.LEGACY
    if media.params.get("as") == _AGGREGATED_AS and media.params.get("g") == AGGREGATED_GROUP:
        return _AGGREGATED.get(media.params.get("v", ""))
    return None  # some other conversion (as=Table, …): not a discovery document


def negotiate(accept: str | None) -> DiscoveryFormat:
    """The discovery document to send for ``accept`` (a missing header means legacy JSON)."""
    if accept is None or not accept.strip():
        return DiscoveryFormat.LEGACY
    for media in parse_accept(accept):
        found = _format_of(media)
        if found is not None:
            return found
    return DiscoveryFormat.NOT_ACCEPTABLE
