"""The official ``kubernetes`` Python client against ``microkube apiserver``: list, create,
patch (three types), watch with resume from a resourceVersion and recovery from 410 Gone,
delete — objects its strict models accept, with no errors and no warnings: Python warnings
are errors in this module, and every answer's ``Warning`` headers are collected and must be
empty."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

kubernetes = pytest.importorskip("kubernetes")
from kubernetes import client as k8s  # noqa: E402
from kubernetes import config as k8s_config  # noqa: E402
from kubernetes import watch as k8s_watch  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")


def _record_warning_headers(api_client: Any, seen: list[str]) -> None:
    """Wrap the client's transport so every response's ``Warning`` headers land in ``seen``."""
    rest = api_client.rest_client
    request = rest.request

    def recording(*args: Any, **kwargs: Any) -> Any:
        response = request(*args, **kwargs)
        headers = response.headers
        getlist = getattr(headers, "getlist", None)
        seen.extend(getlist("Warning") if getlist else headers.get_all("Warning") or [])
        return response

    rest.request = recording


@pytest.fixture(scope="module")
def server_warnings() -> list[str]:
    return []


@pytest.fixture(scope="module")
def api(sqlite_server, server_warnings) -> Iterator[Any]:
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(
        config_file=str(sqlite_server.kubeconfig), client_configuration=configuration
    )
    with k8s.ApiClient(configuration) as api_client:
        _record_warning_headers(api_client, server_warnings)
        yield api_client


@pytest.fixture(autouse=True)
def no_server_warnings(server_warnings) -> Iterator[None]:
    """Every test ends with no ``Warning`` header received."""
    server_warnings.clear()
    yield
    assert server_warnings == []


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


def test_a_warning_header_would_be_seen(api, server_warnings):
    """The recorder works: an unknown field draws the server's Warning (then cleared)."""
    core = k8s.CoreV1Api(api)
    core.api_client.call_api(
        "POST",
        api.configuration.host + "/api/v1/namespaces/default/configmaps",
        header_params={"Content-Type": "application/json"},
        body={"metadata": {"name": "warned"}, "bogus": 1},
    ).read()
    assert server_warnings == ['299 - "unknown field \\"bogus\\""']
    server_warnings.clear()
    core.delete_namespaced_config_map("warned", "default")


@pytest.fixture
def inproc_api(apiserver, server_warnings) -> Iterator[Any]:
    """The client against an in-process server, whose storage a test can compact."""
    configuration = k8s.Configuration(host=apiserver.url)
    with k8s.ApiClient(configuration) as api_client:
        _record_warning_headers(api_client, server_warnings)
        yield api_client


async def test_watch_recovers_from_410_by_relisting(apiserver, inproc_api):
    core = k8s.CoreV1Api(inproc_api)

    def write_after_a_list() -> str:
        old = core.list_namespaced_config_map("default").metadata.resource_version
        for name in ("a", "b"):
            core.create_namespaced_config_map("default", {"metadata": {"name": name}})
        core.delete_namespaced_config_map("a", "default")
        return old

    old = await asyncio.to_thread(write_after_a_list)
    current = await apiserver.storage.current_revision()
    await apiserver.storage.compact(current)

    def watch_from_the_compacted_version() -> k8s.exceptions.ApiException:
        # No timeout: the client retries once by itself on 410, then raises.
        watcher = k8s_watch.Watch()
        with pytest.raises(k8s.exceptions.ApiException) as info:
            for _ in watcher.stream(
                core.list_namespaced_config_map, "default", resource_version=old
            ):
                pass
        return info.value

    gone = await asyncio.to_thread(watch_from_the_compacted_version)
    assert gone.status == 410
    assert gone.reason == f"Expired: too old resource version: {old} ({current})"

    def relist_and_resume() -> tuple[list[str], list[tuple[str, str]]]:
        listed = core.list_namespaced_config_map("default")
        names = [item.metadata.name for item in listed.items]
        core.create_namespaced_config_map("default", {"metadata": {"name": "c"}})
        events = []
        watcher = k8s_watch.Watch()
        for event in watcher.stream(
            core.list_namespaced_config_map,
            "default",
            resource_version=listed.metadata.resource_version,
            timeout_seconds=5,
        ):
            events.append((event["type"], event["object"].metadata.name))
            watcher.stop()
        return names, events

    names, events = await asyncio.to_thread(relist_and_resume)
    assert names == ["b"]
    assert events == [("ADDED", "c")]
