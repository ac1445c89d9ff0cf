"""RBAC rule matching as Kubernetes' RuleAllows, and Covers for escalation checks."""

from __future__ import annotations

from microkube_apiserver.authz.rules import Rule, covers, rule_allows

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthorizationAttributes

USER = UserInfo(username="u")


def attrs(verb: str, resource: str = "", **kw) -> AuthorizationAttributes:
    return AuthorizationAttributes(user=USER, verb=verb, resource=resource, **kw)


def url(verb: str, path: str) -> AuthorizationAttributes:
    return AuthorizationAttributes(user=USER, verb=verb, resource_request=False, path=path)


def test_verbs_groups_resources():
    rule = Rule(("get", "list"), ("", "apps"), ("pods", "deployments"))
    assert rule_allows(attrs("get", "pods"), rule)
    assert rule_allows(attrs("list", "deployments", api_group="apps"), rule)
    assert not rule_allows(attrs("delete", "pods"), rule)
    assert not rule_allows(attrs("get", "jobs", api_group="batch"), rule)
    assert not rule_allows(attrs("get", "pods", subresource="log"), rule)
    assert rule_allows(attrs("delete", "x", api_group="y"), Rule(("*",), ("*",), ("*",)))


def test_subresources_and_star_slash():
    assert rule_allows(
        attrs("get", "pods", subresource="log"), Rule(("get",), ("",), ("pods/log",))
    )
    scale = Rule(("update",), ("*",), ("*/scale",))
    assert rule_allows(attrs("update", "deployments", api_group="apps", subresource="scale"), scale)
    assert not rule_allows(attrs("update", "deployments", api_group="apps"), scale)
    # "*" covers subresources too
    assert rule_allows(attrs("get", "pods", subresource="status"), Rule(("get",), ("",), ("*",)))


def test_resource_names():
    rule = Rule(("get",), ("",), ("configmaps",), ("a",))
    assert rule_allows(attrs("get", "configmaps", name="a"), rule)
    assert not rule_allows(attrs("get", "configmaps", name="b"), rule)
    assert not rule_allows(attrs("get", "configmaps"), rule)  # a list names nothing


def test_non_resource_urls():
    rule = Rule(("get",), non_resource_urls=("/healthz", "/apis/*"))
    assert rule_allows(url("get", "/healthz"), rule)
    assert rule_allows(url("get", "/apis/apps/v1"), rule)
    assert not rule_allows(url("get", "/metrics"), rule)
    assert not rule_allows(url("post", "/healthz"), rule)
    # a URL rule never allows a resource request, nor a resource rule a URL
    assert not rule_allows(attrs("get", "pods"), rule)
    assert not rule_allows(url("get", "/healthz"), Rule(("*",), ("*",), ("*",)))


def test_covers_reports_what_is_missing():
    owned = [Rule(("get", "list"), ("",), ("pods", "secrets")), Rule(("*",), ("apps",), ("*",))]
    assert covers(owned, [Rule(("get",), ("",), ("pods",))]) == []
    assert covers(owned, [Rule(("create",), ("apps",), ("deployments/scale",))]) == []
    missing = covers(owned, [Rule(("get", "delete"), ("",), ("pods",))])
    assert missing == [Rule(("delete",), ("",), ("pods",))]
    named = [Rule(("get",), ("",), ("secrets",), ("s1",))]
    assert covers(named, [Rule(("get",), ("",), ("secrets",), ("s1",))]) == []
    assert covers(named, [Rule(("get",), ("",), ("secrets",))]) != []
