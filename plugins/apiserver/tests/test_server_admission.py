"""The built-in admission plugins over HTTP: defaults, ClusterIP and NodePort allocation,
validation with Kubernetes' messages and causes."""

from __future__ import annotations

import pytest

PODS = "/api/v1/namespaces/default/pods"
SVC = "/api/v1/namespaces/default/services"
DEPLOY = "/apis/apps/v1/namespaces/default/deployments"
JOBS = "/apis/batch/v1/namespaces/default/jobs"


def service(name: str, **spec) -> dict:
    return {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}], **spec}}


def deployment(name: str, labels: dict, template_labels: dict) -> dict:
    return {
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": template_labels},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


async def test_pod_defaults(client):
    body = {
        "metadata": {"name": "p"},
        "spec": {
            "containers": [
                {"name": "a", "image": "nginx"},
                {"name": "b", "image": "nginx:1.25", "ports": [{"containerPort": 80}]},
            ]
        },
    }
    pod = (await client.post(PODS, body)).body
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["serviceAccountName"] == "default"
    assert spec["enableServiceLinks"] is True
    assert spec["priority"] == 0
    assert spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert spec["securityContext"] == {}
    assert [t["key"] for t in spec["tolerations"]] == [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ]
    a, b = spec["containers"]
    assert a["imagePullPolicy"] == "Always"
    assert b["imagePullPolicy"] == "IfNotPresent"
    assert b["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert a["terminationMessagePath"] == "/dev/termination-log"
    assert a["terminationMessagePolicy"] == "File"
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


async def test_deployment_and_template_defaults(client):
    created = (await client.post(DEPLOY, deployment("web", {"a": "b"}, {"a": "b"}))).body
    spec = created["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    template = spec["template"]["spec"]
    assert template["restartPolicy"] == "Always"
    assert "serviceAccountName" not in template


async def test_job_defaults_and_generated_selector(client):
    body = {
        "metadata": {"name": "j"},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "c", "image": "busybox"}],
                }
            }
        },
    }
    reply = await client.post(JOBS, body)
    assert reply.status == 201, reply
    job = reply.body
    uid = job["metadata"]["uid"]
    spec = job["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (1, 1, 6)
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert spec["template"]["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "j"


async def test_service_defaults_and_cluster_ip_allocation(client):
    svc = (await client.post(SVC, service("web"))).body
    spec = svc["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    ip = spec["clusterIP"]
    assert ip.startswith("10.") and ip != "10.96.0.1"
    assert spec["clusterIPs"] == [ip]


async def test_requested_cluster_ip_taken_is_422_and_freed_on_delete(client):
    first = await client.post(SVC, service("a", clusterIP="10.96.0.50"))
    assert first.body["spec"]["clusterIP"] == "10.96.0.50"
    taken = await client.post(SVC, service("b", clusterIP="10.96.0.50"))
    assert taken.status == 422
    assert taken.body["message"] == (
        'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.50"}: '
        "failed to allocate IP 10.96.0.50: provided IP is already allocated"
    )
    outside = await client.post(SVC, service("c", clusterIP="192.168.0.1"))
    assert outside.status == 422
    await client.delete(f"{SVC}/a")
    again = await client.post(SVC, service("b", clusterIP="10.96.0.50"))
    assert again.status == 201


async def test_failed_create_frees_its_allocation(client):
    bad = service("bad", clusterIP="10.96.0.60")
    bad["spec"]["ports"] = [{"port": 0}]
    assert (await client.post(SVC, bad)).status == 422
    good = await client.post(SVC, service("good", clusterIP="10.96.0.60"))
    assert good.status == 201


async def test_cluster_ip_is_immutable_and_kept_on_update(client):
    svc = (await client.post(SVC, service("web"))).body
    ip = svc["spec"]["clusterIP"]
    body = service("web")
    kept = await client.put(f"{SVC}/web", body)
    assert kept.status == 200, kept
    assert kept.body["spec"]["clusterIP"] == ip
    body["spec"]["clusterIP"] = "10.96.0.99"
    changed = await client.put(f"{SVC}/web", body)
    assert changed.status == 422
    assert "spec.clusterIPs[0]: Invalid value" in changed.body["message"]


async def test_node_ports(client):
    svc = (await client.post(SVC, service("np", type="NodePort"))).body
    port = svc["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767
    assert svc["spec"]["externalTrafficPolicy"] == "Cluster"
    clash = service("np2", type="NodePort")
    clash["spec"]["ports"][0]["nodePort"] = port
    reply = await client.post(SVC, clash)
    assert reply.status == 422
    assert reply.body["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": f"Invalid value: {port}: provided port is already allocated",
            "field": "spec.ports[0].nodePort",
        }
    ]
    clash["spec"]["ports"][0]["nodePort"] = 80
    assert (await client.post(SVC, clash)).status == 422


async def test_deployment_selector_must_match_template(client):
    reply = await client.post(DEPLOY, deployment("x", {"app": "x"}, {"app": "y"}))
    assert reply.status == 422
    assert reply.body["message"] == (
        'Deployment.apps "x" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"y"}: selector does not match template labels'
    )
    assert reply.body["details"] == {
        "name": "x",
        "group": "apps",
        "kind": "Deployment",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": 'Invalid value: map[string]string{"app":"y"}: selector does not '
                "match template labels",
                "field": "spec.template.metadata.labels",
            }
        ],
    }


async def test_several_errors_are_listed(client):
    body = {
        "metadata": {"name": "Bad_Name", "labels": {"ok": "not ok"}},
        "spec": {"containers": [{"name": "c"}]},
    }
    reply = await client.post(PODS, body)
    assert reply.status == 422
    fields = [c["field"] for c in reply.body["details"]["causes"]]
    assert fields == ["metadata.name", "metadata.labels", "spec.containers[0].image"]
    assert reply.body["message"].startswith('Pod "Bad_Name" is invalid: [metadata.name: Invalid')


async def test_huge_names_and_label_values(client):
    long_name = "a" * 300
    reply = await client.post(
        PODS,
        {"metadata": {"name": long_name}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
    )
    assert reply.status == 422
    assert "must be no more than 253 characters" in reply.body["message"]
    reply = await client.post(
        "/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "l", "labels": {"k": "v" * 64}}},
    )
    assert reply.status == 422
    assert reply.body["details"]["causes"][0]["message"].endswith(
        "must be no more than 63 characters"
    )


async def test_pod_spec_is_mostly_immutable(client):
    body = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "a"}]}}
    await client.post(PODS, body)
    image = await client.patch(
        f"{PODS}/p", {"spec": {"containers": [{"name": "c", "image": "b"}]}}, "strategic"
    )
    assert image.status == 200
    node = await client.patch(f"{PODS}/p", {"spec": {"restartPolicy": "Never"}})
    assert node.status == 422
    assert "pod updates may not change fields other than" in node.body["message"]


async def test_deployment_selector_is_immutable(client):
    await client.post(DEPLOY, deployment("web", {"a": "b"}, {"a": "b", "c": "d"}))
    reply = await client.patch(f"{DEPLOY}/web", {"spec": {"selector": {"matchLabels": {"c": "d"}}}})
    assert reply.status == 422
    assert "spec.selector: Invalid value" in reply.body["message"]
    assert "field is immutable" in reply.body["message"]


async def test_namespace_gets_its_name_label(client):
    ns = (await client.post("/api/v1/namespaces", {"metadata": {"name": "team"}})).body
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team"}
    assert ns["status"] == {"phase": "Active"}


def stateful_set(name: str, **template_spec) -> dict:
    return {
        "metadata": {"name": name},
        "spec": {
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "image": "nginx",
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                        }
                    ],
                    **template_spec,
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
        },
    }


async def test_stateful_set_template_may_mount_its_claim_templates(client):
    sts = "/apis/apps/v1/namespaces/default/statefulsets"
    assert (await client.post(sts, stateful_set("db"))).status == 201
    mismatch = stateful_set("x")
    mismatch["spec"]["template"]["metadata"]["labels"] = {"app": "y"}
    reply = await client.post(sts, mismatch)
    assert reply.status == 422
    assert reply.body["message"] == (
        'StatefulSet.apps "x" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"y"}: `selector` does not match template `labels`'
    )
    deadline = await client.post(sts, stateful_set("z", activeDeadlineSeconds=5))
    assert deadline.status == 422
    assert deadline.body["details"]["causes"] == [
        {
            "reason": "FieldValueForbidden",
            "message": "Forbidden: activeDeadlineSeconds in StatefulSet is not Supported",
            "field": "spec.template.spec.activeDeadlineSeconds",
        }
    ]


NODES = "/api/v1/nodes"


def causes(reply) -> list[tuple[str, str]]:
    assert reply.status == 422, reply
    return [(c["field"], c["message"]) for c in reply.body["details"]["causes"]]


async def test_node_taints_are_reported_under_metadata(client):
    taints = [
        {"key": "a", "effect": "NoSchedule"},
        {"key": "bad key", "value": "x y", "effect": "Sometimes"},
        {"key": "c"},
        {"key": "a", "effect": "NoSchedule"},
    ]
    reply = await client.post(NODES, {"metadata": {"name": "n"}, "spec": {"taints": taints}})
    found = causes(reply)
    assert found[:4] == [
        (
            "metadata.taints[1].key",
            'Invalid value: "bad key": name part must consist of alphanumeric characters, '
            "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
            "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ),
        (
            "metadata.taints[1].value",
            'Invalid value: "x y": a valid label must be an empty string or consist of '
            "alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
            "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
        (
            "metadata.taints[1].effect",
            'Unsupported value: "Sometimes": supported values: "NoSchedule", '
            '"PreferNoSchedule", "NoExecute"',
        ),
        ("metadata.taints[2].effect", "Required value"),
    ]
    assert found[4][0] == "metadata.taints[3]"
    assert found[4][1].startswith("Duplicate value: ")
    assert found[4][1].endswith(": taints must be unique by key and effect pair")


async def test_node_pod_cidrs(client):
    bad = await client.post(NODES, {"metadata": {"name": "n"}, "spec": {"podCIDR": "10.0.0.1"}})
    assert causes(bad) == [
        ("spec.podCIDRs[0]", 'Invalid value: []string{"10.0.0.1"}: must be valid CIDR')
    ]
    two_v4 = {"podCIDRs": ["10.0.0.0/24", "10.0.1.0/24"]}
    reply = await client.post(NODES, {"metadata": {"name": "n"}, "spec": two_v4})
    assert causes(reply) == [
        (
            "spec.podCIDRs",
            'Invalid value: []string{"10.0.0.0/24", "10.0.1.0/24"}: may specify no more than '
            "one CIDR for each IP family",
        )
    ]
    dual = {"podCIDRs": ["10.0.0.0/24", "fd00::/64"], "providerID": "mock://n"}
    assert (await client.post(NODES, {"metadata": {"name": "n"}, "spec": dual})).status == 201
    moved = await client.patch(f"{NODES}/n", {"spec": {"podCIDRs": ["10.9.0.0/24"]}})
    assert causes(moved) == [
        ("spec.podCIDRs", 'Forbidden: node updates may not change podCIDR except from "" to valid')
    ]
    provider = await client.patch(f"{NODES}/n", {"spec": {"providerID": "mock://m"}})
    assert causes(provider) == [
        (
            "spec.providerID",
            'Forbidden: node updates may not change providerID except from "" to valid',
        )
    ]
    cordoned = await client.patch(f"{NODES}/n", {"spec": {"unschedulable": True}})
    assert cordoned.status == 200


async def test_namespace_spec_finalizers(client):
    body = {"metadata": {"name": "fin"}, "spec": {"finalizers": ["kubernetes", "custom"]}}
    reply = await client.post("/api/v1/namespaces", body)
    assert causes(reply) == [
        (
            "spec.finalizers",
            'Invalid value: "custom": name is neither a standard finalizer name nor is it fully '
            "qualified",
        )
    ]
    body["spec"]["finalizers"] = ["kubernetes", "example.com/custom"]
    assert (await client.post("/api/v1/namespaces", body)).status == 201


EVENTS = "/api/v1/namespaces/default/events"
EVENTS_V1 = "/apis/events.k8s.io/v1/namespaces/default/events"


async def test_core_events_follow_the_legacy_rules(client):
    elsewhere = {"metadata": {"name": "e1"}, "involvedObject": {"namespace": "kube-system"}}
    assert causes(await client.post(EVENTS, elsewhere)) == [
        ("involvedObject.namespace", 'Invalid value: "kube-system": does not match event.namespace')
    ]
    # Old clients: no eventTime, no reporting fields, any name.
    legacy = {"metadata": {"name": "Legacy_Name"}, "involvedObject": {"kind": "Pod", "name": "p"}}
    assert (await client.post(EVENTS, legacy)).status == 201
    timed = {
        "metadata": {"name": "e2"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
        "eventTime": "2024-01-01T00:00:00.000000Z",
        "reason": "r" * 129,
    }
    # An empty reporting component is also checked as a qualified name (both of its rules).
    assert causes(await client.post(EVENTS, timed)) == [
        ("reportingComponent", "Required value"),
        ("reportingComponent", 'Invalid value: "": name part must be non-empty'),
        (
            "reportingComponent",
            "Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' "
            "or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
            "'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ),
        ("reportingInstance", "Required value"),
        ("action", "Required value"),
        ("reason", 'Invalid value: "": can have at most 128 characters'),
    ]


async def test_events_k8s_io_are_validated_strictly(client):
    event = {
        "metadata": {"name": "e"},
        "regarding": {"kind": "Pod", "name": "p", "namespace": "default"},
        "reportingController": "example.com/ctl",
        "reportingInstance": "ctl-1",
        "action": "Started",
        "reason": "Started",
        "type": "Sometimes",
        "deprecatedCount": 3,
        "series": {"count": 1},
    }
    assert causes(await client.post(EVENTS_V1, event)) == [
        ("series.count", 'Invalid value: "": should be at least 2'),
        ("series.lastObservedTime", "Required value"),
        ("eventTime", "Required value"),
        ("type", 'Invalid value: "": has invalid value: Sometimes'),
        ("count", 'Invalid value: "": needs to be unset'),
    ]
    fine = {
        **{k: v for k, v in event.items() if k not in ("deprecatedCount", "series")},
        "type": "Normal",
        "eventTime": "2024-01-01T00:00:00.000000Z",
    }
    assert (await client.post(EVENTS_V1, fine)).status == 201


async def test_a_per_index_backoff_limit_turns_the_job_wide_one_off(client):
    template = {
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}
    }
    body = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "indexed"},
        "spec": {
            "completions": 3,
            "completionMode": "Indexed",
            "backoffLimitPerIndex": 1,
            "template": template,
        },
    }
    reply = await client.post(JOBS, body)
    assert reply.status == 201, reply
    assert reply.body["spec"]["backoffLimit"] == 2147483647


@pytest.mark.parametrize(
    ("schedule", "accepted"),
    [("@every 1h30m", True), ("@every 90s", True), ("@every soon", False), ("* * *", False)],
)
async def test_cron_schedules_as_the_cron_parser_reads_them(client, schedule, accepted):
    body = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c" + str(abs(hash(schedule)) % 1000)},
        "spec": {
            "schedule": schedule,
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [{"name": "c", "image": "busybox"}],
                        }
                    }
                }
            },
        },
    }
    reply = await client.post("/apis/batch/v1/namespaces/default/cronjobs", body)
    assert (reply.status == 201) is accepted, reply


async def test_scheduling_gates_may_be_removed_but_not_added(client):
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "gated"},
        "spec": {
            "schedulingGates": [{"name": "example.com/quota"}, {"name": "example.com/wait"}],
            "containers": [{"name": "c", "image": "busybox"}],
        },
    }
    assert (await client.post("/api/v1/namespaces/default/pods", body)).status == 201
    path = "/api/v1/namespaces/default/pods/gated"
    one_gone = {"spec": {"schedulingGates": [{"name": "example.com/quota"}]}}
    assert (await client.patch(path, one_gone)).status == 200
    added = {"spec": {"schedulingGates": [{"name": "example.com/quota"}, {"name": "x.io/new"}]}}
    refused = await client.patch(path, added)
    assert refused.status == 422
    assert "only deletion is allowed, but found new scheduling gate 'x.io/new'" in refused.text
    assert (await client.patch(path, {"spec": {"schedulingGates": None}})).status == 200
