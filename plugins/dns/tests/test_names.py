import dns.name
import pytest
from microkube_dns.names import ClusterName, InvalidName, parse_cluster_name

ZONE = dns.name.from_text("cluster.local")


def parse(text: str) -> ClusterName:
    return parse_cluster_name(dns.name.from_text(text), ZONE)


def test_service_endpoint_and_srv_names() -> None:
    assert parse("web.default.svc.cluster.local") == ClusterName("svc", "default", "web")
    assert parse("db-0.db.ns.svc.cluster.local") == ClusterName("svc", "ns", "db", "db-0")
    assert parse("_HTTP._tcp.web.default.svc.cluster.local") == ClusterName(
        "svc", "default", "web", port="http", protocol="tcp"
    )
    assert parse("1-2-3-4.default.pod.cluster.local") == ClusterName("pod", "default", "1-2-3-4")


def test_short_names_exist_without_parts() -> None:
    assert parse("cluster.local") == ClusterName()
    assert parse("svc.cluster.local") == ClusterName("svc")
    assert parse("default.svc.cluster.local") == ClusterName("svc", "default")


@pytest.mark.parametrize("text", ["x.cluster.local", "a.b.c.d.default.svc.cluster.local"])
def test_names_that_cannot_exist(text: str) -> None:
    with pytest.raises(InvalidName):
        parse(text)
