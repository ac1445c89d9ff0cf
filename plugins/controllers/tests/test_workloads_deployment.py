"""The Deployment controller against the real API server and the real kubectl."""

from __future__ import annotations

import json

from microkube_controllers.common.hashing import compute_hash

ONLY_WORKLOADS = {"controllers": "replicaset,deployment"}
REVISION = "deployment.kubernetes.io/revision"


async def replica_sets(api, name="web"):
    items = (await api.list("replicasets", "default"))["items"]
    owned = [
        rs
        for rs in items
        if any(r.get("name") == name for r in rs["metadata"].get("ownerReferences") or [])
    ]
    return sorted(owned, key=lambda rs: int(rs["metadata"]["annotations"].get(REVISION, "0")))


async def active_pods(api, selector="app=web"):
    items = (await api.list("pods", "default", label_selector=selector))["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


async def rollout_status(cluster, name="web"):
    result = await cluster.kubectl(
        "rollout", "status", f"deployment/{name}", "--timeout=60s", check=False, seconds=90
    )
    return result


def condition(obj, type_):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c["type"] == type_:
            return c
    return None


async def test_create_scale_set_image_history_undo(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(options=ONLY_WORKLOADS)
    api = cluster.client()
    await cluster.kubectl("create", "deployment", "web", "--image=busybox", "--replicas=3")
    result = await rollout_status(cluster)
    assert result.returncode == 0, result.stderr
    assert 'deployment "web" successfully rolled out' in result.stdout

    (rs,) = await replica_sets(api)
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    annotations = rs["metadata"]["annotations"]
    assert annotations[REVISION] == "1"
    assert annotations["deployment.kubernetes.io/desired-replicas"] == "3"
    assert annotations["deployment.kubernetes.io/max-replicas"] == "4"  # 3 + 25% rounded up
    deployment = await api.get("deployments", "web", "default")
    assert deployment["metadata"]["annotations"][REVISION] == "1"
    assert condition(deployment, "Available")["reason"] == "MinimumReplicasAvailable"
    progressing = condition(deployment, "Progressing")
    assert progressing["status"] == "True"
    assert progressing["reason"] == "NewReplicaSetAvailable"
    assert progressing["message"] == f'ReplicaSet "web-{pod_hash}" has successfully progressed.'
    status = deployment["status"]
    assert (status["replicas"], status["updatedReplicas"], status["availableReplicas"]) == (3, 3, 3)
    assert len(await active_pods(api)) == 3

    async def scaled_event():
        events = (await api.list("events", "default"))["items"]
        return [
            e
            for e in events
            if e["reason"] == "ScalingReplicaSet"
            and e["message"] == f"Scaled up replica set web-{pod_hash} from 0 to 3"
        ]

    (event,) = await poll_until(scaled_event)
    assert event["source"]["component"] == "deployment-controller"
    assert event["involvedObject"]["kind"] == "Deployment"

    described = (await cluster.kubectl("describe", "deployment", "web")).stdout
    assert f"NewReplicaSet:   web-{pod_hash} (3/3 replicas created)" in described
    assert f"Scaled up replica set web-{pod_hash} from 0 to 3" in described
    assert "deployment-controller" in described

    # scale
    await cluster.kubectl("scale", "deployment", "web", "--replicas=5")
    result = await rollout_status(cluster)
    assert result.returncode == 0, result.stderr
    (rs,) = await replica_sets(api)
    assert rs["spec"]["replicas"] == 5
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "5"

    async def five():
        return len(await active_pods(api)) == 5

    await poll_until(five)

    # set image + rollout status
    await cluster.kubectl("set", "image", "deployment/web", "busybox=busybox:1.36")
    result = await rollout_status(cluster)
    assert result.returncode == 0, result.stderr
    assert 'deployment "web" successfully rolled out' in result.stdout
    first, second = await replica_sets(api)
    assert first["spec"]["replicas"] == 0
    assert second["spec"]["replicas"] == 5
    assert second["metadata"]["annotations"][REVISION] == "2"
    assert second["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.36"

    async def new_pods_only():
        pods = await active_pods(api)
        images = {p["spec"]["containers"][0]["image"] for p in pods}
        return len(pods) == 5 and images == {"busybox:1.36"}

    await poll_until(new_pods_only)

    # history
    history = await cluster.kubectl("rollout", "history", "deployment/web")
    lines = [line.split() for line in history.stdout.strip().splitlines()]
    assert lines[0] == ["deployment.apps/web"]
    assert [row[0] for row in lines[2:]] == ["1", "2"]

    # undo: back to the first template, which becomes revision 3
    undo = await cluster.kubectl("rollout", "undo", "deployment/web")
    assert "rolled back" in undo.stdout
    result = await rollout_status(cluster)
    assert result.returncode == 0, result.stderr
    rss = await replica_sets(api)
    assert len(rss) == 2
    old, current = rss
    assert current["metadata"]["name"] == first["metadata"]["name"]
    assert current["metadata"]["annotations"][REVISION] == "3"
    assert current["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert current["spec"]["replicas"] == 5
    assert old["spec"]["replicas"] == 0
    deployment = await api.get("deployments", "web", "default")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox"
    assert "pod-template-hash" not in deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["metadata"]["annotations"][REVISION] == "3"
    history = await cluster.kubectl("rollout", "history", "deployment/web")
    rows = [line.split()[0] for line in history.stdout.strip().splitlines()[2:]]
    assert rows == ["2", "3"]


async def test_pause_and_resume(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(options=ONLY_WORKLOADS)
    api = cluster.client()
    await cluster.kubectl("create", "deployment", "web", "--image=busybox", "--replicas=2")
    assert (await rollout_status(cluster)).returncode == 0
    await cluster.kubectl("rollout", "pause", "deployment/web")

    async def paused():
        d = await api.get("deployments", "web", "default")
        c = condition(d, "Progressing")
        return c and c["reason"] == "DeploymentPaused" and c

    c = await poll_until(paused)
    assert (c["status"], c["message"]) == ("Unknown", "Deployment is paused")
    await cluster.kubectl("set", "image", "deployment/web", "busybox=busybox:2")

    async def observed():
        d = await api.get("deployments", "web", "default")
        return d["status"].get("observedGeneration") == d["metadata"]["generation"]

    await poll_until(observed)
    assert len(await replica_sets(api)) == 1  # paused: no rollout
    await cluster.kubectl("rollout", "resume", "deployment/web")
    result = await rollout_status(cluster)
    assert result.returncode == 0, result.stderr
    rss = await replica_sets(api)
    assert [rs["spec"]["replicas"] for rs in rss] == [0, 2]


async def test_recreate_strategy(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(options=ONLY_WORKLOADS)
    api = cluster.client()
    await cluster.kubectl("create", "deployment", "web", "--image=busybox", "--replicas=3")
    await cluster.kubectl(
        "patch",
        "deployment",
        "web",
        "--type=merge",
        "-p",
        json.dumps({"spec": {"strategy": {"type": "Recreate", "rollingUpdate": None}}}),
    )
    assert (await rollout_status(cluster)).returncode == 0
    await cluster.kubectl("set", "image", "deployment/web", "busybox=busybox:2")
    result = await rollout_status(cluster)
    assert result.returncode == 0, result.stderr
    first, second = await replica_sets(api)
    assert (first["spec"]["replicas"], second["spec"]["replicas"]) == (0, 3)
    events = (await api.list("events", "default"))["items"]
    messages = [e["message"] for e in events if e["reason"] == "ScalingReplicaSet"]
    assert f"Scaled down replica set {first['metadata']['name']} from 3 to 0" in messages
    assert f"Scaled up replica set {second['metadata']['name']} from 0 to 3" in messages


async def test_progress_deadline_exceeded(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(
        options=ONLY_WORKLOADS, ready=lambda pod: "busybox:broken" not in json.dumps(pod["spec"])
    )
    api = cluster.client()
    await cluster.kubectl("create", "deployment", "web", "--image=busybox", "--replicas=2")
    assert (await rollout_status(cluster)).returncode == 0
    await cluster.kubectl(
        "patch", "deployment", "web", "-p", json.dumps({"spec": {"progressDeadlineSeconds": 3}})
    )
    await cluster.kubectl("set", "image", "deployment/web", "busybox=busybox:broken")

    async def timed_out():
        d = await api.get("deployments", "web", "default")
        c = condition(d, "Progressing")
        return c and c["reason"] == "ProgressDeadlineExceeded" and c

    c = await poll_until(timed_out)
    assert c["status"] == "False"
    assert c["message"].endswith("has timed out progressing.")
    result = await rollout_status(cluster)
    assert result.returncode == 1
    assert 'deployment "web" exceeded its progress deadline' in result.stderr
    # maxUnavailable 25% of 2 rounds down to 0: both old pods still serve.
    d = await api.get("deployments", "web", "default")
    assert d["status"]["availableReplicas"] == 2
    assert condition(d, "Available")["status"] == "True"


async def test_revision_history_limit_prunes_old_replica_sets(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(options=ONLY_WORKLOADS)
    api = cluster.client()
    await cluster.kubectl("create", "deployment", "web", "--image=busybox", "--replicas=2")
    await cluster.kubectl(
        "patch", "deployment", "web", "-p", json.dumps({"spec": {"revisionHistoryLimit": 1}})
    )
    for tag in ("1", "2", "3"):
        await cluster.kubectl("set", "image", "deployment/web", f"busybox=busybox:{tag}")
        result = await rollout_status(cluster)
        assert result.returncode == 0, result.stderr

    async def pruned():
        rss = await replica_sets(api)
        return len(rss) == 2 and rss

    rss = await poll_until(pruned)
    assert [rs["metadata"]["annotations"][REVISION] for rs in rss] == ["3", "4"]
    assert [rs["spec"]["replicas"] for rs in rss] == [0, 2]


async def test_scaling_mid_rollout_is_proportional(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(
        options=ONLY_WORKLOADS,
        ready=lambda pod: pod["spec"]["containers"][0]["image"] != "busybox:bad",
    )
    api = cluster.client()
    await cluster.kubectl("create", "deployment", "web", "--image=busybox", "--replicas=10")
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}
    await cluster.kubectl(
        "patch", "deployment", "web", "-p", json.dumps({"spec": {"strategy": strategy}})
    )
    assert (await rollout_status(cluster)).returncode == 0
    await cluster.kubectl("set", "image", "deployment/web", "busybox=busybox:bad")

    async def stuck():
        rss = await replica_sets(api)
        sizes = [rs["spec"]["replicas"] for rs in rss]
        return sizes == [8, 5] and rss

    await poll_until(stuck)  # 13 pods at most, 8 available at least: the new ones never ready
    await cluster.kubectl("scale", "deployment", "web", "--replicas=20")

    async def scaled():
        rss = await replica_sets(api)
        return [rs["spec"]["replicas"] for rs in rss] == [14, 9] and rss

    old, new = await poll_until(scaled)  # 23 = 20 + maxSurge, shared as 8:5
    for rs in (old, new):
        annotations = rs["metadata"]["annotations"]
        assert annotations["deployment.kubernetes.io/desired-replicas"] == "20"
        assert annotations["deployment.kubernetes.io/max-replicas"] == "23"


async def test_hash_collision_raises_collision_count(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(options=ONLY_WORKLOADS)
    api = cluster.client()
    await cluster.kubectl("create", "deployment", "web", "--image=busybox", "--replicas=1")
    await cluster.kubectl("rollout", "pause", "deployment/web")
    await cluster.kubectl("scale", "deployment", "web", "--replicas=2")  # no rollout yet
    # The first ReplicaSet is named by the template's hash; delete it.
    (first,) = await poll_until(lambda: replica_sets(api))
    template = (await api.get("deployments", "web", "default"))["spec"]["template"]
    taken = f"web-{compute_hash(template)}"
    assert first["metadata"]["name"] == taken
    await api.delete("replicasets", taken, "default", propagation_policy="Background")

    async def gone():
        return not await replica_sets(api)

    await poll_until(gone)
    # Someone else's ReplicaSet now holds that name, with another template.
    squatter = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": taken, "namespace": "default"},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "squatter"}},
            "template": {
                "metadata": {"labels": {"app": "squatter"}},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
        },
    }
    await api.create("replicasets", squatter, "default")
    await cluster.kubectl("rollout", "resume", "deployment/web")
    result = await rollout_status(cluster)
    assert result.returncode == 0, result.stderr
    deployment = await api.get("deployments", "web", "default")
    assert deployment["status"]["collisionCount"] == 1
    (mine,) = await replica_sets(api)
    assert mine["metadata"]["name"] == f"web-{compute_hash(template, 1)}"
    assert (await api.get("replicasets", taken, "default"))["spec"]["replicas"] == 0
