"""``microkube scheduler`` and ``microkube explain-scheduling`` as real processes."""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from helpers import create, node, pod, wait_bound

MICROKUBE = [sys.executable, "-m", "microkube.cli"]


async def _run(*args: str, env: dict | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *MICROKUBE, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_scheduler_command_runs_the_component_until_terminated(microkube_cluster, tmp_path):
    cluster = await microkube_cluster("apiserver")
    process = await asyncio.create_subprocess_exec(
        *MICROKUBE,
        "--data-dir",
        str(tmp_path / "scheduler"),
        "scheduler",
        "--kubeconfig",
        str(cluster.kubeconfig),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await create(cluster, node("node-1"), pod("web"))
        assert await wait_bound(cluster, "web", within=60) == "node-1"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()


async def test_scheduler_command_reports_a_bad_configuration(tmp_path):
    config = tmp_path / "sched.yaml"
    config.write_text(
        "apiVersion: kubescheduler.config.k8s.io/v1\n"
        "kind: KubeSchedulerConfiguration\n"
        "percentageOfNodesToScore: lots\n"
    )
    code, _, err = await _run(
        "--data-dir", str(tmp_path), "scheduler", "--scheduler-config", str(config)
    )
    assert code == 1
    assert "percentageOfNodesToScore" in err


async def test_explain_scheduling_shows_filters_and_scores_per_node(cluster):
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    await create(
        cluster,
        node("roomy"),
        node("small", cpu="1"),
        node("tainted", taints=[taint]),
        pod("filler", cpu="2", nodeName="roomy"),
        pod("app", cpu="1500m", schedulerName="nobody-schedules-this"),
    )
    code, out, err = await _run(
        "--data-dir", str(cluster.data_dir), "explain-scheduling", "app", "-o", "json"
    )
    assert code == 1 and "nobody-schedules-this" in err, err
    await create(cluster, pod("web", cpu="1500m"))
    await wait_bound(cluster, "web")
    code, out, err = await _run(
        "--data-dir", str(cluster.data_dir), "explain-scheduling", "web", "-o", "json"
    )
    assert code == 0, err
    explained = json.loads(out)
    nodes = {n["name"]: n for n in explained["nodes"]}
    assert nodes["small"]["rejections"] == [
        {"plugin": "NodeResourcesFit", "code": "UNSCHEDULABLE", "reasons": ["Insufficient cpu"]}
    ]
    assert nodes["tainted"]["rejections"][0]["plugin"] == "TaintToleration"
    assert nodes["tainted"]["rejections"][0]["reasons"] == [
        "node(s) had untolerated taint {dedicated: gpu}"
    ]
    assert nodes["roomy"]["feasible"]
    assert set(nodes["roomy"]["scores"]) >= {"NodeResourcesFit", "NodeResourcesBalancedAllocation"}
    assert explained["bestNodes"] == ["roomy"]
    code, text, err = await _run("--data-dir", str(cluster.data_dir), "explain-scheduling", "web")
    assert code == 0, err
    assert "small" in text and "filtered" in text and "NodeResourcesFit: Insufficient cpu" in text
    assert "roomy" in text and "best" in text


async def test_explain_scheduling_names_a_missing_pod(cluster):
    code, _, err = await _run("--data-dir", str(cluster.data_dir), "explain-scheduling", "ghost")
    assert code == 1
    assert 'pods "ghost" not found in namespace "default"' in err
