"""Kubelet URLs as kube-apiserver builds them: query parameters, containers, node endpoints."""

from __future__ import annotations

import pytest
from microkube_apiserver import errors
from microkube_apiserver.kubelet.location import (
    KubeletLocation,
    NodeEndpoint,
    choose_container,
    log_query,
    node_endpoint,
    stream_query,
)


def test_log_query_keeps_only_the_upstream_parameters_sorted():
    query = {
        "follow": "true",
        "previous": "false",
        "timestamps": "1",
        "tailLines": "10",
        "limitBytes": "500",
        "sinceTime": "2024-01-01T00:00:00Z",
        "container": "main",
        "pretty": "true",
    }
    assert log_query(query) == (
        "follow=true&limitBytes=500&sinceTime=2024-01-01T00%3A00%3A00Z&tailLines=10&timestamps=true"
    )
    assert log_query({}) == ""


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"tailLines": "x"}, 400),
        ({"follow": "maybe"}, 400),
        ({"sinceSeconds": "0"}, 422),
        ({"sinceSeconds": "5", "sinceTime": "2024-01-01T00:00:00Z"}, 422),
        ({"tailLines": "-1"}, 422),
        ({"limitBytes": "0"}, 422),
    ],
)
def test_bad_log_options(query, code):
    with pytest.raises(errors.ApiError) as caught:
        log_query(query)
    assert caught.value.code == code


def test_stream_queries():
    query = {"stdin": "true", "stdout": "true", "stderr": "false", "tty": "true"}
    assert stream_query("exec", query, ["sh", "-c", "echo hi"]) == (
        "command=sh&command=-c&command=echo+hi&input=1&output=1&tty=1"
    )
    assert stream_query("attach", query, ["ignored"]) == "input=1&output=1&tty=1"
    assert stream_query("portforward", {"ports": "8080,9090"}, []) == "port=8080%2C9090"
    assert stream_query("portforward", {}, []) == ""


def pod(*containers: str, init: tuple[str, ...] = (), annotations: dict | None = None) -> dict:
    return {
        "metadata": {"name": "p", "annotations": annotations or {}},
        "spec": {
            "containers": [{"name": c} for c in containers],
            "initContainers": [{"name": c} for c in init],
        },
    }


def test_container_choice():
    assert choose_container(pod("only"), "", for_logs=False) == "only"
    assert choose_container(pod("a", init=("setup",)), "setup", for_logs=True) == "setup"
    annotated = pod("a", "b", annotations={"kubectl.kubernetes.io/default-container": "b"})
    assert choose_container(annotated, "", for_logs=False) == "b"
    with pytest.raises(errors.ApiError) as caught:
        choose_container(pod("a", "b", init=("i",)), "", for_logs=False)
    assert caught.value.message == (
        "a container name must be specified for pod p, choose one of: [a b] "
        "or one of the init containers: [i]"
    )
    with pytest.raises(errors.ApiError) as caught:
        choose_container(pod("a", "b", init=("i",)), "", for_logs=True)
    assert caught.value.message == (
        "a container name must be specified for pod p, choose one of: [i a b]"
    )
    with pytest.raises(errors.ApiError) as caught:
        choose_container(pod("a"), "zz", for_logs=False)
    assert (caught.value.code, caught.value.message) == (400, "container zz is not valid for pod p")


def test_node_endpoint_prefers_internal_ip_then_hostname():
    node = {
        "metadata": {"name": "n"},
        "status": {
            "addresses": [
                {"type": "Hostname", "address": "n.local"},
                {"type": "InternalIP", "address": "10.0.0.5"},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 12250}},
        },
    }
    assert node_endpoint(node) == NodeEndpoint("10.0.0.5", 12250)
    node["status"]["addresses"] = [{"type": "Hostname", "address": "n.local"}]
    del node["status"]["daemonEndpoints"]
    assert node_endpoint(node) == NodeEndpoint("n.local", 10250)
    node["status"]["addresses"] = []
    with pytest.raises(errors.ApiError) as caught:
        node_endpoint(node)
    assert caught.value.code == 500
    location = KubeletLocation(NodeEndpoint("::1", 10250), "/exec/ns/p/c", "command=ls")
    assert location.url == "https://[::1]:10250/exec/ns/p/c?command=ls"
