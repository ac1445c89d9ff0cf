"""The informer cache: keys, the namespace index, custom indexers, replace."""

from __future__ import annotations

import pytest

from microkube.client.store import (
    NAMESPACE_INDEX,
    DeletedFinalStateUnknown,
    Store,
    meta_namespace_key,
    split_key,
)


def obj(name: str, namespace: str | None = "default", node: str = "", rv: str = "1") -> dict:
    meta = {"name": name, "resourceVersion": rv}
    if namespace:
        meta["namespace"] = namespace
    return {"metadata": meta, "spec": {"nodeName": node}}


def by_node(o: dict) -> list[str]:
    node = o["spec"].get("nodeName")
    return [node] if node else []


def test_keys() -> None:
    assert meta_namespace_key(obj("a")) == "default/a"
    assert meta_namespace_key(obj("n1", namespace=None)) == "n1"
    assert meta_namespace_key(DeletedFinalStateUnknown("ns/x", obj("x"))) == "ns/x"
    assert split_key("ns/x") == ("ns", "x") and split_key("n1") == (None, "n1")


def test_add_update_delete_keep_indexes_in_step() -> None:
    store = Store({"node": by_node})
    first = obj("a", node="n1")
    assert store.add(first) is None
    assert store.by_index("node", "n1") == [first]
    moved = obj("a", node="n2", rv="2")
    assert store.update(moved) is first
    assert store.by_index("node", "n1") == [] and store.by_index("node", "n2") == [moved]
    assert "n1" not in store.index_values("node")
    assert store.get("default/a") is moved and store.get_by("a", "default") is moved
    assert store.delete(obj("a")) is moved
    assert len(store) == 0 and store.by_index("node", "n2") == []
    assert store.delete_key("default/a") is None


def test_namespace_index_and_listing() -> None:
    store = Store()
    items = [obj("a"), obj("b", "other"), obj("c"), obj("n", None)]
    for item in items:
        store.add(item)
    assert sorted(o["metadata"]["name"] for o in store.by_index(NAMESPACE_INDEX, "default")) == [
        "a",
        "c",
    ]
    assert store.index_keys(NAMESPACE_INDEX, "") == ["n"]
    assert sorted(store.list_keys()) == ["default/a", "default/c", "n", "other/b"]
    assert "other/b" in store and len(store.list()) == 4


def test_replace_rebuilds_indexes() -> None:
    store = Store({"node": by_node})
    store.add(obj("old", node="n1"))
    store.replace([obj("x", node="n2"), obj("y", node="n2")])
    assert store.by_index("node", "n1") == [] and len(store.by_index("node", "n2")) == 2
    assert store.get("default/old") is None


def test_indexers_added_later_cover_existing_objects() -> None:
    store = Store()
    store.add(obj("a", node="n1"))
    store.add_indexers({"node": by_node})
    assert [o["metadata"]["name"] for o in store.by_index("node", "n1")] == ["a"]
    with pytest.raises(ValueError, match="already exists"):
        store.add_indexers({"node": by_node})
    with pytest.raises(KeyError, match="no index named"):
        store.by_index("zone", "a")


def test_objects_are_not_copied() -> None:
    store = Store()
    item = obj("a")
    store.add(item)
    assert store.get("default/a") is item and store.list()[0] is item
