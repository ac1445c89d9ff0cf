"""Discovery content negotiation for the Accept headers kubectl and the Python client send."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from microkube_apiserver.discovery.negotiation import (
    DiscoveryFormat,
    MediaRange,
    negotiate,
    parse_accept,
)

# kubectl-wire.md §3 and §4.1, as sent on the wire.
KUBECTL_132 = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
KUBECTL_127 = (
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)
TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)
PROTOBUF = "application/vnd.kubernetes.protobuf,application/json"

V2_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
V2BETA1_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (KUBECTL_132, DiscoveryFormat.AGGREGATED_V2),
        (KUBECTL_127, DiscoveryFormat.AGGREGATED_V2BETA1),
        ("application/json, */*", DiscoveryFormat.LEGACY),  # legacy GV discovery, kubectl
        ("application/json", DiscoveryFormat.LEGACY),  # the Python client
        (PROTOBUF, DiscoveryFormat.LEGACY),
        (TABLE, DiscoveryFormat.LEGACY),
        ("*/*", DiscoveryFormat.LEGACY),
        (None, DiscoveryFormat.LEGACY),
        ("", DiscoveryFormat.LEGACY),
    ],
    ids=[
        "kubectl-1.32",
        "kubectl-1.27",
        "json-any",
        "json",
        "protobuf",
        "table",
        "any",
        "none",
        "empty",
    ],
)
def test_kubectl_and_client_headers(accept, expected):
    assert negotiate(accept) is expected


def test_response_content_types():
    assert DiscoveryFormat.AGGREGATED_V2.content_type == V2_TYPE
    assert DiscoveryFormat.AGGREGATED_V2BETA1.content_type == V2BETA1_TYPE
    assert DiscoveryFormat.LEGACY.content_type == "application/json"
    assert DiscoveryFormat.NOT_ACCEPTABLE.content_type is None
    assert DiscoveryFormat.AGGREGATED_V2.aggregated
    assert not DiscoveryFormat.LEGACY.aggregated


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # listed first wins among equals
        (f"{V2BETA1_TYPE},{V2_TYPE},application/json", DiscoveryFormat.AGGREGATED_V2BETA1),
        # quality beats order
        (f"{V2_TYPE};q=0.5,{V2BETA1_TYPE}", DiscoveryFormat.AGGREGATED_V2BETA1),
        (f"application/json;q=0.9,{V2_TYPE}", DiscoveryFormat.AGGREGATED_V2),
        (f"{V2_TYPE};q=0,application/json", DiscoveryFormat.LEGACY),
        # an aggregated form we cannot produce (protobuf) is skipped
        (
            "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
            "application/json",
            DiscoveryFormat.LEGACY,
        ),
        # an unknown aggregated version is skipped
        (
            "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList",
            DiscoveryFormat.NOT_ACCEPTABLE,
        ),
        ("application/yaml", DiscoveryFormat.NOT_ACCEPTABLE),
        ("application/vnd.kubernetes.protobuf", DiscoveryFormat.NOT_ACCEPTABLE),
        ("application/json;as=Table;v=v1;g=meta.k8s.io", DiscoveryFormat.NOT_ACCEPTABLE),
        ("application/*", DiscoveryFormat.LEGACY),
        ("text/*", DiscoveryFormat.NOT_ACCEPTABLE),
        (
            " application/json ; g=apidiscovery.k8s.io ; v=v2 ; as=APIGroupDiscoveryList ",
            DiscoveryFormat.AGGREGATED_V2,
        ),
        ("garbage,,;;,application/json", DiscoveryFormat.LEGACY),
    ],
)
def test_preferences(accept, expected):
    assert negotiate(accept) is expected


def test_parse_accept_keeps_parameters_and_orders_by_quality():
    ranges = parse_accept('text/plain;q=0.2, Application/JSON;As="Table";v=v1, */*;q=0.5')
    assert ranges == [
        MediaRange("application", "json", {"as": "Table", "v": "v1"}, 1.0),
        MediaRange("*", "*", {}, 0.5),
        MediaRange("text", "plain", {}, 0.2),
    ]
    assert parse_accept("application/json;q=abc") == []
    assert parse_accept(None) == []


@given(st.text(max_size=200))
def test_any_header_gets_a_decision(accept):
    chosen = negotiate(accept)
    assert isinstance(chosen, DiscoveryFormat)
    if chosen.aggregated:
        assert "APIGroupDiscoveryList" in accept
    if chosen is DiscoveryFormat.NOT_ACCEPTABLE:
        assert accept.strip()


@given(
    st.lists(
        st.sampled_from([V2_TYPE, V2BETA1_TYPE, "application/json", "application/yaml"]), min_size=1
    )
)
def test_the_first_producible_entry_wins(entries):
    chosen = negotiate(",".join(entries))
    first = next((e for e in entries if e != "application/yaml"), None)
    expected = {
        V2_TYPE: DiscoveryFormat.AGGREGATED_V2,
        V2BETA1_TYPE: DiscoveryFormat.AGGREGATED_V2BETA1,
        "application/json": DiscoveryFormat.LEGACY,
        None: DiscoveryFormat.NOT_ACCEPTABLE,
    }[first]
    assert chosen is expected
