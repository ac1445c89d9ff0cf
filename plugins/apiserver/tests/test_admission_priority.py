"""PriorityClasses and the Priority admission plugin over HTTP: bootstrap classes, pods
resolved to their class's priority, Kubernetes' Forbidden and Invalid answers."""

from __future__ import annotations

PODS = "/api/v1/namespaces/default/pods"
PCS = "/apis/scheduling.k8s.io/v1/priorityclasses"


def pod(name: str, **spec) -> dict:
    return {
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "busybox"}], **spec},
    }


def priority_class(name: str, value: int, **fields) -> dict:
    return {"metadata": {"name": name}, "value": value, **fields}


async def test_system_classes_exist_from_the_start(client):
    listed = (await client.get(PCS)).body["items"]
    by_name = {pc["metadata"]["name"]: pc for pc in listed}
    assert by_name["system-node-critical"]["value"] == 2000001000
    assert by_name["system-cluster-critical"]["value"] == 2000000000
    assert by_name["system-cluster-critical"]["preemptionPolicy"] == "PreemptLowerPriority"
    assert not by_name["system-node-critical"].get("globalDefault")


async def test_pod_without_class_gets_zero_then_the_default(client):
    plain = (await client.post(PODS, pod("plain"))).body
    assert plain["spec"]["priority"] == 0
    assert plain["spec"]["preemptionPolicy"] == "PreemptLowerPriority"
    assert "priorityClassName" not in plain["spec"]
    created = await client.post(PCS, priority_class("low", 10, globalDefault=True))
    assert created.status == 201, created
    defaulted = (await client.post(PODS, pod("defaulted"))).body
    assert defaulted["spec"]["priorityClassName"] == "low"
    assert defaulted["spec"]["priority"] == 10
    assert (await client.delete(f"{PCS}/low")).status == 200
    again = (await client.post(PODS, pod("again"))).body
    assert again["spec"]["priority"] == 0


async def test_pod_gets_its_class_priority_and_policy(client):
    await client.post(PCS, priority_class("batch", 100, preemptionPolicy="Never"))
    created = (await client.post(PODS, pod("job", priorityClassName="batch"))).body
    assert created["spec"]["priority"] == 100
    assert created["spec"]["preemptionPolicy"] == "Never"
    critical = (await client.post(PODS, pod("c", priorityClassName="system-node-critical"))).body
    assert critical["spec"]["priority"] == 2000001000
    # an update that leaves the fields out keeps them
    critical["spec"].pop("priority")
    critical["spec"].pop("preemptionPolicy")
    updated = await client.put(f"{PODS}/c", critical)
    assert updated.status == 200, updated
    assert updated.body["spec"]["priority"] == 2000001000


async def test_pod_with_missing_class_or_wrong_priority_is_forbidden(client):
    missing = await client.post(PODS, pod("x", priorityClassName="nope"))
    assert missing.status == 403
    assert missing.body["reason"] == "Forbidden"
    assert missing.body["message"] == (
        'pods "x" is forbidden: no PriorityClass with name nope was found'
    )
    await client.post(PCS, priority_class("high", 1000))
    wrong = await client.post(PODS, pod("y", priorityClassName="high", priority=5))
    assert wrong.status == 403
    assert wrong.body["message"] == (
        'pods "y" is forbidden: the integer value of priority (5) must not be provided in pod '
        "spec; priority admission controller computed 1000 from the given PriorityClass name"
    )
    policy = await client.post(PODS, pod("z", priorityClassName="high", preemptionPolicy="Never"))
    assert policy.status == 403
    assert "the string value of PreemptionPolicy (Never)" in policy.body["message"]
    same = await client.post(PODS, pod("w", priorityClassName="high", priority=1000))
    assert same.status == 201


async def test_only_one_global_default(client):
    assert (await client.post(PCS, priority_class("a", 1, globalDefault=True))).status == 201
    second = await client.post(PCS, priority_class("b", 2, globalDefault=True))
    assert second.status == 403
    assert second.body["message"] == (
        'priorityclasses.scheduling.k8s.io "b" is forbidden: PriorityClass a is already '
        "marked as default. Only one default can exist"
    )
    assert (await client.post(PCS, priority_class("b", 2))).status == 201
    made_default = await client.patch(f"{PCS}/b", {"globalDefault": True})
    assert made_default.status == 403
    again = await client.patch(f"{PCS}/a", {"description": "still the default"})
    assert again.status == 200, again


async def test_priority_class_validation(client):
    reserved = await client.post(PCS, priority_class("system-mine", 5))
    assert reserved.status == 422
    assert reserved.body["message"] == (
        'PriorityClass.scheduling.k8s.io "system-mine" is invalid: metadata.name: Forbidden: '
        "priority class names with 'system-' prefix are reserved for system use only. error: "
        "system-mine is not a known system priority class"
    )
    too_high = await client.post(PCS, priority_class("big", 1_000_000_001))
    assert too_high.status == 422
    assert too_high.body["details"]["causes"] == [
        {
            "reason": "FieldValueForbidden",
            "message": "Forbidden: maximum allowed value of a user defined priority is 1000000000",
            "field": "value",
        }
    ]
    policy = await client.post(PCS, priority_class("p", 1, preemptionPolicy="Sometimes"))
    assert policy.status == 422
    assert 'preemptionPolicy: Unsupported value: "Sometimes"' in policy.body["message"]
    await client.post(PCS, priority_class("fixed", 7))
    changed = await client.patch(f"{PCS}/fixed", {"value": 8})
    assert changed.status == 422
    assert "value: Forbidden: may not be changed in an update." in changed.body["message"]
    zero = (await client.post(PCS, {"metadata": {"name": "zero"}})).body
    assert zero["value"] == 0


async def test_system_classes_cannot_be_deleted(client):
    refused = await client.delete(f"{PCS}/system-node-critical")
    assert refused.status == 403
    assert refused.body["message"] == (
        'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a '
        "system priority class and cannot be deleted"
    )
    await client.post(PCS, priority_class("mine", 3))
    assert (await client.delete(f"{PCS}/mine")).status == 200
