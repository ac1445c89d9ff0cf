"""FakeCloud: the cloud conformance suite with every capability and with none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from microkube.contracts.cloud import CloudError, CloudProvider, Route
from microkube.testing.conformance.cloud import CloudConformance
from microkube.testing.fakes.cloud import FakeCloud


class TestFakeCloudConformance(CloudConformance):
    @pytest.fixture
    async def cloud(self) -> AsyncIterator[FakeCloud]:
        cloud = FakeCloud()
        await cloud.start()
        yield cloud
        await cloud.close()

    async def launch_instance(self, cloud: CloudProvider, name: str) -> Any:
        assert isinstance(cloud, FakeCloud)
        return self.node(name, provider_id=cloud.add_instance(name).provider_id)


class TestBareCloudConformance(CloudConformance):
    """A cloud supporting nothing: the suite must accept it (capability tests skip)."""

    @pytest.fixture
    def cloud(self) -> FakeCloud:
        return FakeCloud(instances=False, load_balancers=False, routes=False)


def node(name: str, provider_id: str = "") -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"providerID": provider_id}}


def service(name: str, namespace: str = "default") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace}}


async def test_unsupported_capabilities_are_none() -> None:
    cloud = FakeCloud(load_balancers=False)
    assert cloud.load_balancers() is None
    assert cloud.instances() is not None and cloud.routes() is not None


async def test_instances_by_provider_id_or_name_and_their_life() -> None:
    cloud = FakeCloud(zone_names=("z1", "z2"))
    first = cloud.add_instance("n1")
    second = cloud.add_instance("n2")
    assert (first.zone, second.zone) == ("z1", "z2")
    instances = cloud.instances()
    assert instances is not None
    assert await instances.instance_exists(node("n1", first.provider_id))
    assert await instances.instance_exists("n2")  # by name when there is no providerID
    metadata = await instances.instance_metadata(node("n1"))
    assert metadata.zone == "z1" and metadata.region == "fake-region-1"
    assert metadata.addresses[0].type == "InternalIP"
    cloud.shutdown_instance("n1")
    assert await instances.instance_shutdown(node("n1")) is True
    cloud.terminate_instance("n1")
    assert await instances.instance_exists(node("n1")) is False
    with pytest.raises(CloudError) as info:
        await instances.instance_metadata(node("n1"))
    assert info.value.retryable is False


async def test_cloud_without_zones() -> None:
    cloud = FakeCloud(zones=False)
    cloud.add_instance("n1")
    instances = cloud.instances()
    assert instances is not None
    metadata = await instances.instance_metadata("n1")
    assert (metadata.zone, metadata.region) == ("", "")


async def test_load_balancer_ips_come_from_the_pool_and_return_to_it() -> None:
    cloud = FakeCloud(lb_pool="203.0.113.0/30")  # two usable addresses
    balancers = cloud.load_balancers()
    assert balancers is not None
    a = await balancers.ensure_load_balancer("c", service("a"), [node("n1")])
    b = await balancers.ensure_load_balancer("c", service("b"), [])
    assert [a[0].ip, b[0].ip] == ["203.0.113.1", "203.0.113.2"]
    with pytest.raises(CloudError) as info:
        await balancers.ensure_load_balancer("c", service("c"), [])
    assert info.value.retryable
    await balancers.ensure_load_balancer_deleted("c", service("a"))
    c = await balancers.ensure_load_balancer("c", service("c"), [])
    assert c[0].ip == "203.0.113.1"
    assert ("c", "default", "a") not in cloud.balancers


async def test_update_tracks_nodes_and_unknown_balancer_fails() -> None:
    cloud = FakeCloud()
    balancers = cloud.load_balancers()
    assert balancers is not None
    await balancers.ensure_load_balancer("c", service("web"), [node("n2"), node("n1")])
    assert cloud.balancers[("c", "default", "web")].nodes == ("n1", "n2")
    await balancers.update_load_balancer("c", service("web"), [node("n3")])
    assert cloud.balancers[("c", "default", "web")].nodes == ("n3",)
    with pytest.raises(CloudError):
        await balancers.update_load_balancer("c", service("nope"), [])


async def test_conflicting_route_is_refused() -> None:
    cloud = FakeCloud()
    routes = cloud.routes()
    assert routes is not None
    await routes.create_route(
        "c", "r1", Route(name="", target_node="n1", destination_cidr="10.1.0.0/24")
    )
    with pytest.raises(CloudError):
        await routes.create_route(
            "c", "r2", Route(name="", target_node="n2", destination_cidr="10.1.0.0/24")
        )
    assert [r.name for r in await routes.list_routes("c")] == ["r1"]


async def test_calls_of_capabilities_share_the_cloud_log() -> None:
    cloud = FakeCloud()
    balancers = cloud.load_balancers()
    assert balancers is not None
    balancers.fail("ensure_load_balancer", CloudError("quota"))
    with pytest.raises(CloudError, match="quota"):
        await balancers.ensure_load_balancer("c", service("web"), [])
    await cloud.start()
    assert [c.method for c in cloud.calls] == ["ensure_load_balancer", "start"]
