"""GET and LIST: one object, or a page of a collection at one consistent revision.

A list reads the store's range at the revision its first page was read at; ``limit`` pages
carry a continue token (:mod:`microkube_apiserver.store.continue_token`) holding that revision
and the last key read, so later pages see the same snapshot. Selectors filter while reading:
a page holds up to ``limit`` matching objects, as with kube-apiserver over etcd.
"""

from __future__ import annotations

from typing import Any

from microkube.contracts.storage import CompactedError, FutureRevisionError
from microkube_apiserver import errors
from microkube_apiserver.registry.context import Api, Target
from microkube_apiserver.registry.filters import build_predicate
from microkube_apiserver.registry.objects import decode, decode_at, read
from microkube_apiserver.registry.versions import (
    EXACT,
    ListParams,
    parse_resource_version,
    wait_for_revision,
)
from microkube_apiserver.store import codec
from microkube_apiserver.store.continue_token import decode_token, encode_token

__all__ = ["get_object", "list_json", "list_objects"]

_CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted "
    "between the time the first chunk was returned and now may show up in the list."
)
_LIST_EXPIRED = "The resourceVersion for the provided list is too old."
#: Keys read per storage round trip when a selector filters (and no limit says otherwise).
_CHUNK = 500


async def get_object(api: Api, target: Target, resource_version: str | None) -> dict[str, Any]:
    """GET: the current object (any requested resourceVersion must have been reached)."""
    rv = parse_resource_version(resource_version)
    if rv:
        await wait_for_revision(api, rv)
    obj, _ = await read(api, target)
    return obj


def list_kind(target: Target) -> dict[str, str]:
    return {"kind": target.resource.list_kind, "apiVersion": target.resource.api_version}


async def list_objects(api: Api, target: Target, params: ListParams) -> dict[str, Any]:
    """LIST: ``{kind: <Kind>List, metadata: {resourceVersion, continue?}, items}``."""
    metadata, items = await _read_list(api, target, params)
    objects = [item if isinstance(item, dict) else decode_at(target, *item) for item in items]
    return {**list_kind(target), "metadata": metadata, "items": objects}


async def list_json(api: Api, target: Target, params: ListParams) -> bytes:
    """LIST as the JSON bytes of :func:`list_objects`' answer.

    Without selectors the items are never decoded: each stored value gets its
    resourceVersion spliced in (:func:`codec.json_at`) and the envelope is joined around them.
    """
    metadata, items = await _read_list(api, target, params)
    envelope = codec.dumps({**list_kind(target), "metadata": metadata, "items": []})
    assert envelope.endswith("[]}")
    parts = [
        codec.dumps(item).encode() if isinstance(item, dict) else codec.json_at(*item)
        for item in items
    ]
    return b"".join((envelope[:-2].encode(), b",".join(parts), b"]}"))


async def _read_list(
    api: Api, target: Target, params: ListParams
) -> tuple[dict[str, Any], list[dict[str, Any] | tuple[bytes, int]]]:
    """The list's metadata and items: objects when a selector or a conversion decoded them,
    else the stored ``(value, revision)`` pairs, still encoded."""
    predicate = build_predicate(params.label_selector, params.field_selector, target.rules)
    converted = target.conversion is not None
    prefix = target.prefix
    start_after: str | None = None
    revision = 0
    continuing = bool(params.continue_token)
    if continuing:
        token_revision, start_after = decode_token(params.continue_token, prefix)
        revision = max(token_revision, 0)  # -1: an inconsistent continuation, at the latest
    elif params.resource_version:
        if params.match == EXACT:
            revision = params.resource_version
        else:
            await wait_for_revision(api, params.resource_version)
    limit = params.limit
    # Unfiltered: exactly what was asked for (0 = all, one range with no count query);
    # filtered: enough keys per round trip to fill the page.
    chunk = limit if predicate is None else max(limit, _CHUNK)
    items: list[dict[str, Any] | tuple[bytes, int]] = []
    last_key = start_after
    more = False
    remaining: int | None = None
    while True:
        try:
            page = await api.storage.range(
                prefix, start_after=last_key, limit=chunk, revision=revision
            )
        except CompactedError:
            if continuing:
                assert last_key is not None
                raise errors.expired(_CONTINUE_EXPIRED, encode_token(-1, last_key)) from None
            raise errors.expired(_LIST_EXPIRED) from None
        except FutureRevisionError as exc:
            raise errors.timeout(
                f"Too large resource version: {exc.requested}, current: {exc.current}",
                causes=[
                    {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
                ],
                retry_after=1,
            ) from None
        revision = revision or page.revision
        full = False
        for index, kv in enumerate(page.items):
            last_key = kv.key
            if predicate is None and not converted:
                items.append((kv.value, kv.mod_revision))
            else:
                obj = decode(target, kv)
                if predicate is None or predicate(obj):
                    items.append(obj)
            if limit and len(items) >= limit:
                full = True
                more = index < len(page.items) - 1 or page.more
                if more and predicate is None:
                    remaining = page.count - (index + 1)
                break
        if full or not page.more:
            break
    metadata: dict[str, Any] = {"resourceVersion": str(revision)}
    if more and last_key is not None:
        metadata["continue"] = encode_token(revision, last_key)
        if remaining is not None:
            metadata["remainingItemCount"] = remaining
    return metadata, items
