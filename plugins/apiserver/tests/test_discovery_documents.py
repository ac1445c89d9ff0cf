"""Discovery documents against the ones kubectl-wire.md §4.2 shows working with kubectl 1.32.

The expected documents below are copied verbatim from the note (observed against kubectl and a
working server). Differences are deliberate and listed where checked: microkube serves no
``proxy`` subresources, and lists the subresources a 1.32 cluster lists that the note's
abridged example leaves out (:data:`ABRIDGED`).
"""

from __future__ import annotations

import json

import pytest
from microkube_apiserver.discovery.catalogue import DEFAULT_CATALOGUE
from microkube_apiserver.discovery.documents import (
    aggregated_discovery,
    api_group,
    api_group_list,
    api_versions,
    resource_list,
    version_info,
)

VERSION = json.loads(
    r"""
{"major":"1","minor":"32","gitVersion":"v1.32.4","gitCommit":"59526cd4867447956156ae3a602fcbac5b1d1ede","gitTreeState":"clean","buildDate":"2025-04-22T16:02:27Z","goVersion":"go1.23.6","compiler":"gc","platform":"linux/amd64"}
"""
)

AGGREGATED_API = json.loads(
    r"""
{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
 {"metadata":{"creationTimestamp":null},"versions":[{"version":"v1","freshness":"Current","resources":[
   {"resource":"pods","responseKind":{"group":"","version":"v1","kind":"Pod"},"scope":"Namespaced","singularResource":"pod","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["po"],"categories":["all"],"subresources":[
     {"subresource":"status","responseKind":{"group":"","version":"v1","kind":"Pod"},"verbs":["get","patch","update"]},
     {"subresource":"log","responseKind":{"group":"","version":"v1","kind":"Pod"},"verbs":["get"]},
     {"subresource":"exec","responseKind":{"group":"","version":"v1","kind":"PodExecOptions"},"verbs":["create","get"]},
     {"subresource":"attach","responseKind":{"group":"","version":"v1","kind":"PodAttachOptions"},"verbs":["create","get"]},
     {"subresource":"portforward","responseKind":{"group":"","version":"v1","kind":"PodPortForwardOptions"},"verbs":["create","get"]},
     {"subresource":"eviction","responseKind":{"group":"policy","version":"v1","kind":"Eviction"},"verbs":["create"]},
     {"subresource":"binding","responseKind":{"group":"","version":"v1","kind":"Binding"},"verbs":["create"]},
     {"subresource":"proxy","responseKind":{"group":"","version":"v1","kind":"PodProxyOptions"},"verbs":["create","delete","get","patch","update"]}]},
   {"resource":"nodes","responseKind":{"group":"","version":"v1","kind":"Node"},"scope":"Cluster","singularResource":"node","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["no"],"subresources":[
     {"subresource":"status","responseKind":{"group":"","version":"v1","kind":"Node"},"verbs":["get","patch","update"]},
     {"subresource":"proxy","responseKind":{"group":"","version":"v1","kind":"NodeProxyOptions"},"verbs":["create","delete","get","patch","update"]}]},
   {"resource":"namespaces","responseKind":{"group":"","version":"v1","kind":"Namespace"},"scope":"Cluster","singularResource":"namespace","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["ns"],"subresources":[
     {"subresource":"status","responseKind":{"group":"","version":"v1","kind":"Namespace"},"verbs":["get","patch","update"]},
     {"subresource":"finalize","responseKind":{"group":"","version":"v1","kind":"Namespace"},"verbs":["update"]}]},
   {"resource":"services","responseKind":{"group":"","version":"v1","kind":"Service"},"scope":"Namespaced","singularResource":"service","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["svc"],"categories":["all"],"subresources":[
     {"subresource":"status","responseKind":{"group":"","version":"v1","kind":"Service"},"verbs":["get","patch","update"]}]},
   {"resource":"endpoints","responseKind":{"group":"","version":"v1","kind":"Endpoints"},"scope":"Namespaced","singularResource":"endpoints","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["ep"]},
   {"resource":"events","responseKind":{"group":"","version":"v1","kind":"Event"},"scope":"Namespaced","singularResource":"event","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["ev"]},
   {"resource":"configmaps","responseKind":{"group":"","version":"v1","kind":"ConfigMap"},"scope":"Namespaced","singularResource":"configmap","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["cm"]},
   {"resource":"secrets","responseKind":{"group":"","version":"v1","kind":"Secret"},"scope":"Namespaced","singularResource":"secret","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
   {"resource":"serviceaccounts","responseKind":{"group":"","version":"v1","kind":"ServiceAccount"},"scope":"Namespaced","singularResource":"serviceaccount","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["sa"]}
 ]}]}
]}
"""
)

AGGREGATED_APIS = json.loads(
    r"""
{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
 {"metadata":{"name":"apps","creationTimestamp":null},"versions":[{"version":"v1","freshness":"Current","resources":[
   {"resource":"deployments","responseKind":{"group":"apps","version":"v1","kind":"Deployment"},"scope":"Namespaced","singularResource":"deployment","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["deploy"],"categories":["all"],"subresources":[
     {"subresource":"status","responseKind":{"group":"apps","version":"v1","kind":"Deployment"},"verbs":["get","patch","update"]},
     {"subresource":"scale","responseKind":{"group":"autoscaling","version":"v1","kind":"Scale"},"verbs":["get","patch","update"]}]},
   {"resource":"replicasets","responseKind":{"group":"apps","version":"v1","kind":"ReplicaSet"},"scope":"Namespaced","singularResource":"replicaset","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["rs"],"categories":["all"],"subresources":[
     {"subresource":"status","responseKind":{"group":"apps","version":"v1","kind":"ReplicaSet"},"verbs":["get","patch","update"]},
     {"subresource":"scale","responseKind":{"group":"autoscaling","version":"v1","kind":"Scale"},"verbs":["get","patch","update"]}]},
   {"resource":"daemonsets","responseKind":{"group":"apps","version":"v1","kind":"DaemonSet"},"scope":"Namespaced","singularResource":"daemonset","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["ds"],"categories":["all"],"subresources":[
     {"subresource":"status","responseKind":{"group":"apps","version":"v1","kind":"DaemonSet"},"verbs":["get","patch","update"]}]},
   {"resource":"statefulsets","responseKind":{"group":"apps","version":"v1","kind":"StatefulSet"},"scope":"Namespaced","singularResource":"statefulset","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["sts"],"categories":["all"],"subresources":[
     {"subresource":"scale","responseKind":{"group":"autoscaling","version":"v1","kind":"Scale"},"verbs":["get","patch","update"]}]},
   {"resource":"controllerrevisions","responseKind":{"group":"apps","version":"v1","kind":"ControllerRevision"},"scope":"Namespaced","singularResource":"controllerrevision","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]}
 ]}]},
 {"metadata":{"name":"events.k8s.io","creationTimestamp":null},"versions":[{"version":"v1","freshness":"Current","resources":[
   {"resource":"events","responseKind":{"group":"events.k8s.io","version":"v1","kind":"Event"},"scope":"Namespaced","singularResource":"event","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["ev"]}
 ]}]},
 {"metadata":{"name":"batch","creationTimestamp":null},"versions":[{"version":"v1","freshness":"Current","resources":[
   {"resource":"jobs","responseKind":{"group":"batch","version":"v1","kind":"Job"},"scope":"Namespaced","singularResource":"job","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"categories":["all"],"subresources":[
     {"subresource":"status","responseKind":{"group":"batch","version":"v1","kind":"Job"},"verbs":["get","patch","update"]}]},
   {"resource":"cronjobs","responseKind":{"group":"batch","version":"v1","kind":"CronJob"},"scope":"Namespaced","singularResource":"cronjob","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["cj"],"categories":["all"]}
 ]}]},
 {"metadata":{"name":"policy","creationTimestamp":null},"versions":[{"version":"v1","freshness":"Current","resources":[
   {"resource":"poddisruptionbudgets","responseKind":{"group":"policy","version":"v1","kind":"PodDisruptionBudget"},"scope":"Namespaced","singularResource":"poddisruptionbudget","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["pdb"]}
 ]}]},
 {"metadata":{"name":"coordination.k8s.io","creationTimestamp":null},"versions":[{"version":"v1","freshness":"Current","resources":[
   {"resource":"leases","responseKind":{"group":"coordination.k8s.io","version":"v1","kind":"Lease"},"scope":"Namespaced","singularResource":"lease","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]}
 ]}]},
 {"metadata":{"name":"discovery.k8s.io","creationTimestamp":null},"versions":[{"version":"v1","freshness":"Current","resources":[
   {"resource":"endpointslices","responseKind":{"group":"discovery.k8s.io","version":"v1","kind":"EndpointSlice"},"scope":"Namespaced","singularResource":"endpointslice","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]}
 ]}]}
]}
"""
)

LEGACY_API = json.loads(
    r"""
{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:18080"}]}
"""
)

LEGACY_APIS = json.loads(
    r"""
{"kind":"APIGroupList","apiVersion":"v1","groups":[
 {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
 {"name":"events.k8s.io","versions":[{"groupVersion":"events.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"events.k8s.io/v1","version":"v1"}},
 {"name":"batch","versions":[{"groupVersion":"batch/v1","version":"v1"}],"preferredVersion":{"groupVersion":"batch/v1","version":"v1"}},
 {"name":"policy","versions":[{"groupVersion":"policy/v1","version":"v1"}],"preferredVersion":{"groupVersion":"policy/v1","version":"v1"}},
 {"name":"coordination.k8s.io","versions":[{"groupVersion":"coordination.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"coordination.k8s.io/v1","version":"v1"}},
 {"name":"discovery.k8s.io","versions":[{"groupVersion":"discovery.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"discovery.k8s.io/v1","version":"v1"}}]}
"""
)

LEGACY_API_V1 = json.loads(
    r"""
{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
 {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["po"],"categories":["all"],"storageVersionHash":"049c287ed3e"},
 {"name":"pods/status","singularName":"","namespaced":true,"kind":"Pod","verbs":["get","patch","update"]},
 {"name":"pods/log","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]},
 {"name":"pods/exec","singularName":"","namespaced":true,"kind":"PodExecOptions","verbs":["create","get"]},
 {"name":"pods/attach","singularName":"","namespaced":true,"kind":"PodAttachOptions","verbs":["create","get"]},
 {"name":"pods/portforward","singularName":"","namespaced":true,"kind":"PodPortForwardOptions","verbs":["create","get"]},
 {"name":"pods/eviction","singularName":"","namespaced":true,"kind":"Eviction","verbs":["create"],"group":"policy","version":"v1"},
 {"name":"pods/binding","singularName":"","namespaced":true,"kind":"Binding","verbs":["create"]},
 {"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["no"]},
 {"name":"nodes/status","singularName":"","namespaced":false,"kind":"Node","verbs":["get","patch","update"]},
 {"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["ns"]},
 {"name":"services","singularName":"service","namespaced":true,"kind":"Service","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["svc"],"categories":["all"]},
 {"name":"endpoints","singularName":"endpoints","namespaced":true,"kind":"Endpoints","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["ep"]},
 {"name":"events","singularName":"event","namespaced":true,"kind":"Event","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["ev"]},
 {"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["cm"]},
 {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
 {"name":"serviceaccounts","singularName":"serviceaccount","namespaced":true,"kind":"ServiceAccount","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["sa"]}]}
"""
)

#: subresources the note lists that microkube does not serve
NOT_SERVED = {"proxy"}
#: subresources a Kubernetes 1.32 cluster serves that the note's example leaves out
ABRIDGED = {
    ("statefulsets", "status"),
    ("cronjobs", "status"),
    ("poddisruptionbudgets", "status"),
    ("serviceaccounts", "token"),
}


def _by(items: list[dict], key: str) -> dict[str, dict]:
    return {item[key]: item for item in items}


def _check_aggregated_resource(expected: dict, got: dict) -> None:
    plain = {k: v for k, v in expected.items() if k != "subresources"}
    assert {k: v for k, v in got.items() if k != "subresources"} == plain
    want = {
        s["subresource"]: s
        for s in expected.get("subresources", [])
        if s["subresource"] not in NOT_SERVED
    }
    have = _by(got.get("subresources", []), "subresource")
    extra = {(got["resource"], name) for name in have.keys() - want.keys()}
    assert extra <= ABRIDGED
    assert {name: have[name] for name in want} == want


@pytest.mark.parametrize(
    ("expected", "core"), [(AGGREGATED_API, True), (AGGREGATED_APIS, False)], ids=["api", "apis"]
)
def test_aggregated_documents_match_the_note(expected, core):
    got = aggregated_discovery(DEFAULT_CATALOGUE, core=core)
    assert {k: got[k] for k in ("kind", "apiVersion", "metadata")} == {
        k: expected[k] for k in ("kind", "apiVersion", "metadata")
    }
    got_groups = {g["metadata"].get("name", ""): g for g in got["items"]}
    for group in expected["items"]:
        name = group["metadata"].get("name", "")
        assert got_groups[name]["metadata"] == group["metadata"]
        [want_version] = group["versions"]
        [got_version] = got_groups[name]["versions"]
        assert got_version["version"] == want_version["version"]
        assert got_version["freshness"] == want_version["freshness"]
        got_resources = _by(got_version["resources"], "resource")
        for resource in want_version["resources"]:
            _check_aggregated_resource(resource, got_resources[resource["resource"]])


def test_aggregated_group_order_matches_the_note():
    got = [
        g["metadata"]["name"] for g in aggregated_discovery(DEFAULT_CATALOGUE, core=False)["items"]
    ]
    noted = [g["metadata"]["name"] for g in AGGREGATED_APIS["items"]]
    assert [name for name in got if name in noted] == noted


def test_aggregated_v2beta1_has_the_same_shape():
    v2 = aggregated_discovery(DEFAULT_CATALOGUE, core=False)
    beta = aggregated_discovery(DEFAULT_CATALOGUE, core=False, version="v2beta1")
    assert beta["apiVersion"] == "apidiscovery.k8s.io/v2beta1"
    assert {**beta, "apiVersion": v2["apiVersion"]} == v2
    with pytest.raises(ValueError):
        aggregated_discovery(DEFAULT_CATALOGUE, core=True, version="v1")


def test_every_served_resource_is_in_aggregated_discovery():
    listed = set()
    for core in (True, False):
        for group in aggregated_discovery(DEFAULT_CATALOGUE, core=core)["items"]:
            for version in group["versions"]:
                for r in version["resources"]:
                    listed.add((r["responseKind"]["group"], version["version"], r["resource"]))
    assert listed == {(r.group, r.version, r.plural) for r in DEFAULT_CATALOGUE}


def test_legacy_api_versions_matches_the_note():
    assert api_versions("127.0.0.1:18080") == LEGACY_API
    assert api_versions()["serverAddressByClientCIDRs"] == []


def test_legacy_group_list_matches_the_note():
    got = api_group_list(DEFAULT_CATALOGUE)
    assert {k: got[k] for k in ("kind", "apiVersion")} == {
        "kind": "APIGroupList",
        "apiVersion": "v1",
    }
    got_groups = _by(got["groups"], "name")
    for group in LEGACY_APIS["groups"]:
        assert got_groups[group["name"]] == group
    assert set(got_groups) == set(DEFAULT_CATALOGUE.groups())


def test_legacy_resource_list_matches_the_note():
    got = resource_list(DEFAULT_CATALOGUE, "", "v1")
    assert {k: got[k] for k in ("kind", "apiVersion", "groupVersion")} == {
        k: LEGACY_API_V1[k] for k in ("kind", "apiVersion", "groupVersion")
    }
    got_entries = _by(got["resources"], "name")
    for entry in LEGACY_API_V1["resources"]:
        # The note's storageVersionHash is a placeholder; the real value is checked below.
        want = {k: v for k, v in entry.items() if k != "storageVersionHash"}
        have = {k: v for k, v in got_entries[entry["name"]].items() if k != "storageVersionHash"}
        assert have == want
    assert got_entries["pods"]["storageVersionHash"] == "xPOwRZ+Yhw8="
    assert "storageVersionHash" not in got_entries["bindings"]
    assert "storageVersionHash" not in got_entries["pods/status"]


def test_legacy_subresource_entries_name_foreign_groups():
    apps = _by(resource_list(DEFAULT_CATALOGUE, "apps", "v1")["resources"], "name")
    assert apps["deployments/scale"] == {
        "name": "deployments/scale",
        "singularName": "",
        "namespaced": True,
        "kind": "Scale",
        "verbs": ["get", "patch", "update"],
        "group": "autoscaling",
        "version": "v1",
    }
    assert "group" not in apps["deployments/status"]
    assert apps["deployments"]["categories"] == ["all"]
    assert apps["deployments"]["shortNames"] == ["deploy"]
    assert resource_list(DEFAULT_CATALOGUE, "apps", "v1")["groupVersion"] == "apps/v1"
    core = _by(resource_list(DEFAULT_CATALOGUE, "", "v1")["resources"], "name")
    assert core["serviceaccounts/token"]["group"] == "authentication.k8s.io"


def test_unserved_group_versions_have_no_documents():
    assert resource_list(DEFAULT_CATALOGUE, "apps", "v2") is None
    assert resource_list(DEFAULT_CATALOGUE, "", "v2") is None
    assert api_group(DEFAULT_CATALOGUE, "nope") is None
    assert api_group(DEFAULT_CATALOGUE, "") is None


def test_api_group():
    assert api_group(DEFAULT_CATALOGUE, "apps") == {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": "apps",
        "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
    }


def test_version_matches_the_note_where_kubectl_reads_it():
    got = version_info()
    assert set(got) == set(VERSION)
    for key in ("major", "minor", "gitVersion", "gitTreeState", "platform", "compiler"):
        assert got[key] == VERSION[key]
    assert version_info("v1.33.1")["minor"] == "33"
