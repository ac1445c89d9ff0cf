"""The lifecycle controllers run by the real controller manager component (by name, from the
entry points), against the real API server, driven by the real kubectl."""

from __future__ import annotations

import json

from microkube.client.errors import NotFoundError

LIFECYCLE = "namespace,serviceaccount,garbagecollector,endpointslice,endpoints,podgc"


async def test_namespace_life_through_the_controller_manager(microkube_cluster, poll_until):
    cluster = await microkube_cluster(
        "apiserver",
        "controller-manager",
        options={"controller-manager": {"controllers": LIFECYCLE, "leader-elect": False}},
    )
    client = cluster.client()
    await cluster.kubectl("create", "namespace", "shop")

    async def has_default_account():
        try:
            return await client.get("serviceaccounts", "default", "shop")
        except NotFoundError:
            return None

    await poll_until(has_default_account)
    await cluster.kubectl("create", "service", "clusterip", "cart", "--tcp=80:8080", "-n", "shop")
    await cluster.kubectl("create", "configmap", "prices", "--from-literal=a=1", "-n", "shop")

    async def slice_made():
        result = await cluster.kubectl("get", "endpointslices", "-n", "shop", "-o", "json")
        return json.loads(result.stdout)["items"]

    slices = await poll_until(slice_made)
    assert slices[0]["metadata"]["labels"]["kubernetes.io/service-name"] == "cart"

    await cluster.kubectl("delete", "namespace", "shop", "--timeout=60s", seconds=90)
    gone = await cluster.kubectl("get", "namespace", "shop", check=False)
    assert 'namespaces "shop" not found' in gone.stderr
