"""The root-ca-cert-publisher against a real API server: ``kube-root-ca.crt`` everywhere,
holding the CA the controllers trust, put back when changed or deleted."""

from __future__ import annotations

from microkube_controllers.lifecycle.rootca import CONFIGMAP, cluster_ca

from microkube.client.errors import NotFoundError


async def test_root_ca_configmap_in_every_namespace(lifecycle_controllers, poll_until):
    cluster, client = await lifecycle_controllers("root-ca-cert-publisher")
    expected = cluster_ca(client)
    await cluster.kubectl("create", "namespace", "team-b")

    async def published(namespace: str):
        try:
            found = await client.get("configmaps", CONFIGMAP, namespace)
        except NotFoundError:
            return None
        return found if found.get("data") == {"ca.crt": expected} else None

    for namespace in ("default", "kube-system", "team-b"):
        await poll_until(lambda ns=namespace: published(ns), within=15)

    first = await published("default")
    changed = dict(first, data={"ca.crt": "not a CA"})
    await client.replace("configmaps", changed, "default")
    await poll_until(lambda: published("default"), within=15)

    old = await published("team-b")
    await client.delete("configmaps", CONFIGMAP, "team-b")

    async def recreated():
        again = await published("team-b")
        return again if again and again["metadata"]["uid"] != old["metadata"]["uid"] else None

    await poll_until(recreated, within=15)
