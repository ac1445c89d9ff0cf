"""The Job controller against the real API server, with the test playing the kubelet."""

from __future__ import annotations

import asyncio

from microkube_controllers.jobs.controller import JobController
from microkube_controllers.jobs.indexes import COMPLETION_INDEX
from microkube_controllers.jobs.pods import TRACKING_FINALIZER

NS = "default"


def job(name, **spec):
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "main", "image": "busybox"}],
                }
            },
            **spec,
        },
    }


def condition(obj, type_):
    for found in (obj.get("status") or {}).get("conditions") or ():
        if found["type"] == type_:
            return found
    return None


async def start(microkube_cluster, run_controllers, pod_player, **options):
    cluster = await microkube_cluster("apiserver")
    await run_controllers(
        cluster, JobController, options={"job-pod-failure-backoff": 0.2, **options}
    )
    client = cluster.client()
    player = pod_player(client)
    await player.node("node-1")
    return cluster, client, player


async def job_pods(client, name):
    found = await client.list("pods", NS, label_selector=f"batch.kubernetes.io/job-name={name}")
    return found["items"]


async def play_until(client, player, name, finish, within=45.0):
    """Play the kubelet for the Job's pods (``finish(pod)`` → exit code or None to keep it
    running) until the Job has a terminal condition; the most pods seen active at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    most_active = 0
    while True:
        current = await client.get("jobs", name, NS)
        if condition(current, "Complete") or condition(current, "Failed"):
            return current, most_active
        if loop.time() > deadline:
            raise AssertionError(f"job {name} did not finish: {current.get('status')}")
        pods = await job_pods(client, name)
        running = [
            p
            for p in pods
            if p["status"].get("phase") not in ("Succeeded", "Failed")
            and not p["metadata"].get("deletionTimestamp")
        ]
        most_active = max(most_active, len(running))
        for pod in running:
            code = finish(pod)
            if code is None:
                if pod["status"].get("phase") != "Running":
                    await player.run(pod)
            else:
                await player.finish(pod, code)
        await player.reap(NS)
        await asyncio.sleep(0.2)


async def test_job_runs_to_completion_and_kubectl_wait_returns(
    microkube_cluster, run_controllers, pod_player
):
    cluster, client, player = await start(microkube_cluster, run_controllers, pod_player)
    await client.create("jobs", job("pi", completions=3, parallelism=2), NS)
    waiting = asyncio.create_task(
        cluster.kubectl("wait", "--for=condition=complete", "job/pi", "--timeout=60s", seconds=90)
    )
    done, most_active = await play_until(client, player, "pi", lambda pod: 0)
    result = await waiting
    assert "job.batch/pi condition met" in result.stdout
    assert most_active <= 2
    status = done["status"]
    assert status["succeeded"] == 3 and status.get("failed", 0) == 0
    assert status["active"] == 0
    assert status.get("completionTime") and status.get("startTime")
    assert not (status.get("uncountedTerminatedPods") or {}).get("succeeded")
    assert condition(done, "SuccessCriteriaMet")["reason"] == "CompletionsReached"
    complete = condition(done, "Complete")
    assert complete["status"] == "True"
    assert complete["message"] == "Reached expected number of succeeded pods"
    pods = await job_pods(client, "pi")
    assert len(pods) == 3
    for pod in pods:
        meta = pod["metadata"]
        assert TRACKING_FINALIZER not in (meta.get("finalizers") or ())
        assert meta["labels"]["batch.kubernetes.io/controller-uid"] == done["metadata"]["uid"]
        assert meta["labels"]["job-name"] == "pi"
        owner = meta["ownerReferences"][0]
        assert (owner["kind"], owner["name"], owner["controller"]) == ("Job", "pi", True)

    async def events():
        found = await client.list("events", NS, field_selector="involvedObject.name=pi")
        reasons = [e["reason"] for e in found["items"]]
        return found if "Completed" in reasons and reasons.count("SuccessfulCreate") == 3 else None

    for _ in range(150):
        found = await events()
        if found:
            break
        await asyncio.sleep(0.2)
    assert found, "events SuccessfulCreate x3 and Completed expected"
    creates = [e for e in found["items"] if e["reason"] == "SuccessfulCreate"]
    assert all(e["message"].startswith("Created pod: pi-") for e in creates)
    assert creates[0]["source"]["component"] == "job-controller"
    assert creates[0]["involvedObject"]["kind"] == "Job"
    described = await cluster.kubectl("describe", "job", "pi")
    assert "SuccessfulCreate" in described.stdout and "Job completed" in described.stdout
    described = await cluster.kubectl("get", "job", "pi")
    assert "Complete" in described.stdout and "3/3" in described.stdout


async def test_backoff_limit_exceeded_fails_the_job(microkube_cluster, run_controllers, pod_player):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    await client.create("jobs", job("flaky", backoffLimit=1), NS)
    done, _ = await play_until(client, player, "flaky", lambda pod: 1)
    failed = condition(done, "Failed")
    assert failed["status"] == "True"
    assert failed["reason"] == "BackoffLimitExceeded"
    assert failed["message"] == "Job has reached the specified backoff limit"
    assert condition(done, "FailureTarget")["reason"] == "BackoffLimitExceeded"
    assert condition(done, "Complete") is None
    assert done["status"]["failed"] == 2
    assert not done["status"].get("completionTime")
    pods = await job_pods(client, "flaky")
    assert len(pods) == 2  # the first failure and its one retry; failed pods are kept
    for _ in range(150):
        found = await client.list("events", NS, field_selector="involvedObject.name=flaky")
        warnings = [e for e in found["items"] if e["reason"] == "BackoffLimitExceeded"]
        if warnings:
            break
        await asyncio.sleep(0.2)
    assert warnings and warnings[0]["type"] == "Warning"


async def test_pod_failure_policy_fails_the_job_on_a_fatal_exit_code(
    microkube_cluster, run_controllers, pod_player
):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    policy = {
        "rules": [
            {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}},
            {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [7]}},
        ]
    }
    await client.create("jobs", job("strict", backoffLimit=6, podFailurePolicy=policy), NS)
    codes = iter([7, 1, 42])  # ignored, counted, fatal
    seen: dict[str, int] = {}

    def finish(pod):
        name = pod["metadata"]["name"]
        if name not in seen:
            seen[name] = next(codes)
        return seen[name]

    done, _ = await play_until(client, player, "strict", finish)
    failed = condition(done, "Failed")
    assert failed["reason"] == "PodFailurePolicy"
    fatal = next(name for name, code in seen.items() if code == 42)
    assert failed["message"] == (
        f"Container main for pod {NS}/{fatal} failed with exit code 42 matching FailJob rule "
        "at index 0"
    )
    assert done["status"]["failed"] == 2  # the exit code 7 was ignored
    assert len(seen) == 3


async def test_parallelism_bounds_active_pods(microkube_cluster, run_controllers, pod_player):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    await client.create("jobs", job("wide", completions=5, parallelism=3), NS)
    finished: set[str] = set()

    def finish(pod):
        # let each pod run one round before it succeeds, so parallel pods coexist
        name = pod["metadata"]["name"]
        if pod["status"].get("phase") == "Running":
            finished.add(name)
            return 0
        return None

    done, most_active = await play_until(client, player, "wide", finish)
    assert most_active == 3
    assert done["status"]["succeeded"] == 5
    assert len(await job_pods(client, "wide")) == 5


async def test_indexed_job_gives_each_pod_its_completion_index(
    microkube_cluster, run_controllers, pod_player
):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    await client.create(
        "jobs", job("idx", completions=3, parallelism=3, completionMode="Indexed"), NS
    )
    for _ in range(150):
        pods = await job_pods(client, "idx")
        if len(pods) == 3:
            break
        await asyncio.sleep(0.2)
    indexes = sorted(int(p["metadata"]["annotations"][COMPLETION_INDEX]) for p in pods)
    assert indexes == [0, 1, 2]
    for pod in pods:
        index = pod["metadata"]["annotations"][COMPLETION_INDEX]
        assert pod["metadata"]["labels"][COMPLETION_INDEX] == index
        assert pod["metadata"]["name"].startswith(f"idx-{index}-")
        assert pod["spec"]["hostname"] == f"idx-{index}"
        env = {e["name"]: e for e in pod["spec"]["containers"][0]["env"]}
        assert env["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"] == (
            f"metadata.annotations['{COMPLETION_INDEX}']"
        )
    # index 1 fails once and is re-created with the same index; the others succeed
    failed_once: set[str] = set()

    def finish(pod):
        index = pod["metadata"]["annotations"][COMPLETION_INDEX]
        if index == "1" and not failed_once:
            failed_once.add(pod["metadata"]["name"])
            return 1
        return 0

    done, _ = await play_until(client, player, "idx", finish)
    assert condition(done, "Complete")["status"] == "True"
    assert done["status"]["completedIndexes"] == "0-2"
    assert done["status"]["succeeded"] == 3
    assert done["status"]["failed"] == 1
    pods = await job_pods(client, "idx")
    ones = [p for p in pods if p["metadata"]["annotations"][COMPLETION_INDEX] == "1"]
    assert len(ones) == 2


async def test_success_policy_completes_an_indexed_job_early(
    microkube_cluster, run_controllers, pod_player
):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    await client.create(
        "jobs",
        job(
            "leader",
            completions=3,
            parallelism=3,
            completionMode="Indexed",
            successPolicy={"rules": [{"succeededIndexes": "0"}]},
        ),
        NS,
    )

    def finish(pod):  # only the leader (index 0) finishes; the workers keep running
        return 0 if pod["metadata"]["annotations"][COMPLETION_INDEX] == "0" else None

    done, _ = await play_until(client, player, "leader", finish)
    complete = condition(done, "Complete")
    assert (complete["reason"], complete["message"]) == (
        "SuccessPolicy",
        "Matched rules at index 0",
    )
    assert condition(done, "SuccessCriteriaMet")["reason"] == "SuccessPolicy"
    assert done["status"]["completedIndexes"] == "0"
    assert done["status"]["active"] == 0  # the lingering workers were removed


async def test_backoff_limit_per_index_fails_only_the_failing_index(
    microkube_cluster, run_controllers, pod_player
):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    await client.create(
        "jobs",
        job(
            "perindex",
            completions=3,
            parallelism=3,
            completionMode="Indexed",
            backoffLimitPerIndex=1,
        ),
        NS,
    )

    def finish(pod):  # index 2 always fails, the others succeed
        return 1 if pod["metadata"]["annotations"][COMPLETION_INDEX] == "2" else 0

    done, _ = await play_until(client, player, "perindex", finish)
    failed = condition(done, "Failed")
    assert (failed["reason"], failed["message"]) == ("FailedIndexes", "Job has failed indexes")
    assert done["status"]["failedIndexes"] == "2"
    assert done["status"]["completedIndexes"] == "0-1"
    assert done["status"]["failed"] == 2
    twos = [
        p
        for p in await job_pods(client, "perindex")
        if p["metadata"]["annotations"][COMPLETION_INDEX] == "2"
    ]
    counts = sorted(
        p["metadata"]["annotations"]["batch.kubernetes.io/job-index-failure-count"] for p in twos
    )
    assert counts == ["0", "1"]  # the retry knew one failure of its index came before


async def test_max_failed_indexes_stops_the_job(microkube_cluster, run_controllers, pod_player):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    await client.create(
        "jobs",
        job(
            "fragile",
            completions=4,
            parallelism=2,
            completionMode="Indexed",
            backoffLimitPerIndex=0,
            maxFailedIndexes=0,
        ),
        NS,
    )
    done, _ = await play_until(client, player, "fragile", lambda pod: 1)
    failed = condition(done, "Failed")
    assert failed["reason"] == "MaxFailedIndexesExceeded"
    assert failed["message"] == "Job has exceeded the specified maximal number of failed indexes"


async def test_active_deadline_exceeded_removes_pods_and_fails(
    microkube_cluster, run_controllers, pod_player
):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    await client.create("jobs", job("slow", activeDeadlineSeconds=2, parallelism=2), NS)
    done, _ = await play_until(client, player, "slow", lambda pod: None)
    failed = condition(done, "Failed")
    assert failed["reason"] == "DeadlineExceeded"
    assert failed["message"] == "Job was active longer than specified deadline"
    assert done["status"]["active"] == 0
    # the running pods were removed by the controller and counted as failed
    assert done["status"]["failed"] >= 1
    for _ in range(100):
        if not await job_pods(client, "slow"):
            break
        await player.reap(NS)
        await asyncio.sleep(0.2)
    assert await job_pods(client, "slow") == []


async def test_suspended_job_creates_no_pods_until_resumed(
    microkube_cluster, run_controllers, pod_player
):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    await client.create("jobs", job("later", suspend=True), NS)
    for _ in range(150):
        current = await client.get("jobs", "later", NS)
        if condition(current, "Suspended"):
            break
        await asyncio.sleep(0.2)
    suspended = condition(current, "Suspended")
    assert (suspended["status"], suspended["reason"]) == ("True", "JobSuspended")
    assert not current["status"].get("startTime")
    assert await job_pods(client, "later") == []
    await client.patch("jobs", "later", {"spec": {"suspend": False}}, NS)
    done, _ = await play_until(client, player, "later", lambda pod: 0)
    assert condition(done, "Suspended")["status"] == "False"
    assert condition(done, "Complete")["status"] == "True"
    assert done["status"]["startTime"]


async def test_kubectl_create_job_through_the_controller_manager(microkube_cluster, pod_player):
    """The whole path a user takes: the controller manager runs ``job`` (found through its
    entry point), ``kubectl create job`` (a protobuf body), ``kubectl wait``."""
    cluster = await microkube_cluster(
        "apiserver",
        "controller-manager",
        options={"controller-manager": {"controllers": "job", "leader-elect": False}},
    )
    client = cluster.client()
    player = pod_player(client)
    await player.node("node-1")
    await cluster.kubectl("create", "job", "hello", "--image=busybox", "--", "echo", "hi")
    done, _ = await play_until(client, player, "hello", lambda pod: 0)
    assert condition(done, "Complete")["status"] == "True"
    waited = await cluster.kubectl(
        "wait", "--for=condition=complete", "job/hello", "--timeout=30s", seconds=60
    )
    assert "condition met" in waited.stdout
