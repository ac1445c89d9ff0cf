"""``PodLogOptions`` as the kubelet's ``/containerLogs`` takes them from the query string,
validated as upstream (422 for values out of range, 400 for values that do not parse)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from microkube_kubelet.server.http11 import HttpError

_TRUE = {"1", "t", "T", "true", "TRUE", "True"}
_FALSE = {"0", "f", "F", "false", "FALSE", "False", ""}
#: PodLogOptions.stream (1.32's PodLogsQuerySplitStreams): which stream(s) to return.
_STREAMS = {"All": None, "Stdout": "stdout", "Stderr": "stderr"}


@attrs.frozen(kw_only=True)
class LogOptions:
    follow: bool = False
    previous: bool = False
    timestamps: bool = False
    since_ns: int | None = None  #: from sinceSeconds or sinceTime, epoch nanoseconds
    tail_lines: int | None = None
    limit_bytes: int | None = None
    stream: str | None = None  #: "stdout", "stderr", or None for both

    @classmethod
    def from_query(
        cls, query: Mapping[str, Sequence[str]], *, now: float | None = None
    ) -> LogOptions:
        """Options from a parsed query string (``now`` fixes the clock for sinceSeconds)."""

        def first(name: str) -> str | None:
            values = query.get(name)
            return values[0] if values else None

        errors: list[str] = []
        since_seconds = _integer(first("sinceSeconds"), "sinceSeconds")
        since_time = first("sinceTime")
        tail = _integer(first("tailLines"), "tailLines")
        limit = _integer(first("limitBytes"), "limitBytes")
        if since_seconds is not None and since_seconds < 1:
            errors.append("sinceSeconds: Invalid value: must be greater than 0")
        if tail is not None and tail < 0:
            errors.append("tailLines: Invalid value: must be greater than or equal to 0")
        if limit is not None and limit < 1:
            errors.append("limitBytes: Invalid value: must be greater than 0")
        if since_seconds is not None and since_time:
            errors.append("at most one of `sinceTime` or `sinceSeconds` may be specified")
        stream_name = first("stream")
        if stream_name is not None and stream_name not in _STREAMS:
            errors.append(
                f"stream: Unsupported value: {stream_name!r}: supported values: "
                '"All", "Stderr", "Stdout"'
            )
        if errors:
            raise HttpError(422, "[" + ", ".join(errors) + "]" if len(errors) > 1 else errors[0])
        since_ns: int | None = None
        if since_seconds is not None:
            since_ns = int(((time.time() if now is None else now) - since_seconds) * 1e9)
        elif since_time:
            since_ns = _rfc3339(since_time)
        return cls(
            follow=_boolean(first("follow"), "follow"),
            previous=_boolean(first("previous"), "previous"),
            timestamps=_boolean(first("timestamps"), "timestamps"),
            since_ns=since_ns,
            tail_lines=tail,
            limit_bytes=limit,
            stream=_STREAMS.get(stream_name or "All"),
        )


def _boolean(value: str | None, name: str) -> bool:
    if value is None or value in _FALSE:
        return False
    if value in _TRUE:
        return True
    raise HttpError(400, f"unable to decode query: {name}: invalid boolean value {value!r}")


def _integer(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise HttpError(400, f"unable to decode query: {name}: invalid integer {value!r}") from None


def _rfc3339(value: str) -> int:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise HttpError(400, f"unable to decode query: sinceTime: invalid time {value!r}") from None
    if moment.tzinfo is None:
        raise HttpError(400, f"unable to decode query: sinceTime: {value!r} has no time zone")
    return int(moment.timestamp() * 1e9)
