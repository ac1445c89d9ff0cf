"""The in-process cluster kit: real components by name, real kubectl against them."""

from __future__ import annotations

import pytest

from microkube.client.connect import KUBECONFIGS_DIR, connect, kubeconfig_path
from microkube.client.events import EventRecorder
from microkube.client.kubeconfig import load_kubeconfig
from microkube.testing.cluster import LocalCluster


async def test_cluster_runs_the_apiserver_and_kubectl_talks_to_it(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    assert cluster.kubeconfig.exists()
    result = await cluster.kubectl("get", "namespaces", "-o", "name")
    assert "namespace/kube-system" in result.stdout.split()


async def test_tls_by_default_with_a_kubeconfig_per_component(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    config = load_kubeconfig(cluster.kubeconfig)
    assert config.server.startswith("https://127.0.0.1:")
    assert config.ca_data and config.cert_data and config.key_data
    assert cluster.ssl_context() is not None
    scheduler = cluster.data_dir / KUBECONFIGS_DIR / "scheduler.conf"
    assert load_kubeconfig(scheduler).cert_data != config.cert_data
    api = await connect(cluster.data_dir, {}, identity="scheduler", within=10)
    try:
        assert api.config.cert_data == load_kubeconfig(scheduler).cert_data
        assert (await api.get("namespaces", "default"))["metadata"]["name"] == "default"
    finally:
        await api.close()


async def test_plain_http_on_request(microkube_cluster):
    cluster = await microkube_cluster("apiserver", tls=False)
    assert load_kubeconfig(cluster.kubeconfig).server.startswith("http://")
    assert cluster.ssl_context() is None
    result = await cluster.kubectl("get", "namespaces", "-o", "name")
    assert "namespace/default" in result.stdout.split()


async def test_component_can_be_stopped_and_started_again(tmp_path):
    async with LocalCluster(tmp_path, ["apiserver"], storage="sqlite") as cluster:
        api = cluster.client()
        await api.create(
            "configmaps", {"metadata": {"name": "kept"}, "data": {"a": "1"}}, "default"
        )
        await cluster.stop_component("apiserver")
        failed = await cluster.kubectl("get", "configmaps", check=False, seconds=20)
        assert failed.returncode != 0
        await cluster.start_component("apiserver")
        again = await connect(tmp_path, {}, within=10)
        try:
            kept = await again.get("configmaps", "kept", "default")
        finally:
            await again.close()
        assert kept["data"] == {"a": "1"}


async def test_connect_waits_for_the_kubeconfig_and_times_out_naming_it(tmp_path):
    assert kubeconfig_path(tmp_path, {"kubeconfig": "/x/y"}).as_posix() == "/x/y"
    with pytest.raises(TimeoutError, match="no kubeconfig at"):
        await connect(tmp_path, {}, within=0.3)


async def test_recorder_creates_then_counts_repeated_events(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    pod = await api.create("configmaps", {"metadata": {"name": "subject"}, "data": {}}, "default")
    recorder = EventRecorder(api, "test-controller", host="node-1")
    recorder.start()
    for _ in range(3):
        recorder.event(pod, "Warning", "BackOff", "Back-off restarting failed container")
    recorder.event(pod, "Normal", "Pulled", "Container image already present")
    await recorder.drain()
    await recorder.stop()
    events = await api.list("events", "default", field_selector="involvedObject.name=subject")
    by_reason = {e["reason"]: e for e in events["items"]}
    assert set(by_reason) == {"BackOff", "Pulled"}
    assert by_reason["BackOff"]["count"] == 3
    assert by_reason["BackOff"]["source"] == {"component": "test-controller", "host": "node-1"}
    assert by_reason["BackOff"]["involvedObject"]["uid"] == pod["metadata"]["uid"]
    described = await cluster.kubectl("describe", "configmap", "subject")
    assert "(x3 over" in described.stdout, described.stdout


async def test_recorder_refuses_an_unknown_type(fake_apiserver):
    recorder = EventRecorder(fake_apiserver.api_client(), "x")
    with pytest.raises(ValueError, match="Normal"):
        recorder.event({"metadata": {"name": "a"}}, "Info", "R", "m")
