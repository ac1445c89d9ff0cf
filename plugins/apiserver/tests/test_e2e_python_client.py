"""The official ``kubernetes`` Python client against ``microkube apiserver``: list, create,
patch (three types), watch with resume from a resourceVersion, delete — no errors, and
objects its strict models accept."""

from __future__ import annotations

import warnings

import pytest

kubernetes = pytest.importorskip("kubernetes")
from kubernetes import client as k8s  # noqa: E402
from kubernetes import config as k8s_config  # noqa: E402
from kubernetes import watch as k8s_watch  # noqa: E402


@pytest.fixture(scope="module")
def api(sqlite_server):
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(
        config_file=str(sqlite_server.kubeconfig), client_configuration=configuration
    )
    with k8s.ApiClient(configuration) as api_client:
        yield api_client


def test_version_and_namespaces(api):
    version = k8s.VersionApi(api).get_code()
    assert (version.major, version.minor) == ("1", "32")
    names = [n.metadata.name for n in k8s.CoreV1Api(api).list_namespace().items]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_create_patch_delete_deployment(api):
    apps = k8s.AppsV1Api(api)
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "py"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "py"}},
            "template": {
                "metadata": {"labels": {"app": "py"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
            },
        },
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        created = apps.create_namespaced_deployment("default", body)
        assert created.metadata.generation == 1
        strategic = apps.patch_namespaced_deployment(
            "py",
            "default",
            {
                "spec": {
                    "template": {"spec": {"containers": [{"name": "c", "image": "nginx:1.26"}]}}
                }
            },
        )
        assert strategic.spec.template.spec.containers[0].image == "nginx:1.26"
        merged = apps.patch_namespaced_deployment(
            "py",
            "default",
            {"metadata": {"labels": {"x": "y"}}},
            _content_type="application/merge-patch+json",
        )
        assert merged.metadata.labels == {"x": "y"}
        jsonpatched = apps.patch_namespaced_deployment(
            "py", "default", [{"op": "replace", "path": "/spec/replicas", "value": 3}]
        )
        assert jsonpatched.spec.replicas == 3
        scale = apps.read_namespaced_deployment_scale("py", "default")
        assert scale.spec.replicas == 3
        status = apps.delete_namespaced_deployment("py", "default")
        # This client version hands a deleted object's Status back as a plain dict.
        outcome = status["status"] if isinstance(status, dict) else status.status
        assert outcome == "Success"
        with pytest.raises(k8s.exceptions.ApiException) as info:
            apps.read_namespaced_deployment("py", "default")
        assert info.value.status == 404


def test_pods_parse_with_defaults(api):
    core = k8s.CoreV1Api(api)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "pp"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    created = core.create_namespaced_pod("default", pod)
    assert created.status.phase == "Pending"
    assert created.spec.containers[0].image_pull_policy == "Always"
    listed = core.list_namespaced_pod(
        "default", label_selector="", field_selector="metadata.name=pp"
    )
    assert [p.metadata.name for p in listed.items] == ["pp"]
    deleted = core.delete_namespaced_pod("pp", "default")
    assert deleted.metadata.name == "pp"


def test_watch_resumes_from_a_resource_version(api):
    core = k8s.CoreV1Api(api)
    listed = core.list_namespaced_config_map("default")
    rv = listed.metadata.resource_version
    core.create_namespaced_config_map("default", {"metadata": {"name": "w1"}, "data": {"a": "1"}})
    core.patch_namespaced_config_map("w1", "default", {"data": {"a": "2"}})
    seen = []
    watcher = k8s_watch.Watch()
    for event in watcher.stream(
        core.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=5
    ):
        seen.append((event["type"], event["object"].metadata.name, event["object"].data))
        if len(seen) == 2:
            watcher.stop()
    assert seen == [("ADDED", "w1", {"a": "1"}), ("MODIFIED", "w1", {"a": "2"})]
    resume = watcher.resource_version
    core.delete_namespaced_config_map("w1", "default")
    later = []
    for event in watcher.stream(
        core.list_namespaced_config_map, "default", resource_version=resume, timeout_seconds=5
    ):
        later.append((event["type"], event["object"].metadata.name))
        watcher.stop()
    assert later == [("DELETED", "w1")]


def test_errors_raise_api_exceptions(api):
    core = k8s.CoreV1Api(api)
    with pytest.raises(k8s.exceptions.ApiException) as info:
        core.read_namespaced_config_map("missing", "default")
    assert info.value.status == 404
