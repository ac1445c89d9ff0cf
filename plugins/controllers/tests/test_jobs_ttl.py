"""The TTL-after-finished controller deletes finished Jobs once their TTL ran out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from microkube_controllers.jobs.ttl import TTLAfterFinishedController, expires_at

NS = "default"


def finished_job(name, ttl, finished_at="2026-01-01T00:00:00Z"):
    return {
        "metadata": {"name": name, "namespace": NS},
        "spec": {"ttlSecondsAfterFinished": ttl},
        "status": {
            "conditions": [
                {"type": "Complete", "status": "True", "lastTransitionTime": finished_at}
            ]
        },
    }


def test_expiry_is_finish_time_plus_ttl():
    assert expires_at(finished_job("a", 30)) == datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)
    unfinished = {"spec": {"ttlSecondsAfterFinished": 5}, "status": {}}
    assert expires_at(unfinished) is None
    no_ttl = finished_job("b", None)
    assert expires_at(no_ttl) is None


async def test_finished_job_is_deleted_after_its_ttl(microkube_cluster, run_controllers):
    cluster = await microkube_cluster("apiserver")
    client = cluster.client()
    body = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "done"},
        "spec": {
            "ttlSecondsAfterFinished": 30,
            "template": {
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}
            },
        },
    }
    created = await client.create("jobs", body, NS)
    finished_at = datetime.now(UTC).replace(microsecond=0)
    stamp = finished_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    created["status"] = {
        "startTime": stamp,
        "completionTime": stamp,
        "succeeded": 1,
        "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": stamp},
            {"type": "Complete", "status": "True", "lastTransitionTime": stamp},
        ],
    }
    await client.replace_status("jobs", created, NS)
    # the injected clock says the TTL ran out 31 s after the Job finished
    later = finished_at + timedelta(seconds=31)
    await run_controllers(
        cluster, lambda context: TTLAfterFinishedController(context, clock=lambda: later)
    )
    for _ in range(150):
        try:
            current = await client.get("jobs", "done", NS)
        except Exception:
            return  # deleted
        if current["metadata"].get("deletionTimestamp"):
            # foreground deletion: the garbage collector (not running here) finishes it
            assert "foregroundDeletion" in current["metadata"]["finalizers"]
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the finished Job was not deleted after its TTL")
