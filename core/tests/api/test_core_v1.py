"""core/v1 models: JSON names (initialisms), nesting, and building objects in Python."""

from __future__ import annotations

import attrs

from microkube.api import IntOrString, Quantity, from_dict, to_dict
from microkube.api import core_v1 as v1
from microkube.api.meta_v1 import LabelSelector, ObjectMeta, Time


def test_pod_built_in_python_has_kubernetes_json() -> None:
    pod = v1.Pod(
        metadata=ObjectMeta(name="web", namespace="default", labels={"app": "web"}),
        spec=v1.PodSpec(
            containers=[
                v1.Container(
                    name="app",
                    image="nginx:1.27",
                    ports=[v1.ContainerPort(container_port=80, host_ip="127.0.0.1")],
                    resources=v1.ResourceRequirements(
                        requests={"cpu": Quantity("250m"), "memory": Quantity("64Mi")}
                    ),
                    readiness_probe=v1.Probe(
                        http_get=v1.HTTPGetAction(path="/", port=IntOrString("http")),
                        period_seconds=5,
                    ),
                )
            ],
            host_pid=True,
            set_hostname_as_fqdn=True,
            tolerations=[v1.Toleration(operator="Exists", effect="NoExecute")],
        ),
        status=v1.PodStatus(
            pod_ip="10.0.0.5",
            pod_ips=[v1.PodIP(ip="10.0.0.5")],
            host_ip="192.168.0.2",
            host_ips=[v1.HostIP(ip="192.168.0.2")],
            qos_class="Burstable",
            start_time=Time.parse("2024-01-02T03:04:05Z"),
            container_statuses=[
                v1.ContainerStatus(
                    name="app",
                    image_id="docker.io/library/nginx@sha256:00",
                    container_id="containerd://abc",
                    state=v1.ContainerState(
                        terminated=v1.ContainerStateTerminated(exit_code=0, container_id="c")
                    ),
                )
            ],
        ),
    )
    assert to_dict(pod) == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "nginx:1.27",
                    "ports": [{"containerPort": 80, "hostIP": "127.0.0.1"}],
                    "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}},
                    "readinessProbe": {
                        "httpGet": {"path": "/", "port": "http"},
                        "periodSeconds": 5,
                    },
                }
            ],
            "hostPID": True,
            "setHostnameAsFQDN": True,
            "tolerations": [{"operator": "Exists", "effect": "NoExecute"}],
        },
        "status": {
            "podIP": "10.0.0.5",
            "podIPs": [{"ip": "10.0.0.5"}],
            "hostIP": "192.168.0.2",
            "hostIPs": [{"ip": "192.168.0.2"}],
            "qosClass": "Burstable",
            "startTime": "2024-01-02T03:04:05Z",
            "containerStatuses": [
                {
                    "name": "app",
                    "imageID": "docker.io/library/nginx@sha256:00",
                    "containerID": "containerd://abc",
                    "state": {"terminated": {"exitCode": 0, "containerID": "c"}},
                }
            ],
        },
    }
    assert from_dict(to_dict(pod)) == pod


def test_initialisms_use_kubernetes_spelling() -> None:
    node = v1.Node(
        spec=v1.NodeSpec(pod_cidr="10.244.0.0/24", pod_cidrs=["10.244.0.0/24"], provider_id="x"),
        status=v1.NodeStatus(
            daemon_endpoints=v1.NodeDaemonEndpoints(kubelet_endpoint=v1.DaemonEndpoint(port=10250)),
            node_info=v1.NodeSystemInfo(machine_id="m", system_uuid="s", boot_id="b"),
        ),
    )
    out = to_dict(node)
    assert out["spec"] == {
        "podCIDR": "10.244.0.0/24",
        "podCIDRs": ["10.244.0.0/24"],
        "providerID": "x",
    }
    assert out["status"]["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}
    assert out["status"]["nodeInfo"] == {"machineID": "m", "systemUUID": "s", "bootID": "b"}
    spec = v1.ServiceSpec(
        cluster_ip="None",
        cluster_ips=["None"],
        external_ips=["1.2.3.4"],
        load_balancer_ip="5.6.7.8",
        session_affinity_config=v1.SessionAffinityConfig(
            client_ip=v1.ClientIPConfig(timeout_seconds=10)
        ),
    )
    assert to_dict(spec) == {
        "clusterIP": "None",
        "clusterIPs": ["None"],
        "externalIPs": ["1.2.3.4"],
        "loadBalancerIP": "5.6.7.8",
        "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10}},
    }
    projection = v1.VolumeProjection(downward_api=v1.DownwardAPIProjection(items=[]))
    assert to_dict(projection) == {"downwardAPI": {"items": []}}
    assert to_dict(v1.Volume(name="v", scale_io={})) == {"name": "v", "scaleIO": {}}
    assert to_dict(v1.PodSecurityContext(se_linux_options=v1.SELinuxOptions(level="s0"))) == {
        "seLinuxOptions": {"level": "s0"}
    }


def test_ephemeral_container_is_a_container_with_a_target() -> None:
    data = {"name": "debugger", "image": "busybox", "stdin": True, "targetContainerName": "app"}
    container = from_dict(data, v1.EphemeralContainer)
    assert isinstance(container, v1.Container)
    assert container.target_container_name == "app"
    assert to_dict(container) == data


def test_pod_template_spec_is_what_workloads_embed() -> None:
    template = v1.PodTemplateSpec(
        metadata=ObjectMeta(labels={"app": "web"}),
        spec=v1.PodSpec(containers=[v1.Container(name="web", image="nginx")]),
    )
    assert to_dict(template) == {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]},
    }
    assert "kind" not in attrs.fields_dict(v1.PodTemplateSpec)
    kind = v1.PodTemplate(metadata=ObjectMeta(name="t"), template=template)
    assert to_dict(kind)["kind"] == "PodTemplate"


def test_binding_and_lists() -> None:
    binding = v1.Binding(
        metadata=ObjectMeta(name="web", namespace="default"),
        target=v1.ObjectReference(api_version="v1", kind="Node", name="node-1"),
    )
    assert to_dict(binding) == {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "web", "namespace": "default"},
        "target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"},
    }
    pods = from_dict(
        {
            "apiVersion": "v1",
            "kind": "PodList",
            "metadata": {"resourceVersion": "99", "continue": "next"},
            "items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}],
        }
    )
    assert isinstance(pods, v1.PodList)
    assert [p.metadata.name for p in pods.items] == ["a", "b"]
    assert pods.metadata.continue_ == "next"


def test_secret_data_stays_base64_text() -> None:
    secret = from_dict(
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": {"k": "dmFsdWU="}}
    )
    assert secret.data == {"k": "dmFsdWU="}
    assert secret.type == "Opaque"


def test_affinity_terms_nest_as_in_kubernetes() -> None:
    term = v1.PodAffinityTerm(
        label_selector=LabelSelector(match_labels={"app": "db"}),
        namespace_selector=LabelSelector(),
        topology_key="kubernetes.io/hostname",
    )
    affinity = v1.Affinity(
        pod_anti_affinity=v1.PodAntiAffinity(
            preferred_during_scheduling_ignored_during_execution=[
                v1.WeightedPodAffinityTerm(weight=100, pod_affinity_term=term)
            ]
        )
    )
    assert to_dict(affinity) == {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "podAffinityTerm": {
                        "labelSelector": {"matchLabels": {"app": "db"}},
                        "namespaceSelector": {},
                        "topologyKey": "kubernetes.io/hostname",
                    },
                }
            ]
        }
    }


def test_every_core_kind_has_type_meta_and_a_list() -> None:
    kinds = {cls.__name__ for cls in v1.KINDS}
    for cls in v1.KINDS:
        fields = attrs.fields_dict(cls)
        assert fields["api_version"].default == "v1"
        assert fields["kind"].default == cls.__name__
        if not cls.__name__.endswith("List") and cls is not v1.Binding:
            assert f"{cls.__name__}List" in kinds
            assert "metadata" in fields
    assert {"Pod", "Node", "Service", "Endpoints", "ConfigMap", "Secret", "ServiceAccount",
            "Namespace", "Event", "PersistentVolumeClaim", "Binding"} <= kinds  # fmt: skip


def test_models_are_slotted_keyword_only_and_default_to_none() -> None:
    container = v1.Container(name="c")
    assert container.image is None
    assert not hasattr(container, "__dict__")
    try:
        v1.Container("c")  # type: ignore[misc]
    except TypeError:
        pass
    else:
        raise AssertionError("models must be keyword-only")
