"""The informer cache: objects by ``namespace/name`` key, with indexes.

Like client-go's ``cache.Indexer``. Every method is synchronous and never awaits, so within one
event loop each call is atomic. Objects are stored as given, not copied: treat what you read
as read-only (copy before changing it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

Obj = dict[str, Any]
IndexFunc = Callable[[Obj], Iterable[str]]

NAMESPACE_INDEX = "namespace"


def meta_namespace_key(obj: Mapping[str, Any]) -> str:
    """``namespace/name``, or ``name`` for cluster-scoped objects (client-go's key function)."""
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    meta = obj.get("metadata") or {}
    namespace, name = meta.get("namespace"), meta.get("name") or ""
    return f"{namespace}/{name}" if namespace else name


def split_key(key: str) -> tuple[str | None, str]:
    """``(namespace, name)`` of a store key (namespace None for cluster-scoped)."""
    namespace, sep, name = key.partition("/")
    return (namespace, name) if sep else (None, key)


def namespace_index(obj: Obj) -> list[str]:
    """The default index: an object's namespace (cluster-scoped objects index under "")."""
    return [(obj.get("metadata") or {}).get("namespace") or ""]


@attrs.frozen
class DeletedFinalStateUnknown:
    """Handed to ``on_delete`` when a re-list finds an object gone whose deletion this
    informer never saw: ``obj`` is the last state it knew, maybe stale."""

    key: str
    obj: Obj


class Store:
    """Keyed objects plus named indexes (``by_index``); ``namespace`` is always indexed."""

    def __init__(self, indexers: Mapping[str, IndexFunc] | None = None) -> None:
        self._items: dict[str, Obj] = {}
        self._indexers: dict[str, IndexFunc] = {NAMESPACE_INDEX: namespace_index}
        self._indices: dict[str, dict[str, set[str]]] = {NAMESPACE_INDEX: {}}
        if indexers:
            self.add_indexers(indexers)

    # -- indexes ------------------------------------------------------------------------

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add named index functions; existing objects are indexed at once."""
        for name, func in indexers.items():
            if name in self._indexers:
                raise ValueError(f"indexer {name!r} already exists")
            self._indexers[name] = func
            index: dict[str, set[str]] = {}
            for key, obj in self._items.items():
                for value in func(obj):
                    index.setdefault(value, set()).add(key)
            self._indices[name] = index

    def _index(self, key: str, obj: Obj) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                index.setdefault(value, set()).add(key)

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]

    # -- writing ------------------------------------------------------------------------

    def add(self, obj: Obj) -> Obj | None:
        """Insert or replace an object; returns the one it replaced."""
        key = meta_namespace_key(obj)
        old = self._items.get(key)
        if old is not None:
            self._unindex(key, old)
        self._items[key] = obj
        self._index(key, obj)
        return old

    update = add

    def delete(self, obj: Obj) -> Obj | None:
        """Remove an object (by its key); returns what was stored."""
        return self.delete_key(meta_namespace_key(obj))

    def delete_key(self, key: str) -> Obj | None:
        old = self._items.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        return old

    def replace(self, objects: Iterable[Obj]) -> None:
        """Make the store hold exactly ``objects``."""
        self._items = {meta_namespace_key(obj): obj for obj in objects}
        self._indices = {name: {} for name in self._indexers}
        for key, obj in self._items.items():
            self._index(key, obj)

    # -- reading ------------------------------------------------------------------------

    def get(self, key: str) -> Obj | None:
        """The object stored under ``namespace/name`` (or ``name``)."""
        return self._items.get(key)

    def get_by(self, name: str, namespace: str | None = None) -> Obj | None:
        return self._items.get(f"{namespace}/{name}" if namespace else name)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def list(self) -> list[Obj]:
        return list(self._items.values())

    def list_keys(self) -> list[str]:
        return list(self._items)

    def by_index(self, index_name: str, value: str) -> list[Obj]:
        """Objects whose index function returned ``value``."""
        try:
            keys = self._indices[index_name].get(value, ())
        except KeyError:
            raise KeyError(f"no index named {index_name!r}") from None
        return [self._items[key] for key in keys]

    def index_keys(self, index_name: str, value: str) -> list[str]:
        try:
            return sorted(self._indices[index_name].get(value, ()))
        except KeyError:
            raise KeyError(f"no index named {index_name!r}") from None

    def index_values(self, index_name: str) -> list[str]:
        """Every value of an index that has at least one object."""
        return list(self._indices[index_name])
