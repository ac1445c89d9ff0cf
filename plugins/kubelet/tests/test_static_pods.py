"""Static pods from ``pod-manifest-path`` and their mirror pods."""

from __future__ import annotations

import asyncio
import json

import pytest
from microkube_kubelet.static_pods import ManifestError, read_manifest

from microkube.contracts.runtime import ContainerState

MANIFEST = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: kube-system
spec:
  containers:
  - name: web
    image: busybox
"""


def test_manifest_becomes_a_node_specific_pod_with_a_content_uid(tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST)
    pod = read_manifest(path, "node-1")
    assert pod["metadata"]["name"] == "web-node-1"
    assert pod["spec"]["nodeName"] == "node-1"
    assert pod["metadata"]["annotations"]["kubernetes.io/config.source"] == "file"
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Always"
    assert read_manifest(path, "node-1")["metadata"]["uid"] == pod["metadata"]["uid"]
    assert read_manifest(path, "node-2")["metadata"]["uid"] != pod["metadata"]["uid"]
    path.write_text(MANIFEST.replace("busybox", "busybox:1.36"))
    assert read_manifest(path, "node-1")["metadata"]["uid"] != pod["metadata"]["uid"]


def test_manifests_that_are_not_pods_are_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "Deployment", "metadata": {"name": "x"}}))
    with pytest.raises(ManifestError, match="must hold one Pod"):
        read_manifest(bad, "n")
    bad.write_text(json.dumps({"kind": "Pod", "metadata": {"name": "x"}, "spec": {}}))
    with pytest.raises(ManifestError, match=r"spec\.containers"):
        read_manifest(bad, "n")


async def _running(runtime):  # type: ignore[no-untyped-def]
    return [c for c in await runtime.list_containers() if c.state is ContainerState.RUNNING]


async def test_static_pod_runs_and_is_mirrored(
    kubelet_cluster, poll, fake_runtime_instance, tmp_path
):
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "web.yaml").write_text(MANIFEST)
    cluster = await kubelet_cluster(pod_manifest_path=str(manifests), file_check_frequency=0.3)
    api = cluster.client()

    async def mirror():  # type: ignore[no-untyped-def]
        try:
            pod = await api.get("pods", "web-node-1", "kube-system")
        except Exception:
            return None
        return pod if (pod.get("status") or {}).get("phase") == "Running" else None

    pod = await poll(mirror, what="the mirror pod Running")
    annotations = pod["metadata"]["annotations"]
    assert annotations["kubernetes.io/config.mirror"] == annotations["kubernetes.io/config.hash"]
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "Node"
    assert len(await _running(fake_runtime_instance)) == 1

    # A deleted mirror pod comes back; the static pod itself keeps running.
    first_uid = pod["metadata"]["uid"]
    await api.delete("pods", "web-node-1", "kube-system")

    async def recreated():  # type: ignore[no-untyped-def]
        again = await mirror()
        return again if again and again["metadata"]["uid"] != first_uid else None

    await poll(recreated, what="the mirror pod re-created")
    assert len(await _running(fake_runtime_instance)) == 1

    # Removing the manifest stops the pod and deletes its mirror.
    (manifests / "web.yaml").unlink()

    async def gone():  # type: ignore[no-untyped-def]
        pods = (await api.list("pods", "kube-system"))["items"]
        left = [p for p in pods if p["metadata"]["name"] == "web-node-1"]
        return not left and not fake_runtime_instance.sandbox_ids()

    await poll(gone, what="static pod and mirror removed")


async def test_static_pods_run_without_the_api_server(
    kubelet_cluster, poll, fake_runtime_instance, tmp_path, free_port
):
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    cluster = await kubelet_cluster(
        pod_manifest_path=str(manifests), file_check_frequency=0.3, apiserver_port=free_port
    )
    await cluster.stop_component("apiserver")
    (manifests / "web.yaml").write_text(MANIFEST)

    async def started():  # type: ignore[no-untyped-def]
        return await _running(fake_runtime_instance)

    await poll(started, what="the static pod running with no API server")
    await cluster.start_component("apiserver")
    api = cluster.client()

    async def mirrored():  # type: ignore[no-untyped-def]
        try:
            pod = await api.get("pods", "web-node-1", "kube-system")
        except Exception:
            return None
        return (pod.get("status") or {}).get("phase") == "Running"

    await poll(mirrored, what="the mirror pod once the API server is back")
    await asyncio.sleep(0)
