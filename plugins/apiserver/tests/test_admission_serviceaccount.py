"""ServiceAccount admission: the default account and the projected token volume."""

from __future__ import annotations

import asyncio

PODS = "/api/v1/namespaces/default/pods"
ACCOUNTS = "/api/v1/namespaces/default/serviceaccounts"
MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def pod(name: str, **spec) -> dict:
    containers = [{"name": "a", "image": "busybox"}, {"name": "b", "image": "busybox"}]
    return {"metadata": {"name": name}, "spec": {"containers": containers, **spec}}


async def create(client, body) -> dict:
    reply = await client.post(PODS, body)
    assert reply.status == 201, reply
    return reply.body


async def test_token_volume_is_mounted_everywhere(client):
    for name, automount in (("default", None), ("runner", None), ("quiet", False)):
        body = {"metadata": {"name": name}}
        if automount is not None:
            body["automountServiceAccountToken"] = automount
        assert (await client.post(ACCOUNTS, body)).status == 201
    await asyncio.sleep(0.05)

    spec = (await create(client, pod("p1")))["spec"]
    assert spec["serviceAccountName"] == "default"
    (volume,) = spec["volumes"]
    assert volume["name"].startswith("kube-api-access-") and len(volume["name"]) == 21
    sources = volume["projected"]["sources"]
    assert sources[0] == {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
    assert sources[1]["configMap"]["name"] == "kube-root-ca.crt"
    assert sources[2]["downwardAPI"]["items"][0]["fieldRef"]["fieldPath"] == "metadata.namespace"
    for container in spec["containers"]:
        assert {"name": volume["name"], "readOnly": True, "mountPath": MOUNT} in container[
            "volumeMounts"
        ]

    spec = (await create(client, pod("p2", serviceAccountName="runner")))["spec"]
    assert spec["serviceAccount"] == "runner" and len(spec["volumes"]) == 1

    # turned off by the pod, or by its account
    off = (await create(client, pod("p3", automountServiceAccountToken=False)))["spec"]
    assert not off.get("volumes")
    quiet = (await create(client, pod("p4", serviceAccountName="quiet")))["spec"]
    assert not quiet.get("volumes")

    # a container that mounts something at the path keeps it; the others get the token
    own = pod("p5", volumes=[{"name": "mine", "emptyDir": {}}])
    own["spec"]["containers"][0]["volumeMounts"] = [{"name": "mine", "mountPath": MOUNT}]
    spec = (await create(client, own))["spec"]
    assert [m["name"] for m in spec["containers"][0]["volumeMounts"]] == ["mine"]
    assert spec["containers"][1]["volumeMounts"][0]["name"].startswith("kube-api-access-")


async def test_missing_account_and_mirror_pods_get_no_token(client):
    spec = (await create(client, pod("lonely", serviceAccountName="nobody")))["spec"]
    assert spec["serviceAccountName"] == "nobody" and not spec.get("volumes")
    mirror = pod("static", nodeName="n1")
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "x"}
    spec = (await create(client, mirror))["spec"]
    assert "serviceAccountName" not in spec and not spec.get("volumes")
