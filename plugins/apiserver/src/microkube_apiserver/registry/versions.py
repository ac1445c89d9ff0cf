"""``resourceVersion`` and ``resourceVersionMatch`` of reads, as Kubernetes validates them."""

from __future__ import annotations

import asyncio
import time

import attrs

from microkube_apiserver import errors
from microkube_apiserver.registry.context import Api

__all__ = ["ListParams", "parse_resource_version", "wait_for_revision"]

NOT_OLDER_THAN = "NotOlderThan"
EXACT = "Exact"


def parse_resource_version(value: str | None) -> int | None:
    """None when absent or empty; a 400 for anything but a non-negative integer."""
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise errors.bad_request(f'invalid resource version: "{value}"')
    return int(value)


def _list_options_invalid(field: str, kind: str, value: str, detail: str) -> errors.ApiError:
    text = {
        "Forbidden": f"{field}: Forbidden: {detail}",
        "Unsupported": f'{field}: Unsupported value: "{value}": supported values: "Exact", '
        f'"NotOlderThan"',
        "Invalid": f'{field}: Invalid value: "{value}": {detail}',
    }[kind]
    reason = {
        "Forbidden": "FieldValueForbidden",
        "Unsupported": "FieldValueNotSupported",
        "Invalid": "FieldValueInvalid",
    }[kind]
    cause = {"reason": reason, "message": text.split(": ", 1)[1], "field": field}
    return errors.invalid("meta.k8s.io", "ListOptions", "", [text], [cause])


@attrs.frozen
class ListParams:
    """The read options of a list (or watch): validated on construction."""

    resource_version: int | None = None
    match: str = ""
    limit: int = 0
    continue_token: str = ""
    label_selector: str = ""
    field_selector: str = ""
    watch: bool = False
    send_initial_events: bool | None = None
    allow_bookmarks: bool = False

    def __attrs_post_init__(self) -> None:
        rv, match = self.resource_version, self.match
        if match and match not in (EXACT, NOT_OLDER_THAN):
            raise _list_options_invalid("resourceVersionMatch", "Unsupported", match, "")
        if match and self.watch and self.send_initial_events is None:
            raise _list_options_invalid(
                "resourceVersionMatch",
                "Forbidden",
                match,
                "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            )
        if match and rv is None and not (self.watch and self.send_initial_events is not None):
            raise _list_options_invalid(
                "resourceVersionMatch",
                "Forbidden",
                match,
                "resourceVersionMatch is forbidden unless resourceVersion is provided",
            )
        if match == EXACT and rv == 0:
            raise _list_options_invalid(
                "resourceVersionMatch",
                "Forbidden",
                match,
                'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
            )
        if self.continue_token and rv not in (None, 0):
            raise _list_options_invalid(
                "resourceVersion",
                "Forbidden",
                str(rv),
                "specifying resource version is not allowed when using continue",
            )
        if self.continue_token and match:
            raise _list_options_invalid(
                "resourceVersionMatch",
                "Forbidden",
                match,
                "resourceVersionMatch is forbidden when continue is provided",
            )
        if self.send_initial_events is not None:
            if not self.watch:
                raise _list_options_invalid(
                    "sendInitialEvents",
                    "Forbidden",
                    "",
                    "sendInitialEvents is forbidden for list",
                )
            if match != NOT_OLDER_THAN:
                raise _list_options_invalid(
                    "resourceVersionMatch",
                    "Forbidden",
                    match,
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                )
            if self.send_initial_events and not self.allow_bookmarks:
                raise _list_options_invalid(
                    "allowWatchBookmarks",
                    "Forbidden",
                    "",
                    "sendInitialEvents requires setting allowWatchBookmarks to true",
                )
        if self.limit < 0:
            raise _list_options_invalid("limit", "Invalid", str(self.limit), "must be >= 0")


async def wait_for_revision(api: Api, revision: int) -> None:
    """Return once the store has reached ``revision``; 504 "Too large resource version"
    after ``too_large_rv_wait`` seconds, as kube-apiserver's watch cache answers."""
    deadline = time.monotonic() + api.options.too_large_rv_wait
    while True:
        current = await api.storage.current_revision()
        if current >= revision:
            return
        if time.monotonic() >= deadline:
            raise errors.timeout(
                f"Too large resource version: {revision}, current: {current}",
                causes=[
                    {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
                ],
                retry_after=1,
            )
        await asyncio.sleep(0.05)
