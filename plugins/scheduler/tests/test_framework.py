"""Building a profile's framework, the adaptive node count, host choice, explanations."""

from __future__ import annotations

import pytest
from microkube_scheduler.args import ConfigurationError
from microkube_scheduler.cache import SchedulerCache
from microkube_scheduler.component import plugin_factories
from microkube_scheduler.config import parse_configuration
from microkube_scheduler.explain import explain
from microkube_scheduler.fit_error import FitError
from microkube_scheduler.framework import Framework, num_feasible_nodes_to_find, select_host
from microkube_scheduler.handle import SchedulerHandle
from microkube_scheduler.nominator import Nominator
from microkube_scheduler.permit import WaitingPods
from microkube_scheduler.podinfo import PodInfo
from objects import typed_node, typed_pod

from microkube.contracts.scheduling import CycleState
from microkube.plugins import load_plugins


@pytest.fixture(scope="module")
def factories():
    return plugin_factories(load_plugins(["microkube.scheduling"]))


def build(factories, profile: dict | None = None, cache: SchedulerCache | None = None):
    config = parse_configuration({"profiles": [profile or {}]})
    handle = SchedulerHandle(
        cache or SchedulerCache(), None, nominator=Nominator(), waiting_pods=WaitingPods()
    )
    framework = Framework.build(config.profiles[0], factories, handle)
    handle.framework = framework
    return framework


def test_adaptive_number_of_nodes_to_find():
    assert num_feasible_nodes_to_find(None, 50) == 50
    assert num_feasible_nodes_to_find(None, 1000) == 420  # 50 - 1000/125 = 42%
    assert num_feasible_nodes_to_find(None, 5000) == 500  # 10%
    assert num_feasible_nodes_to_find(None, 100000) == 5000  # at least 5%
    assert num_feasible_nodes_to_find(1, 1000) == 100  # never fewer than 100
    assert num_feasible_nodes_to_find(100, 1000) == 1000


def test_default_profile_plugins_and_weights(factories):
    framework = build(factories)
    assert framework.plugin_names("filter") == [
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "PodTopologySpread",
        "InterPodAffinity",
    ]
    assert framework.weights == {
        "TaintToleration": 3,
        "NodeAffinity": 2,
        "NodeResourcesFit": 1,
        "PodTopologySpread": 2,
        "InterPodAffinity": 2,
        "NodeResourcesBalancedAllocation": 1,
        "ImageLocality": 1,
    }
    assert framework.plugin_names("postFilter") == ["DefaultPreemption"]
    assert framework.plugin_names("bind") == ["DefaultBinder"]


def test_enable_disable_and_reweight(factories):
    framework = build(
        factories,
        {
            "plugins": {
                "score": {
                    "enabled": [{"name": "NodeResourcesFit", "weight": 7}],
                    "disabled": [{"name": "ImageLocality"}, {"name": "TaintToleration"}],
                },
                "filter": {"disabled": [{"name": "*"}], "enabled": [{"name": "NodeName"}]},
            }
        },
    )
    assert framework.weights["NodeResourcesFit"] == 7
    assert "ImageLocality" not in framework.weights and "TaintToleration" not in framework.weights
    assert framework.plugin_names("filter") == ["NodeName"]


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ({"plugins": {"score": {"enabled": [{"name": "Nope"}]}}}, "'Nope' is not installed"),
        ({"plugins": {"score": {"enabled": [{"name": "DefaultBinder"}]}}}, "does not implement"),
        (
            {
                "pluginConfig": [
                    {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "X"}}}
                ]
            },
            "NodeResourcesFitArgs.scoringStrategy.type: Unsupported value: 'X'",
        ),
        (
            {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"bogus": 1}}]},
            "extra fields found (bogus) @ NodeResourcesFitArgs",
        ),
        ({"pluginConfig": [{"name": "NodeName", "args": {"x": 1}}]}, "NodeName takes no"),
        ({"plugins": {"multiPoint": {"disabled": [{"name": "DefaultBinder"}]}}}, "bind plugin"),
    ],
)
def test_bad_profiles_are_refused_with_the_reason(factories, profile, message):
    with pytest.raises(ConfigurationError) as caught:
        build(factories, profile)
    assert message in str(caught.value)


def test_ties_are_broken_at_random():
    class N:
        def __init__(self, name):
            self.name = name

    nodes = [N("a"), N("b"), N("c")]
    chosen = {select_host(nodes, [5, 9, 9]) for _ in range(200)}
    assert chosen == {"b", "c"}


def test_schedule_and_explain_on_a_small_cache(factories):
    cache = SchedulerCache()
    cache.add_node(typed_node("small", cpu="1"))
    cache.add_node(typed_node("big", cpu="8"))
    framework = build(factories, cache=cache)
    pod = typed_pod("web", cpu="2")
    result = framework.schedule(CycleState(), pod, PodInfo(pod), cache.node_list())
    assert result.node_name == "big" and result.feasible_nodes == 1
    explained, _ = explain(framework, pod, PodInfo(pod), cache.node_list())
    by_name = {e.name: e for e in explained}
    assert by_name["small"].rejections[0].reasons == ("Insufficient cpu",)
    assert by_name["big"].feasible and by_name["big"].total > 0
    huge = typed_pod("huge", cpu="64")
    with pytest.raises(FitError) as caught:
        framework.schedule(CycleState(), huge, PodInfo(huge), cache.node_list())
    assert str(caught.value) == "0/2 nodes are available: 2 Insufficient cpu."
