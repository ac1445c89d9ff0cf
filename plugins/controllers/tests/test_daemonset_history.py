"""DaemonSet ControllerRevisions."""

from __future__ import annotations

from microkube_controllers.daemonset.history import (
    revision_data,
    revision_for,
    revision_hash,
    revisions_to_prune,
)

DS = {
    "metadata": {"name": "agent", "namespace": "ns", "uid": "u1"},
    "spec": {
        "template": {
            "metadata": {"labels": {"app": "agent"}},
            "spec": {"containers": [{"name": "a", "image": "x:1"}]},
        }
    },
}


def test_revision_holds_the_template_as_a_replace_patch():
    data = revision_data(DS)
    assert data["spec"]["template"]["$patch"] == "replace"
    assert data["spec"]["template"]["spec"] == DS["spec"]["template"]["spec"]
    assert "$patch" not in DS["spec"]["template"]
    revision = revision_for(DS, 3)
    hash_ = revision_hash(DS)
    assert revision["metadata"]["name"] == f"agent-{hash_}"
    assert revision["metadata"]["labels"] == {"app": "agent", "controller-revision-hash": hash_}
    assert revision["revision"] == 3
    assert revision["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet"


def test_hash_follows_the_template_and_collisions():
    changed = {**DS, "spec": {"template": {**DS["spec"]["template"], "spec": {"containers": []}}}}
    assert revision_hash(changed) != revision_hash(DS)
    collided = {**DS, "status": {"collisionCount": 1}}
    assert revision_hash(collided) != revision_hash(DS)
    assert revision_hash(DS) == revision_hash(dict(DS))


def test_pruning_keeps_the_limit_and_revisions_in_use():
    def rev(number, hash_):
        return {"revision": number, "metadata": {"labels": {"controller-revision-hash": hash_}}}

    old = [rev(1, "a"), rev(2, "b"), rev(3, "c"), rev(4, "d")]
    assert [r["revision"] for r in revisions_to_prune(old, set(), 2)] == [1, 2]
    assert [r["revision"] for r in revisions_to_prune(old, {"a"}, 2)] == [2, 3]
    assert revisions_to_prune(old, set(), 10) == []
