"""Services + EndpointSlices → one ServiceState per service port."""

from __future__ import annotations

from microkube_kube_proxy.flatten import DEFAULT_AFFINITY_SECONDS, flatten_service

from microkube.contracts.proxy import Endpoint, ServicePortName


def service(name="web", **spec):
    spec.setdefault("clusterIP", "10.96.0.10")
    spec.setdefault("ports", [{"name": "http", "port": 80, "targetPort": 8080}])
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec}


def endpoint_slice(*endpoints, ports=({"name": "http", "port": 8080},), name="web-abc"):
    return {
        "metadata": {
            "name": name,
            "namespace": "default",
            "labels": {"kubernetes.io/service-name": "web"},
        },
        "addressType": "IPv4",
        "ports": list(ports),
        "endpoints": list(endpoints),
    }


def ep(ip, node="node-a", **conditions):
    return {"addresses": [ip], "nodeName": node, "conditions": conditions}


def test_cluster_ip_port_with_endpoints_and_conditions():
    slices = [
        endpoint_slice(
            ep("10.244.0.2", ready=True),
            ep("10.244.0.1"),  # no conditions: ready
            ep("10.244.0.3", ready=False, serving=True, terminating=True),
            ep("10.244.0.4", node="node-b", ready=False),
        )
    ]
    (name, state), *rest = flatten_service(service(), slices).items()
    assert not rest
    assert name == ServicePortName("default", "web", "http")
    assert state.info.cluster_ips == ("10.96.0.10",) and state.info.port == 80
    assert state.info.node_port == 0 and not state.info.session_affinity_seconds
    assert state.endpoints == (
        Endpoint(ip="10.244.0.1", port=8080, node_name="node-a"),
        Endpoint(ip="10.244.0.2", port=8080, node_name="node-a"),
        Endpoint(
            ip="10.244.0.3",
            port=8080,
            ready=False,
            serving=True,
            terminating=True,
            node_name="node-a",
        ),
        Endpoint(ip="10.244.0.4", port=8080, ready=False, serving=False, node_name="node-b"),
    )


def test_ports_match_slice_ports_by_name_and_protocol():
    svc = service(
        ports=[
            {"name": "dns", "port": 53, "protocol": "UDP"},
            {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
        ]
    )
    slices = [
        endpoint_slice(
            ep("10.244.0.1"),
            ports=(
                {"name": "dns", "port": 1053, "protocol": "UDP"},
                {"name": "dns-tcp", "port": 2053, "protocol": "TCP"},
            ),
        )
    ]
    flat = flatten_service(svc, slices)
    udp = flat[ServicePortName("default", "web", "dns")]
    tcp = flat[ServicePortName("default", "web", "dns-tcp")]
    assert (udp.info.protocol, udp.endpoints[0].port) == ("UDP", 1053)
    assert (tcp.info.protocol, tcp.endpoints[0].port) == ("TCP", 2053)


def test_endpoints_across_slices_are_merged():
    slices = [
        endpoint_slice(ep("10.244.0.1"), name="a"),
        endpoint_slice(ep("10.244.0.2"), name="b"),
    ]
    (state,) = flatten_service(service(), slices).values()
    assert [e.ip for e in state.endpoints] == ["10.244.0.1", "10.244.0.2"]


def test_load_balancer_node_port_policies_and_affinity():
    svc = service(
        type="LoadBalancer",
        ports=[{"port": 443, "nodePort": 30443}],
        externalIPs=["203.0.113.5"],
        externalTrafficPolicy="Local",
        internalTrafficPolicy="Local",
        sessionAffinity="ClientIP",
        healthCheckNodePort=32000,
        loadBalancerSourceRanges=["192.0.2.0/24"],
    )
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "198.51.100.7"}, {"hostname": "x"}]}}
    ((name, state),) = flatten_service(svc, []).items()
    assert name == ServicePortName("default", "web", "")
    info = state.info
    assert info.node_port == 30443 and info.health_check_node_port == 32000
    assert info.external_ips == ("203.0.113.5",)
    assert info.load_balancer_ips == ("198.51.100.7",)
    assert info.load_balancer_source_ranges == ("192.0.2.0/24",)
    assert info.external_traffic_local and info.internal_traffic_local
    assert info.session_affinity_seconds == DEFAULT_AFFINITY_SECONDS
    assert state.endpoints == ()


def test_cluster_ip_service_has_no_node_port_or_external_policy():
    svc = service(ports=[{"port": 80, "nodePort": 30080}], externalTrafficPolicy="Local")
    (state,) = flatten_service(svc, []).values()
    assert state.info.node_port == 0 and not state.info.external_traffic_local


def test_affinity_timeout_from_config():
    svc = service(
        sessionAffinity="ClientIP",
        sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}},
    )
    (state,) = flatten_service(svc, []).values()
    assert state.info.session_affinity_seconds == 60


def test_headless_and_external_name_program_nothing():
    assert flatten_service(service(clusterIP="None"), [endpoint_slice(ep("10.1.1.1"))]) == {}
    external = service(type="ExternalName", externalName="example.com", clusterIP="")
    assert flatten_service(external, []) == {}
