"""The pods a Job creates."""

from __future__ import annotations

from microkube_controllers.jobs.pod_template import pod_for_job

JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "pi", "namespace": "ns", "uid": "u1"},
    "spec": {
        "template": {
            "metadata": {"labels": {"batch.kubernetes.io/job-name": "pi"}},
            "spec": {
                "restartPolicy": "Never",
                "initContainers": [{"name": "init", "image": "x"}],
                "containers": [{"name": "main", "image": "x"}],
            },
        }
    },
}


def test_pod_owner_finalizer_and_name():
    pod = pod_for_job(JOB)
    meta = pod["metadata"]
    assert meta["generateName"] == "pi-"
    assert meta["finalizers"] == ["batch.kubernetes.io/job-tracking"]
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "name": "pi",
            "uid": "u1",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert "annotations" not in meta
    assert "env" not in pod["spec"]["containers"][0]


def test_indexed_pod_carries_its_index_everywhere():
    pod = pod_for_job(JOB, 3)
    meta = pod["metadata"]
    assert meta["generateName"] == "pi-3-"
    assert meta["annotations"]["batch.kubernetes.io/job-completion-index"] == "3"
    assert meta["labels"]["batch.kubernetes.io/job-completion-index"] == "3"
    assert pod["spec"]["hostname"] == "pi-3"
    for container in (*pod["spec"]["initContainers"], *pod["spec"]["containers"]):
        (env,) = container["env"]
        assert env["name"] == "JOB_COMPLETION_INDEX"
    assert "env" not in JOB["spec"]["template"]["spec"]["containers"][0]  # template untouched
    long_name = {**JOB, "metadata": {**JOB["metadata"], "name": "x" * 70}}
    assert len(pod_for_job(long_name, 12)["metadata"]["generateName"]) <= 58
