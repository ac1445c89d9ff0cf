"""FakeCNI: the CNI conformance suite, plus IPAM details."""

from __future__ import annotations

import pytest

from microkube.contracts.cni import CNIContext, CNIError
from microkube.testing.conformance.cni import CNIConformance
from microkube.testing.fakes.cni import FakeCNI


class TestFakeCNIConformance(CNIConformance):
    @pytest.fixture
    def cni(self) -> FakeCNI:
        return FakeCNI()


def ctx(container_id: str, netns: str = "/run/netns/a") -> CNIContext:
    return CNIContext(container_id=container_id, netns=netns)


async def test_addresses_come_from_the_subnet_after_the_gateway() -> None:
    cni = FakeCNI("10.1.2.0/29")
    result = await cni.add(ctx("a"))
    assert result.ips[0].address == "10.1.2.2/29"
    assert result.ips[0].gateway == "10.1.2.1" == cni.gateway
    assert result.routes[0].dst == "0.0.0.0/0"
    assert cni.ip_of("a") == "10.1.2.2"


async def test_exhaustion_and_release() -> None:
    cni = FakeCNI("10.1.2.0/30")  # one usable address after the gateway
    await cni.add(ctx("a"))
    with pytest.raises(CNIError) as info:
        await cni.add(ctx("b"))
    assert info.value.code >= 100
    await cni.delete(ctx("a"))
    assert (await cni.add(ctx("b"))).pod_ip() == "10.1.2.2"


async def test_check_notices_a_moved_namespace() -> None:
    cni = FakeCNI()
    await cni.add(ctx("a", "/run/netns/one"))
    with pytest.raises(CNIError) as info:
        await cni.check(ctx("a", "/run/netns/two"))
    assert info.value.code >= 100


async def test_missing_netns_is_an_invalid_environment() -> None:
    with pytest.raises(CNIError) as info:
        await FakeCNI().add(ctx("a", netns=""))
    assert info.value.code == 4


async def test_calls_recorded_and_failure_injected() -> None:
    cni = FakeCNI()
    cni.fail("add", CNIError(11, "try again later"))
    with pytest.raises(CNIError) as info:
        await cni.add(ctx("a"))
    assert info.value.code == 11
    await cni.add(ctx("a"))
    assert [c.method for c in cni.calls] == ["add", "add"]
