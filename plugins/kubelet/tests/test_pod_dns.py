"""Pod resolver configuration from dnsPolicy/dnsConfig (upstream's rules)."""

from __future__ import annotations

from microkube_kubelet.pod_dns import pod_dns_config


def _pod(**spec):  # type: ignore[no-untyped-def]
    return {"metadata": {"namespace": "shop"}, "spec": spec}


def test_cluster_first_uses_cluster_dns_and_search_path():
    dns = pod_dns_config(_pod(dnsPolicy="ClusterFirst"), ["10.96.0.10"], "cluster.local")
    assert dns.servers == ("10.96.0.10",)
    assert dns.searches == ("shop.svc.cluster.local", "svc.cluster.local", "cluster.local")
    assert dns.options == ("ndots:5",)


def test_without_cluster_dns_or_on_host_network_the_host_resolver_is_kept():
    assert pod_dns_config(_pod(dnsPolicy="ClusterFirst"), [], "cluster.local").servers == ()
    host = pod_dns_config(_pod(dnsPolicy="ClusterFirst", hostNetwork=True), ["10.96.0.10"], "c.l")
    assert host.servers == ()
    with_net = _pod(dnsPolicy="ClusterFirstWithHostNet", hostNetwork=True)
    assert pod_dns_config(with_net, ["10.96.0.10"], "c.l").servers == ("10.96.0.10",)


def test_dns_config_is_merged_and_none_uses_it_alone():
    extra = {
        "nameservers": ["1.1.1.1"],
        "searches": ["example.com"],
        "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}],
    }
    merged = pod_dns_config(_pod(dnsConfig=extra), ["10.96.0.10"], "cluster.local")
    assert merged.servers == ("10.96.0.10", "1.1.1.1")
    assert merged.searches[-1] == "example.com"
    assert merged.options == ("ndots:2", "edns0")
    alone = pod_dns_config(_pod(dnsPolicy="None", dnsConfig=extra), ["10.96.0.10"], "cluster.local")
    assert alone.servers == ("1.1.1.1",) and alone.searches == ("example.com",)
