"""The serviceaccount controller against a real API server, checked with the real kubectl."""

from __future__ import annotations

import asyncio
import json

from microkube_controllers.lifecycle.serviceaccount import is_active

from microkube.client.errors import NotFoundError


def test_a_namespace_is_active_unless_being_deleted():
    assert is_active({"metadata": {"name": "a"}, "status": {"phase": "Active"}})
    assert is_active({"metadata": {"name": "a"}})
    assert not is_active({"metadata": {"name": "a"}, "status": {"phase": "Terminating"}})
    deleting = {"metadata": {"name": "a", "deletionTimestamp": "2024-01-01T00:00:00Z"}}
    assert not is_active(deleting)


async def test_default_service_account_appears_in_every_namespace(
    lifecycle_controllers, poll_until
):
    cluster, _client = await lifecycle_controllers("serviceaccount")
    await cluster.kubectl("create", "namespace", "team-a")

    async def listed():
        result = await cluster.kubectl("get", "serviceaccounts", "-A", "-o", "json")
        found = {
            (sa["metadata"]["namespace"], sa["metadata"]["name"])
            for sa in json.loads(result.stdout)["items"]
        }
        wanted = {(ns, "default") for ns in ("default", "kube-system", "team-a")}
        return wanted <= found

    await poll_until(listed)


async def test_a_deleted_default_service_account_is_created_again(
    lifecycle_controllers, poll_until
):
    cluster, client = await lifecycle_controllers("serviceaccount")

    async def present():
        try:
            return await client.get("serviceaccounts", "default", "default")
        except NotFoundError:
            return None

    first = await poll_until(present)
    await cluster.kubectl("delete", "serviceaccount", "default", "-n", "default")

    async def recreated():
        again = await present()
        return again if again and again["metadata"]["uid"] != first["metadata"]["uid"] else None

    await poll_until(recreated)


async def test_no_account_is_created_in_a_terminating_namespace(lifecycle_controllers, poll_until):
    cluster, client = await lifecycle_controllers("serviceaccount")
    await client.create("namespaces", {"metadata": {"name": "going"}})
    await poll_until(lambda: _exists(client, "going"))
    await cluster.kubectl("delete", "namespace", "going", "--wait=false")
    await cluster.kubectl("delete", "serviceaccount", "default", "-n", "going")
    await asyncio.sleep(1.0)
    assert not await _exists(client, "going")


async def _exists(client, namespace: str) -> bool:
    try:
        await client.get("serviceaccounts", "default", namespace)
    except NotFoundError:
        return False
    return True
