"""Contract values as CRI messages: the kubelet's resource arithmetic, namespaces, security."""

from __future__ import annotations

from microkube_cri_containerd import convert
from microkube_cri_containerd.cri import api

from microkube.contracts.runtime import (
    ContainerConfig,
    ContainerState,
    DNSConfig,
    Mount,
    PodSandboxConfig,
    PortMapping,
    Resources,
    SecurityContext,
)

SANDBOX = PodSandboxConfig(
    name="web",
    namespace="default",
    uid="u-1",
    hostname="web",
    log_directory="/var/log/pods/x",
    dns=DNSConfig(servers=("10.96.0.10",), searches=("svc.cluster.local",), options=("ndots:5",)),
    port_mappings=(PortMapping(container_port=80, host_port=8080, protocol="UDP"),),
    labels={"app": "web"},
)


def test_sandbox_config() -> None:
    message = convert.sandbox_config(SANDBOX, cgroup_parent="/microkube/podu-1")
    assert (message.metadata.name, message.metadata.namespace, message.metadata.uid) == (
        "web",
        "default",
        "u-1",
    )
    assert message.hostname == "web" and message.log_directory == "/var/log/pods/x"
    assert list(message.dns_config.servers) == ["10.96.0.10"]
    assert list(message.dns_config.options) == ["ndots:5"]
    mapping = message.port_mappings[0]
    assert (mapping.protocol, mapping.container_port, mapping.host_port) == (api.UDP, 80, 8080)
    assert message.linux.cgroup_parent == "/microkube/podu-1"
    assert message.linux.security_context.namespace_options.network == api.POD
    assert dict(message.labels) == {"app": "web"}


def test_host_network_sandbox_has_no_hostname() -> None:
    host = PodSandboxConfig(name="h", namespace="d", uid="u", hostname="h", host_network=True)
    message = convert.sandbox_config(host)
    assert message.hostname == ""
    assert message.linux.security_context.namespace_options.network == api.NODE


def test_container_resources_follow_the_kubelet() -> None:
    config = ContainerConfig(
        name="c",
        image="busybox:1.36",
        resources=Resources(
            cpu_request_millis=250, cpu_limit_millis=500, memory_limit_bytes=64 << 20
        ),
    )
    resources = convert.container_config(config, SANDBOX).linux.resources
    assert (resources.cpu_shares, resources.cpu_period, resources.cpu_quota) == (256, 100000, 50000)
    assert resources.memory_limit_in_bytes == 64 << 20
    unlimited = convert.container_config(ContainerConfig(name="c", image="i"), SANDBOX)
    assert (unlimited.linux.resources.cpu_shares, unlimited.linux.resources.cpu_quota) == (2, 0)
    tiny = ContainerConfig(name="c", image="i", resources=Resources(cpu_limit_millis=5))
    assert convert.container_config(tiny, SANDBOX).linux.resources.cpu_quota == 1000


def test_container_config() -> None:
    config = ContainerConfig(
        name="app",
        image="busybox:1.36",
        attempt=2,
        command=("sh",),
        args=("-c", "true"),
        env=(("A", "1"),),
        mounts=(Mount(container_path="/data", host_path="/host/data", readonly=True),),
        log_path="app/2.log",
        security=SecurityContext(
            run_as_user=1000,
            run_as_group=2000,
            read_only_root_filesystem=True,
            add_capabilities=("NET_ADMIN",),
            drop_capabilities=("ALL",),
        ),
        stdin=True,
    )
    message = convert.container_config(config, SANDBOX)
    assert (message.metadata.name, message.metadata.attempt) == ("app", 2)
    assert message.image.image == "busybox:1.36" and list(message.args) == ["-c", "true"]
    assert [(e.key, e.value) for e in message.envs] == [("A", "1")]
    mount = message.mounts[0]
    assert (mount.container_path, mount.host_path, mount.readonly) == ("/data", "/host/data", True)
    security = message.linux.security_context
    assert (security.run_as_user.value, security.run_as_group.value) == (1000, 2000)
    assert security.readonly_rootfs and list(security.capabilities.drop_capabilities) == ["ALL"]
    assert message.log_path == "app/2.log" and message.stdin
    root = convert.container_config(ContainerConfig(name="c", image="i"), SANDBOX)
    assert not root.linux.security_context.HasField("run_as_user")


def test_container_status() -> None:
    message = api.ContainerStatus(
        id="c1",
        metadata=api.ContainerMetadata(name="app", attempt=1),
        state=api.CONTAINER_EXITED,
        exit_code=137,
        reason="OOMKilled",
        created_at=1,
        started_at=2,
        finished_at=3,
        image=api.ImageSpec(image="busybox:1.36"),
        image_ref="sha256:ab",
        log_path="/logs/app/1.log",
    )
    status = convert.container_status(message, "s1")
    assert status.state is ContainerState.EXITED and status.sandbox_id == "s1"
    assert (status.exit_code, status.reason, status.finished_at_ns) == (137, "OOMKilled", 3)
    assert (status.image, status.image_ref, status.attempt) == ("busybox:1.36", "sha256:ab", 1)


def test_container_status_never_finishes_before_it_started() -> None:
    message = api.ContainerStatus(
        id="c1",
        metadata=api.ContainerMetadata(name="app"),
        state=api.CONTAINER_EXITED,
        started_at=2_000_360,
        finished_at=2_000_000,
    )
    assert convert.container_status(message, "s1").finished_at_ns == 2_000_360
    running = api.ContainerStatus(id="c2", metadata=api.ContainerMetadata(name="app"), started_at=5)
    assert convert.container_status(running, "s1").finished_at_ns == 0
