"""The CronJob controller against the real API server, on an injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from microkube_controllers.jobs.cronjob import CronJobController
from microkube_controllers.jobs.cronjob_jobs import SCHEDULED_TIMESTAMP

NS = "default"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def to_minute_after(self, minutes: int = 1, second: int = 5) -> datetime:
        """Move to ``second`` seconds past the ``minutes``-th next whole minute."""
        base = self.now.replace(second=0, microsecond=0) + timedelta(minutes=minutes)
        self.now = base + timedelta(seconds=second)
        return base


def cron_job(name, schedule="* * * * *", **spec):
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name},
        "spec": {
            "schedule": schedule,
            "jobTemplate": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "hello", "image": "busybox"}],
                        }
                    }
                },
            },
            **spec,
        },
    }


async def start(microkube_cluster, run_controllers):
    cluster = await microkube_cluster("apiserver")
    clock = Clock()
    (controller,) = await run_controllers(
        cluster, lambda context: CronJobController(context, clock=clock)
    )
    return cluster, cluster.client(), clock, controller


async def poll(check, within=30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not met within {within} s")
        await asyncio.sleep(0.1)


async def owned_jobs(client, name):
    found = await client.list("jobs", NS, label_selector=f"app={name}")
    return sorted(found["items"], key=lambda j: j["metadata"]["name"])


async def reasons(client, name):
    found = await client.list("events", NS, field_selector=f"involvedObject.name={name}")
    return [(e["reason"], e["message"]) for e in found["items"]]


async def finish(client, job, type_="Complete"):
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    job["status"] = {
        "startTime": stamp,
        "conditions": [{"type": type_, "status": "True", "lastTransitionTime": stamp}],
    }
    if type_ == "Complete":
        job["status"]["completionTime"] = stamp
        job["status"]["succeeded"] = 1
    else:
        job["status"]["failed"] = 1
    return await client.replace_status("jobs", job, NS)


async def test_cronjob_fires_at_its_scheduled_time(microkube_cluster, run_controllers):
    cluster, client, clock, controller = await start(microkube_cluster, run_controllers)
    await client.create("cronjobs", cron_job("hello"), NS)
    await asyncio.sleep(0.5)
    assert await owned_jobs(client, "hello") == []  # not due yet on the injected clock
    due = clock.to_minute_after()
    controller.queue.add(f"{NS}/hello")
    (job,) = await poll(lambda: owned_jobs(client, "hello"))
    minutes = int(due.timestamp()) // 60
    assert job["metadata"]["name"] == f"hello-{minutes}"
    assert job["metadata"]["annotations"][SCHEDULED_TIMESTAMP] == due.strftime("%Y-%m-%dT%H:%M:%SZ")
    owner = job["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("CronJob", "hello", True)
    assert job["spec"]["template"]["spec"]["containers"][0]["name"] == "hello"

    async def scheduled():
        current = await client.get("cronjobs", "hello", NS)
        return current if current["status"].get("active") else None

    current = await poll(scheduled)
    assert current["status"]["lastScheduleTime"] == due.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [ref["name"] for ref in current["status"]["active"]] == [job["metadata"]["name"]]
    await poll(lambda: _has(client, "hello", ("SuccessfulCreate", f"Created job hello-{minutes}")))

    # the job completes: it leaves the active list and sets lastSuccessfulTime
    finished = await finish(client, job)

    async def noticed():
        current = await client.get("cronjobs", "hello", NS)
        return current if not current["status"].get("active") else None

    current = await poll(noticed)
    assert current["status"]["lastSuccessfulTime"] == finished["status"]["completionTime"]
    await poll(
        lambda: _has(
            client,
            "hello",
            ("SawCompletedJob", f"Saw completed job: hello-{minutes}, condition: Complete"),
        )
    )
    listed = await cluster.kubectl("get", "cronjob", "hello")
    assert "* * * * *" in listed.stdout


async def _has(client, name, event):
    return event in await reasons(client, name)


async def test_forbid_skips_while_a_job_runs(microkube_cluster, run_controllers):
    _, client, clock, controller = await start(microkube_cluster, run_controllers)
    await client.create("cronjobs", cron_job("solo", concurrencyPolicy="Forbid"), NS)
    clock.to_minute_after()
    controller.queue.add(f"{NS}/solo")
    await poll(lambda: owned_jobs(client, "solo"))
    clock.to_minute_after()
    controller.queue.add(f"{NS}/solo")
    await poll(
        lambda: _has(
            client,
            "solo",
            (
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy "
                "is Forbid",
            ),
        )
    )
    assert len(await owned_jobs(client, "solo")) == 1


async def test_replace_deletes_the_running_job(microkube_cluster, run_controllers):
    _, client, clock, controller = await start(microkube_cluster, run_controllers)
    await client.create("cronjobs", cron_job("swap", concurrencyPolicy="Replace"), NS)
    clock.to_minute_after()
    controller.queue.add(f"{NS}/swap")
    (first,) = await poll(lambda: owned_jobs(client, "swap"))
    second_due = clock.to_minute_after()
    controller.queue.add(f"{NS}/swap")
    second_name = f"swap-{int(second_due.timestamp()) // 60}"

    async def replaced():
        names = []
        for job in await owned_jobs(client, "swap"):
            if not job["metadata"].get("deletionTimestamp"):
                names.append(job["metadata"]["name"])
        return names == [second_name]

    await poll(replaced)
    await poll(
        lambda: _has(
            client, "swap", ("SuccessfulDelete", f"Deleted job {first['metadata']['name']}")
        )
    )
    current = await client.get("cronjobs", "swap", NS)
    assert [ref["name"] for ref in current["status"]["active"]] == [second_name]


async def test_allow_runs_jobs_side_by_side(microkube_cluster, run_controllers):
    _, client, clock, controller = await start(microkube_cluster, run_controllers)
    await client.create("cronjobs", cron_job("many"), NS)
    for expected in (1, 2):
        clock.to_minute_after()
        controller.queue.add(f"{NS}/many")

        async def count(expected=expected):
            return len(await owned_jobs(client, "many")) == expected

        await poll(count)
    current = await poll(lambda: _active(client, "many", 2))
    assert len(current["status"]["active"]) == 2


async def _active(client, name, count):
    current = await client.get("cronjobs", name, NS)
    return current if len(current["status"].get("active") or ()) == count else None


async def test_history_limits_delete_the_oldest_finished_jobs(microkube_cluster, run_controllers):
    _, client, clock, controller = await start(microkube_cluster, run_controllers)
    await client.create(
        "cronjobs",
        cron_job("kept", successfulJobsHistoryLimit=1, failedJobsHistoryLimit=1),
        NS,
    )
    names = []
    for type_ in ("Complete", "Complete", "Failed", "Failed"):
        clock.to_minute_after()
        controller.queue.add(f"{NS}/kept")
        expected = len(names) + 1

        async def created(expected=expected):
            jobs = [
                j for j in await owned_jobs(client, "kept") if j["metadata"]["name"] not in names
            ]
            return jobs if jobs else None

        (job,) = await poll(created)
        names.append(job["metadata"]["name"])
        await finish(client, job, type_)
        await poll(lambda: _active(client, "kept", 0))
        assert expected == len(names)

    async def trimmed():
        left = [
            j["metadata"]["name"]
            for j in await owned_jobs(client, "kept")
            if not j["metadata"].get("deletionTimestamp")
        ]
        return left if left == sorted([names[1], names[3]]) else None

    controller.queue.add(f"{NS}/kept")
    await poll(trimmed)


async def test_starting_deadline_skips_a_late_activation(microkube_cluster, run_controllers):
    _, client, clock, controller = await start(microkube_cluster, run_controllers)
    await client.create("cronjobs", cron_job("late", startingDeadlineSeconds=10), NS)
    clock.to_minute_after(second=30)  # 30 s after the activation, 20 s past the deadline
    controller.queue.add(f"{NS}/late")
    await asyncio.sleep(1.0)
    assert await owned_jobs(client, "late") == []
    clock.to_minute_after(second=3)  # within the deadline of the next one
    controller.queue.add(f"{NS}/late")
    await poll(lambda: owned_jobs(client, "late"))


async def test_suspended_cronjob_creates_nothing(microkube_cluster, run_controllers):
    _, client, clock, controller = await start(microkube_cluster, run_controllers)
    await client.create("cronjobs", cron_job("paused", suspend=True), NS)
    clock.to_minute_after()
    controller.queue.add(f"{NS}/paused")
    await asyncio.sleep(1.0)
    assert await owned_jobs(client, "paused") == []
    await client.patch("cronjobs", "paused", {"spec": {"suspend": False}}, NS)
    await poll(lambda: owned_jobs(client, "paused"))


async def test_unparseable_schedule_is_reported(microkube_cluster, run_controllers):
    _, client, _, controller = await start(microkube_cluster, run_controllers)
    body = cron_job("broken")
    created = await client.create("cronjobs", body, NS)
    # five well-formed fields pass the API server's validation; the minute is out of range
    bad = dict(created)
    bad["spec"] = {**created["spec"], "schedule": "61 * * * *"}
    await client.replace("cronjobs", bad, NS)
    controller.queue.add(f"{NS}/broken")
    events = await poll(lambda: _reasons_with(client, "broken", "UnparseableSchedule"))
    assert events[0][1].startswith('unparseable schedule: "61 * * * *" : ')


async def _reasons_with(client, name, reason):
    return [r for r in await reasons(client, name) if r[0] == reason]
