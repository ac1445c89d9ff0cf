"""Claiming pods against the real API server: adopt, release, leave others' pods alone."""

from __future__ import annotations

from microkube_controllers.common.ownerrefs import get_controller_of, new_controller_ref
from microkube_controllers.common.refmanager import (
    AdoptionRefusedError,
    ControllerRefManager,
    owner_recheck,
)

from microkube.selectors import label_selector_matcher


def pod(name, labels, refs=None):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels, "ownerReferences": refs or []},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }


async def make_owner(api, name="owner"):
    return await api.create("configmaps", {"metadata": {"name": name}, "data": {}}, "default")


async def test_claim_adopts_releases_and_ignores(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    owner = await make_owner(api)
    ref = new_controller_ref(owner, "v1", "ConfigMap")
    stranger = {**ref, "name": "other", "uid": "someone-else"}
    orphan = await api.create("pods", pod("orphan", {"app": "web"}), "default")
    mine = await api.create("pods", pod("mine", {"app": "web"}, [ref]), "default")
    strayed = await api.create("pods", pod("strayed", {"app": "api"}, [ref]), "default")
    foreign = await api.create("pods", pod("foreign", {"app": "web"}, [stranger]), "default")
    unrelated = await api.create("pods", pod("unrelated", {"app": "api"}), "default")
    manager = ControllerRefManager(
        api,
        owner,
        ref,
        label_selector_matcher({"matchLabels": {"app": "web"}}),
        can_adopt=owner_recheck(api, "configmaps", owner),
    )
    claimed, errors = await manager.claim([orphan, mine, strayed, foreign, unrelated])
    assert errors == []
    assert sorted(p["metadata"]["name"] for p in claimed) == ["mine", "orphan"]
    adopted = await api.get("pods", "orphan", "default")
    assert get_controller_of(adopted)["uid"] == owner["metadata"]["uid"]
    released = await api.get("pods", "strayed", "default")
    assert not released["metadata"].get("ownerReferences")
    untouched = await api.get("pods", "foreign", "default")
    assert get_controller_of(untouched)["uid"] == "someone-else"


async def test_a_stale_copy_is_not_adopted(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    owner = await make_owner(api)
    ref = new_controller_ref(owner, "v1", "ConfigMap")
    stale = await api.create("pods", pod("orphan", {"app": "web"}), "default")
    await api.patch("pods", "orphan", {"metadata": {"annotations": {"x": "y"}}}, "default")
    manager = ControllerRefManager(
        api, owner, ref, label_selector_matcher({"matchLabels": {"app": "web"}})
    )
    claimed, errors = await manager.claim([stale])
    assert claimed == []
    assert len(errors) == 1  # retried by the next sync, from the fresh copy
    assert not (await api.get("pods", "orphan", "default"))["metadata"].get("ownerReferences")


async def test_a_recreated_owner_does_not_adopt(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    owner = await make_owner(api)
    await api.delete("configmaps", "owner", "default")
    await make_owner(api)  # same name, new UID
    orphan = await api.create("pods", pod("orphan", {"app": "web"}), "default")
    manager = ControllerRefManager(
        api,
        owner,
        new_controller_ref(owner, "v1", "ConfigMap"),
        label_selector_matcher({"matchLabels": {"app": "web"}}),
        can_adopt=owner_recheck(api, "configmaps", owner),
    )
    claimed, errors = await manager.claim([orphan])
    assert claimed == []
    assert isinstance(errors[0], AdoptionRefusedError)
    assert "is gone: got uid" in str(errors[0])
