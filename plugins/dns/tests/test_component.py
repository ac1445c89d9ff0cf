"""The component against the real API server: answers follow the API, and the kube-dns
Service and this server's EndpointSlice exist while it runs."""

from __future__ import annotations

import asyncio
import time

import dns.asyncquery
import dns.message
import dns.rcode
import dns.rdatatype as t
import pytest
from microkube_dns.options import parse_options

from microkube.client.errors import NotFoundError
from microkube.config import ConfigError

OPTIONS = {
    "address": "127.0.0.1",
    "port": 0,
    "advertise-address": "127.0.0.1",
    "upstream": [],
    "cluster-domain": "k8s.test",
}


async def ask(port: int, name: str, rdtype: int = t.A) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype)
    return await dns.asyncquery.udp(query, "127.0.0.1", port=port, timeout=2)


async def until(check, seconds: float = 5.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.05)


async def test_answers_follow_the_api_and_the_service_points_here(microkube_cluster) -> None:
    cluster = await microkube_cluster("apiserver", "dns", options={"dns": OPTIONS})
    port = cluster.components["dns"].port
    api = cluster.client()

    service = await api.get("services", "kube-dns", "kube-system")
    assert service["spec"]["clusterIP"] == "10.96.0.10"
    assert "selector" not in service["spec"]
    [own] = (
        await api.list(
            "endpointslices", "kube-system", label_selector="kubernetes.io/service-name=kube-dns"
        )
    )["items"]
    assert own["endpoints"][0]["addresses"] == ["127.0.0.1"]
    assert {p["port"] for p in own["ports"]} == {port}

    # kube-dns itself resolves, in the configured domain
    answer = await ask(port, "kube-dns.kube-system.svc.k8s.test")
    assert [r.to_text() for r in answer.answer[0]] == ["10.96.0.10"]

    # a Service created, changed and deleted through the API
    await api.create(
        "services",
        {
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"ports": [{"name": "http", "port": 80}], "selector": {"app": "web"}},
        },
    )

    async def web_ip() -> list[str]:
        response = await ask(port, "web.default.svc.k8s.test")
        return [r.to_text() for rrset in response.answer for r in rrset]

    created = await until(web_ip)
    assert created and created[0].startswith("10.")
    await api.delete("services", "web", "default")

    async def gone() -> bool:
        return (await ask(port, "web.default.svc.k8s.test")).rcode() == dns.rcode.NXDOMAIN

    assert await until(gone)

    # stopping withdraws this server's EndpointSlice (the Service stays)
    await cluster.stop_component("dns")
    with pytest.raises(NotFoundError):
        await api.get("endpointslices", own["metadata"]["name"], "kube-system")
    await api.get("services", "kube-dns", "kube-system")


def test_options_name_the_bad_key() -> None:
    with pytest.raises(ConfigError, match="service-ip"):
        parse_options({"service-ip": "ten"})
    with pytest.raises(ConfigError, match="upstream"):
        parse_options({"upstream": ["dns.example"]})
    with pytest.raises(ConfigError, match="cluster-domain"):
        parse_options({"cluster-domain": "a..b"})
    with pytest.raises(ConfigError, match="unknown key"):
        parse_options({"zone": "x"})
    assert parse_options({"upstream": ["10.0.0.1:5353"]}).upstream == ("10.0.0.1:5353",)
