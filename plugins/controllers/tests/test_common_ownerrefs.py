"""Controller references and the controller-UID index; keys of events and tombstones."""

from __future__ import annotations

from microkube_controllers.common.handlers import enqueue_handlers, key_of, unwrap_tombstone
from microkube_controllers.common.ownerrefs import (
    controller_uid_index,
    get_controller_of,
    new_controller_ref,
)

from microkube.client.store import DeletedFinalStateUnknown

OWNER = {"metadata": {"name": "web", "namespace": "default", "uid": "u1"}}


def test_new_controller_ref_and_lookup():
    ref = new_controller_ref(OWNER, "apps/v1", "ReplicaSet")
    assert ref == {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "web",
        "uid": "u1",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    pod = {"metadata": {"ownerReferences": [{"uid": "x", "kind": "Foo"}, ref]}}
    assert get_controller_of(pod) == ref
    assert controller_uid_index(pod) == ["u1"]
    assert get_controller_of({"metadata": {}}) is None
    assert controller_uid_index({"metadata": {}}) == []


class Queue:
    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)


def test_enqueue_handlers_skip_resyncs_and_unwrap_tombstones():
    queue, forgotten = Queue(), []
    handlers = enqueue_handlers(queue, on_delete=forgotten.append)
    obj = {"metadata": {"name": "a", "namespace": "ns", "resourceVersion": "1"}}
    handlers["on_add"](obj)
    handlers["on_update"](obj, obj)
    handlers["on_update"](obj, {"metadata": {**obj["metadata"], "resourceVersion": "2"}})
    tombstone = DeletedFinalStateUnknown("ns/a", obj)
    handlers["on_delete"](tombstone)
    assert queue.items == ["ns/a", "ns/a", "ns/a"]
    assert forgotten == ["ns/a"]
    assert unwrap_tombstone(tombstone) is obj
    assert key_of(tombstone) == "ns/a"
