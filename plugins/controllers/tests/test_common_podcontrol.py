"""Creating pods from templates and deleting them, with the events upstream records."""

from __future__ import annotations

import pytest
from microkube_controllers.common.ownerrefs import new_controller_ref
from microkube_controllers.common.podcontrol import (
    PodControl,
    PodTemplateError,
    pod_from_template,
    pods_prefix,
)

from microkube.client.errors import NotFoundError
from microkube.client.events import EventRecorder

TEMPLATE = {
    "metadata": {"labels": {"app": "web"}, "annotations": {"a": "b"}},
    "spec": {"containers": [{"name": "c", "image": "busybox"}]},
}


def test_prefix_and_template():
    assert pods_prefix("web") == "web-"
    assert pods_prefix("x" * 249) == "x" * 249  # the dash would make the name too long
    owner = {"kind": "ReplicaSet", "metadata": {"name": "web", "namespace": "ns", "uid": "u"}}
    pod = pod_from_template(TEMPLATE, owner, new_controller_ref(owner, "apps/v1", "ReplicaSet"))
    assert pod["metadata"]["generateName"] == "web-"
    assert pod["metadata"]["labels"] == {"app": "web"}
    assert pod["metadata"]["annotations"] == {"a": "b"}
    assert pod["metadata"]["ownerReferences"][0]["uid"] == "u"
    with pytest.raises(PodTemplateError, match="no labels"):
        pod_from_template({"spec": {}}, owner, None)


async def test_create_and_delete_record_events(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    owner = await api.create("configmaps", {"metadata": {"name": "web"}}, "default")
    owner = {**owner, "kind": "ConfigMap", "apiVersion": "v1"}
    recorder = EventRecorder(api, "test-controller")
    recorder.start()
    control = PodControl(api, recorder)
    created = await control.create_pod(
        "default", TEMPLATE, owner, new_controller_ref(owner, "v1", "ConfigMap")
    )
    name = created["metadata"]["name"]
    assert name.startswith("web-")
    await control.delete_pod("default", name, owner)
    with pytest.raises(NotFoundError):
        await control.delete_pod("default", name, owner)
    bad = {**TEMPLATE, "spec": {"containers": [{"name": "c"}]}}  # no image
    with pytest.raises(Exception, match="image"):
        await control.create_pod("default", bad, owner, None)
    await recorder.drain()
    await recorder.stop()
    events = (await api.list("events", "default"))["items"]
    seen = sorted((e["type"], e["reason"], e["message"].split(":")[0]) for e in events)
    assert seen == [
        ("Normal", "SuccessfulCreate", "Created pod"),
        ("Normal", "SuccessfulDelete", "Deleted pod"),
        ("Warning", "FailedCreate", "Error creating"),
    ]
    messages = {e["reason"]: e["message"] for e in events}
    assert messages["SuccessfulCreate"] == f"Created pod: {name}"
    assert messages["SuccessfulDelete"] == f"Deleted pod: {name}"
