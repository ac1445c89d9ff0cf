"""The proxier over the fake backend: a first full sync, then coalesced updates carrying only
what changed."""

from __future__ import annotations

import asyncio

import pytest
from microkube_kube_proxy.proxier import Proxier

from microkube.contracts.proxy import ServicePortName
from microkube.testing.fakes import FakeServiceProxy

WEB = ServicePortName("default", "web", "")
API = ServicePortName("default", "api", "")


def service(name, ip, port=80):
    return {
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"clusterIP": ip, "ports": [{"port": port}]},
    }


def endpoints(service_name, *ips, slice_name=None):
    return {
        "metadata": {
            "name": slice_name or f"{service_name}-1",
            "namespace": "default",
            "labels": {"kubernetes.io/service-name": service_name},
        },
        "ports": [{"port": 8080}],
        "endpoints": [{"addresses": [ip]} for ip in ips],
    }


@pytest.fixture
async def running():
    backend = FakeServiceProxy("node-a")
    await backend.start()
    proxier = Proxier(backend, "node-a", ("192.168.1.1",), min_sync_period=0.05)
    yield proxier, backend
    await proxier.stop()


def ips(backend, name):
    return [e.ip for e in backend.services[name].endpoints]


async def settle(proxier):
    async with asyncio.timeout(5):
        await proxier.wait_idle()


async def test_first_sync_programs_the_known_state(running):
    proxier, backend = running
    proxier.on_service(service("web", "10.96.0.1"))
    proxier.on_slice(endpoints("web", "10.244.0.1"))
    proxier.on_slice(endpoints("orphan", "10.244.0.9"))  # its Service is not known (yet)
    await proxier.sync()
    assert backend.state.node_ips == ("192.168.1.1",)
    assert list(backend.services) == [WEB] and ips(backend, WEB) == ["10.244.0.1"]
    proxier.start()
    await settle(proxier)
    assert [c.method for c in backend.calls] == ["start", "sync"]


async def test_changes_are_coalesced_into_one_update_of_what_changed(running):
    proxier, backend = running
    proxier.on_service(service("web", "10.96.0.1"))
    proxier.on_service(service("api", "10.96.0.2"))
    await proxier.sync()
    proxier.start()
    await settle(proxier)
    for n in range(1, 6):  # five endpoint changes inside one batching window
        proxier.on_slice(endpoints("web", *(f"10.244.0.{i}" for i in range(1, n + 1))))
    await settle(proxier)
    updates = [c for c in backend.calls if c.method == "update"]
    assert len(updates) == 1
    (changes,) = updates[0].args
    assert list(changes) == [WEB]  # api did not change
    assert ips(backend, WEB) == [f"10.244.0.{i}" for i in range(1, 6)]
    # A Service update that changes nothing programmed sends nothing.
    proxier.on_service(service("api", "10.96.0.2"))
    await settle(proxier)
    assert len([c for c in backend.calls if c.method == "update"]) == 1


async def test_deletions_send_none(running):
    proxier, backend = running
    proxier.on_service(service("web", "10.96.0.1"))
    proxier.on_slice(endpoints("web", "10.244.0.1"))
    await proxier.sync()
    proxier.start()
    proxier.on_slice_delete(endpoints("web", "10.244.0.1"))
    await settle(proxier)
    assert backend.services[WEB].endpoints == ()
    proxier.on_service_delete(service("web", "10.96.0.1"))
    await settle(proxier)
    assert backend.calls[-1].args == ({WEB: None},)
    assert WEB not in backend.services


async def test_a_new_node_address_means_a_full_sync(running):
    proxier, backend = running
    proxier.on_service(service("web", "10.96.0.1"))
    await proxier.sync()
    proxier.start()
    proxier.set_node_ips(("192.168.1.2",))
    await settle(proxier)
    assert [c.method for c in backend.calls] == ["start", "sync", "sync"]
    assert backend.state.node_ips == ("192.168.1.2",)


async def test_a_failed_update_is_retried_as_a_full_sync(running):
    proxier, backend = running
    proxier.retry_seconds = 0.01
    proxier.on_service(service("web", "10.96.0.1"))
    await proxier.sync()
    proxier.start()
    backend.fail("update", RuntimeError("nft said no"))
    proxier.on_slice(endpoints("web", "10.244.0.7"))
    await settle(proxier)
    assert [c.method for c in backend.calls][-2:] == ["update", "sync"]
    assert ips(backend, WEB) == ["10.244.0.7"]
