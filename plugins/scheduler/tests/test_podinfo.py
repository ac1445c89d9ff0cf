"""PodInfo: precomputed facts and affinity terms (namespaces, matchLabelKeys)."""

from __future__ import annotations

from microkube_scheduler.podinfo import PodInfo, assumed_on
from objects import typed_pod


def _anti(**term):
    base = {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "zone"}
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [base | term]}}


def test_terms_default_to_the_pods_namespace():
    owner = PodInfo(typed_pod("a", "team-a", labels={"app": "web"}, affinity=_anti()))
    (term,) = owner.required_anti_affinity
    same = PodInfo(typed_pod("b", "team-a", labels={"app": "web"}))
    other = PodInfo(typed_pod("c", "team-b", labels={"app": "web"}))
    assert term.matches(same, lambda ns: {}) and not term.matches(other, lambda ns: {})


def test_namespace_selector_and_match_label_keys():
    owner = PodInfo(
        typed_pod(
            "a",
            labels={"app": "web", "version": "v2"},
            affinity=_anti(
                namespaceSelector={"matchLabels": {"env": "prod"}}, matchLabelKeys=["version"]
            ),
        )
    )
    (term,) = owner.required_anti_affinity
    labels = {"prod-ns": {"env": "prod"}}.get
    v2 = PodInfo(typed_pod("b", "prod-ns", labels={"app": "web", "version": "v2"}))
    v1 = PodInfo(typed_pod("c", "prod-ns", labels={"app": "web", "version": "v1"}))
    assert term.matches(v2, lambda ns: labels(ns) or {})
    assert not term.matches(v1, lambda ns: labels(ns) or {})


def test_assumed_copy_is_placed_and_shares_the_facts():
    info = PodInfo(typed_pod("a", cpu="250m", priority=7))
    placed = assumed_on(info, "node-1")
    assert placed.pod.spec.node_name == "node-1" and info.pod.spec.node_name is None
    assert placed.requests == {"cpu": 250, "memory": 128 * 1024 * 1024} and placed.priority == 7
