"""Pod lifecycles through the kubelet's pod workers: init containers, restart policies,
CrashLoopBackOff, graceful termination, status writes (real API server, fake runtime)."""

from __future__ import annotations

import asyncio
import re


def _phase_is(api, name, phase):  # type: ignore[no-untyped-def]
    async def check():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", name, "default")
        return pod if (pod.get("status") or {}).get("phase") == phase else None

    return check


async def test_init_containers_run_in_order_before_app_containers(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    pod = pod_manifest(
        "init",
        {"name": "app", "image": "busybox"},
        initContainers=[
            {"name": "first", "image": "busybox", "command": ["sleep", "0.3"]},
            {"name": "second", "image": "busybox", "command": ["sleep", "0.3"]},
        ],
    )
    await api.create("pods", pod)
    running = await poll(_phase_is(api, "init", "Running"), what="init pod Running")
    inits = running["status"]["initContainerStatuses"]
    assert [c["name"] for c in inits] == ["first", "second"]
    for status in inits:
        assert status["state"]["terminated"]["reason"] == "Completed"
        assert status["state"]["terminated"]["exitCode"] == 0
        assert status["ready"] is True
    conditions = {c["type"]: c["status"] for c in running["status"]["conditions"]}
    assert conditions["Initialized"] == "True"
    by_name = {c.name: c for c in await fake_runtime_instance.list_containers()}
    assert by_name["first"].finished_at_ns <= by_name["second"].created_at_ns
    assert by_name["second"].finished_at_ns <= by_name["app"].created_at_ns


async def test_pending_while_init_runs_reports_pod_initializing(
    kubelet_cluster, pod_manifest, poll
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    pod = pod_manifest(
        "slow-init",
        {"name": "app", "image": "busybox"},
        initContainers=[{"name": "wait", "image": "busybox", "command": ["sleep", "30"]}],
    )
    await api.create("pods", pod)

    async def initializing():  # type: ignore[no-untyped-def]
        got = await api.get("pods", "slow-init", "default")
        statuses = (got.get("status") or {}).get("containerStatuses") or []
        inits = (got.get("status") or {}).get("initContainerStatuses") or []
        if statuses and inits and "running" in inits[0]["state"]:
            return got
        return None

    got = await poll(initializing, what="init container running")
    assert got["status"]["phase"] == "Pending"
    assert got["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    conditions = {c["type"]: c for c in got["status"]["conditions"]}
    assert conditions["Initialized"]["reason"] == "ContainersNotInitialized"
    assert conditions["Initialized"]["message"] == "containers with incomplete status: [wait]"


async def test_restart_policy_never_fails_with_exit_code(kubelet_cluster, pod_manifest, poll):
    cluster = await kubelet_cluster()
    api = cluster.client()
    await api.create(
        "pods",
        pod_manifest(
            "never", {"name": "c", "image": "busybox", "command": ["false"]}, restartPolicy="Never"
        ),
    )
    failed = await poll(_phase_is(api, "never", "Failed"), what="pod Failed")
    (status,) = failed["status"]["containerStatuses"]
    assert status["restartCount"] == 0
    assert status["state"]["terminated"]["exitCode"] == 1
    assert status["state"]["terminated"]["reason"] == "Error"
    conditions = {c["type"]: c["status"] for c in failed["status"]["conditions"]}
    assert conditions["Ready"] == "False"


async def test_on_failure_pod_that_exits_zero_succeeds(kubelet_cluster, pod_manifest, poll):
    cluster = await kubelet_cluster()
    api = cluster.client()
    container = {"name": "job", "image": "busybox", "command": ["sh", "-c", "exit 0"]}
    await api.create("pods", pod_manifest("job", container, restartPolicy="OnFailure"))
    done = await poll(_phase_is(api, "job", "Succeeded"), what="pod Succeeded")
    (status,) = done["status"]["containerStatuses"]
    assert status["state"]["terminated"]["reason"] == "Completed"
    conditions = {c["type"]: c for c in done["status"]["conditions"]}
    assert conditions["Ready"]["reason"] == "PodCompleted"


async def test_crash_loop_back_off_grows(kubelet_cluster, pod_manifest, poll):
    cluster = await kubelet_cluster(crashloop_backoff_initial=1.0, crashloop_backoff_max=8.0)
    api = cluster.client()
    seen: list[str] = []

    async def watch_backoffs() -> None:
        # Every status write is a watch event: no back-off state can be missed.
        watch = api.watch("pods", "default", field_selector="metadata.name=crash")
        async with watch:
            async for _kind, pod in watch:
                for status in (pod.get("status") or {}).get("containerStatuses") or []:
                    waiting = status["state"].get("waiting") or {}
                    if (
                        waiting.get("reason") == "CrashLoopBackOff"
                        and waiting["message"] not in seen
                    ):
                        seen.append(waiting["message"])
                        assert status["lastState"]["terminated"]["exitCode"] == 1
                        assert pod["status"]["phase"] == "Running"
                if len(seen) >= 3:
                    return

    watcher = asyncio.create_task(watch_backoffs())
    await asyncio.sleep(0.2)
    await api.create(
        "pods", pod_manifest("crash", {"name": "c", "image": "busybox", "command": ["false"]})
    )
    await asyncio.wait_for(watcher, 60)
    uid = (await api.get("pods", "crash", "default"))["metadata"]["uid"]
    delays = [
        re.match(r"back-off (\S+) restarting failed container=c pod=crash_default\((.*)\)$", m)
        for m in seen
    ]
    assert all(delays), seen
    assert {d.group(2) for d in delays} == {uid}
    assert [d.group(1) for d in delays][:3] == ["1s", "2s", "4s"]
    pod = await api.get("pods", "crash", "default")
    assert pod["status"]["containerStatuses"][0]["restartCount"] >= 2
    events = await api.list("events", "default", field_selector="involvedObject.name=crash")
    reasons = {e["reason"] for e in events["items"]}
    assert {"BackOff", "Created", "Started", "Pulled"} <= reasons
    described = await cluster.kubectl("describe", "pod", "crash")
    assert "CrashLoopBackOff" in described.stdout
    assert "Back-off restarting failed container c in pod crash_default" in described.stdout


async def test_deletion_runs_pre_stop_stops_with_grace_and_removes_the_pod(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    container = {
        "name": "web",
        "image": "busybox",
        "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "echo bye"]}}},
    }
    await api.create("pods", pod_manifest("bye", container, terminationGracePeriodSeconds=7))
    await poll(_phase_is(api, "bye", "Running"), what="pod Running")
    await api.delete("pods", "bye", "default")

    async def gone():  # type: ignore[no-untyped-def]
        items = (await api.list("pods", "default"))["items"]
        return not any(p["metadata"]["name"] == "bye" for p in items)

    await poll(gone, what="pod deleted for good")
    pre_stop = [
        c
        for c in fake_runtime_instance.calls_to("exec_sync")
        if c.args[1] == ["sh", "-c", "echo bye"]
    ]
    assert len(pre_stop) == 1
    stops = fake_runtime_instance.calls_to("stop_container")
    assert stops and 2 <= stops[0].args[1] <= 7
    assert fake_runtime_instance.sandbox_ids() == []
    assert fake_runtime_instance.container_ids() == []
    events = await api.list("events", "default", field_selector="involvedObject.name=bye")
    assert "Stopping container web" in {e["message"] for e in events["items"]}


async def test_status_is_written_only_when_it_changes(kubelet_cluster, pod_manifest, poll):
    cluster = await kubelet_cluster()
    api = cluster.client()
    created = await api.create("pods", pod_manifest("quiet", {"name": "c", "image": "busybox"}))
    await poll(_phase_is(api, "quiet", "Running"), what="pod Running")
    writer = cluster.components["kubelet"].kubelet.ctx.statuses
    uid = created["metadata"]["uid"]
    before = writer.writes[uid]
    version = (await api.get("pods", "quiet", "default"))["metadata"]["resourceVersion"]
    await asyncio.sleep(2.0)  # many relists and syncs later
    assert writer.writes[uid] == before
    assert (await api.get("pods", "quiet", "default"))["metadata"]["resourceVersion"] == version


async def test_changed_image_restarts_the_container(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    fake_runtime_instance.registry.add("docker.io/library/busybox:1.36")
    cluster = await kubelet_cluster()
    api = cluster.client()
    await api.create("pods", pod_manifest("img", {"name": "c", "image": "busybox"}))
    await poll(_phase_is(api, "img", "Running"), what="Running")
    await cluster.kubectl("set", "image", "pod/img", "c=busybox:1.36")

    async def replaced():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", "img", "default")
        (status,) = pod["status"]["containerStatuses"]
        return (
            status if status["image"] == "busybox:1.36" and "running" in status["state"] else None
        )

    status = await poll(replaced, what="the container re-created with the new image")
    assert status["restartCount"] == 1
    events = await api.list("events", "default", field_selector="involvedObject.name=img")
    assert "Container c definition changed, will be restarted" in {
        e["message"] for e in events["items"]
    }


async def test_active_deadline_fails_the_pod(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    await api.create(
        "pods", pod_manifest("late", {"name": "c", "image": "busybox"}, activeDeadlineSeconds=2)
    )
    failed = await poll(_phase_is(api, "late", "Failed"), what="DeadlineExceeded")
    assert failed["status"]["reason"] == "DeadlineExceeded"
    assert (
        failed["status"]["message"]
        == "Pod was active on the node longer than the specified deadline"
    )
    assert not [
        c for c in await fake_runtime_instance.list_containers() if c.state.name == "RUNNING"
    ]


async def test_sidecar_starts_before_app_keeps_running_and_stops_when_the_job_is_done(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    pod = pod_manifest(
        "with-sidecar",
        {"name": "job", "image": "busybox", "command": ["sleep", "1"]},
        initContainers=[
            {"name": "setup", "image": "busybox", "command": ["sh", "-c", "exit 0"]},
            {"name": "proxy", "image": "busybox", "restartPolicy": "Always"},
        ],
        restartPolicy="Never",
    )
    await api.create("pods", pod)

    async def both_running():  # type: ignore[no-untyped-def]
        got = await api.get("pods", "with-sidecar", "default")
        status = got.get("status") or {}
        inits = {s["name"]: s for s in status.get("initContainerStatuses") or []}
        apps = status.get("containerStatuses") or []
        if (
            "running" in inits.get("proxy", {}).get("state", {})
            and apps
            and "running" in apps[0]["state"]
        ):
            return got
        return None

    running = await poll(both_running, what="sidecar and app running together")
    assert running["status"]["phase"] == "Running"
    conditions = {c["type"]: c["status"] for c in running["status"]["conditions"]}
    assert conditions["Initialized"] == "True" and conditions["Ready"] == "True"
    done = await poll(_phase_is(api, "with-sidecar", "Succeeded"), what="the pod completes")
    inits = {s["name"]: s for s in done["status"]["initContainerStatuses"]}
    assert "terminated" in inits["proxy"]["state"]  # stopped by the kubelet once the job ended
    by_name = {c.name: c for c in await fake_runtime_instance.list_containers()}
    assert by_name["proxy"].created_at_ns < by_name["job"].created_at_ns
    assert by_name["proxy"].finished_at_ns >= by_name["job"].finished_at_ns


async def test_fallback_to_logs_on_error_sets_the_termination_message(
    kubelet_cluster, pod_manifest, poll
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    container = {
        "name": "c",
        "image": "busybox",
        "command": ["sh", "-c", "echo boom; exit 1"],
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }
    await api.create("pods", pod_manifest("msg", container, restartPolicy="Never"))
    failed = await poll(_phase_is(api, "msg", "Failed"), what="pod Failed")
    terminated = failed["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == 1
    assert terminated["message"] == "boom"
