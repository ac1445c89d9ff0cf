import dns.name
import dns.rcode
import dns.rdatatype as t
import dns.reversename
from dns_objects import endpoint_slice, ready, sample_view, service, view
from microkube_dns.records import Answer, ZoneResolver

Z = "cluster.local"


def resolve(name: str, rdtype: int, resolver: ZoneResolver | None = None) -> Answer:
    resolver = resolver or ZoneResolver(sample_view(), Z, 5, "10.96.0.10")
    return resolver.resolve(dns.name.from_text(name), rdtype)


def values(answer: Answer, rdtype: int, section: str = "answer") -> list[str]:
    return sorted(
        rdata.to_text()
        for rrset in getattr(answer, section)
        if rrset.rdtype == rdtype
        for rdata in rrset
    )


def test_cluster_ip_service_answers_its_ip_with_ttl_5() -> None:
    answer = resolve("web.default.svc.cluster.local", t.A)
    assert answer.rcode == dns.rcode.NOERROR
    assert values(answer, t.A) == ["10.96.0.20"]
    assert answer.answer[0].ttl == 5


def test_name_without_records_of_the_type_is_nodata_with_soa() -> None:
    answer = resolve("web.default.svc.cluster.local", t.AAAA)
    assert (answer.rcode, answer.answer) == (dns.rcode.NOERROR, [])
    assert answer.authority[0].rdtype == t.SOA
    for name in ("cluster.local", "svc.cluster.local", "anyns.svc.cluster.local"):
        assert (resolve(name, t.A).rcode, resolve(name, t.A).answer) == (dns.rcode.NOERROR, [])


def test_missing_names_are_nxdomain() -> None:
    for name in (
        "nope.default.svc.cluster.local",  # no such Service
        "web.other.svc.cluster.local",  # not in that namespace
        "empty.default.svc.cluster.local",  # headless, no ready endpoint
        "none.default.svc.cluster.local",  # no ports (CoreDNS: no records at all)
        "_grpc._tcp.web.default.svc.cluster.local",  # no such port
        "foo.cluster.local",
    ):
        answer = resolve(name, t.A)
        assert answer.rcode == dns.rcode.NXDOMAIN, name
        assert answer.authority[0].rdtype == t.SOA


def test_headless_service_answers_ready_endpoints_and_their_hostnames() -> None:
    assert values(resolve("db.default.svc.cluster.local", t.A), t.A) == [
        "10.244.1.5",
        "10.244.2.6",
    ]
    assert values(resolve("db-0.db.default.svc.cluster.local", t.A), t.A) == ["10.244.1.5"]
    # an endpoint without hostname is named by its dashed IP
    assert values(resolve("10-244-2-6.db.default.svc.cluster.local", t.A), t.A) == ["10.244.2.6"]
    assert resolve("db-1.db.default.svc.cluster.local", t.A).rcode == dns.rcode.NXDOMAIN


def test_srv_for_named_ports() -> None:
    answer = resolve("_http._tcp.web.default.svc.cluster.local", t.SRV)
    assert values(answer, t.SRV) == ["0 100 80 web.default.svc.cluster.local."]
    assert values(answer, t.A, "additional") == ["10.96.0.20"]
    headless = resolve("_pg._tcp.db.default.svc.cluster.local", t.SRV)
    assert values(headless, t.SRV) == [
        "0 50 5432 10-244-2-6.db.default.svc.cluster.local.",
        "0 50 5432 db-0.db.default.svc.cluster.local.",
    ]
    assert values(headless, t.A, "additional") == ["10.244.1.5", "10.244.2.6"]
    assert resolve("_pg._udp.db.default.svc.cluster.local", t.SRV).rcode == dns.rcode.NXDOMAIN


def test_external_name_is_a_cname_to_follow() -> None:
    answer = resolve("ext.default.svc.cluster.local", t.A)
    assert values(answer, t.CNAME) == ["example.org."]
    assert answer.chase == dns.name.from_text("example.org")


def test_pod_names_answer_the_dashed_ip() -> None:
    assert values(resolve("10-244-1-9.default.pod.cluster.local", t.A), t.A) == ["10.244.1.9"]
    assert resolve("not-an-ip.default.pod.cluster.local", t.A).rcode == dns.rcode.NXDOMAIN


def test_apex_soa_and_ns() -> None:
    assert values(resolve("cluster.local", t.SOA), t.SOA)[0].startswith("ns.dns.cluster.local.")
    ns = resolve("cluster.local", t.NS)
    assert values(ns, t.NS) == ["ns.dns.cluster.local."]
    assert values(ns, t.A, "additional") == ["10.96.0.10"]


def test_other_cluster_domain_and_dual_stack() -> None:
    resolver = ZoneResolver(
        view(service("v6", clusterIP="fd00::5", clusterIPs=["fd00::5", "10.96.0.5"])),
        "example.internal",
        5,
        "10.96.0.10",
    )
    assert values(resolve("v6.default.svc.example.internal", t.AAAA, resolver), t.AAAA) == [
        "fd00::5"
    ]
    assert values(resolve("v6.default.svc.example.internal", t.A, resolver), t.A) == ["10.96.0.5"]
    assert not resolver.in_zone(dns.name.from_text("v6.default.svc.cluster.local"))


def test_endpoints_in_two_slices_are_answered_once() -> None:
    resolver = ZoneResolver(
        view(
            service("h", clusterIP="None"),
            endpoint_slice("h", [ready("10.1.0.1")], name="h-1"),
            endpoint_slice("h", [ready("10.1.0.1"), ready("10.1.0.2")], name="h-2"),
        ),
        Z,
        5,
        "10.96.0.10",
    )
    assert values(resolve("h.default.svc.cluster.local", t.A, resolver), t.A) == [
        "10.1.0.1",
        "10.1.0.2",
    ]


def reverse(ip: str, rdtype: int = t.PTR) -> Answer | None:
    resolver = ZoneResolver(sample_view(), Z, 5, "10.96.0.10")
    return resolver.reverse(dns.reversename.from_address(ip), rdtype)


def test_reverse_names_of_cluster_ips_and_headless_endpoints() -> None:
    assert values(reverse("10.96.0.20"), t.PTR) == ["web.default.svc.cluster.local."]
    assert values(reverse("10.244.1.5"), t.PTR) == ["db-0.db.default.svc.cluster.local."]
    assert values(reverse("10.244.2.6"), t.PTR) == ["10-244-2-6.db.default.svc.cluster.local."]
    nodata = reverse("10.96.0.20", t.A)
    assert nodata is not None and not nodata.answer and nodata.authority[0].rdtype == t.SOA
    # not the cluster's (or a not-ready endpoint): left to the upstream resolvers
    assert reverse("192.0.2.1") is None
    assert reverse("10.244.3.7") is None
