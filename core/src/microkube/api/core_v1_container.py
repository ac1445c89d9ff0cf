"""core/v1 containers: image, command, env, ports, mounts, probes, lifecycle, security."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.core_v1_common import (
    ObjectFieldSelector,
    ResourceFieldSelector,
    ResourceRequirements,
)
from microkube.api.intstr import IntOrString

# --- environment ------------------------------------------------------------------------------


@model
class ConfigMapKeySelector:
    name: str | None = field()
    key: str | None = field()
    optional: bool | None = field()


@model
class SecretKeySelector:
    name: str | None = field()
    key: str | None = field()
    optional: bool | None = field()


@model
class EnvVarSource:
    field_ref: ObjectFieldSelector | None = field()
    resource_field_ref: ResourceFieldSelector | None = field()
    config_map_key_ref: ConfigMapKeySelector | None = field()
    secret_key_ref: SecretKeySelector | None = field()


@model
class EnvVar:
    name: str | None = field()
    value: str | None = field()
    value_from: EnvVarSource | None = field()


@model
class ConfigMapEnvSource:
    name: str | None = field()
    optional: bool | None = field()


@model
class SecretEnvSource:
    name: str | None = field()
    optional: bool | None = field()


@model
class EnvFromSource:
    prefix: str | None = field()
    config_map_ref: ConfigMapEnvSource | None = field()
    secret_ref: SecretEnvSource | None = field()


# --- ports and mounts -------------------------------------------------------------------------


@model
class ContainerPort:
    name: str | None = field()
    host_port: int | None = field()
    container_port: int | None = field()
    protocol: str | None = field()  # TCP (default), UDP, SCTP
    host_ip: str | None = field(json="hostIP")


@model
class VolumeMount:
    name: str | None = field()
    read_only: bool | None = field()
    recursive_read_only: str | None = field()
    mount_path: str | None = field()
    sub_path: str | None = field()
    mount_propagation: str | None = field()
    sub_path_expr: str | None = field()


@model
class VolumeDevice:
    name: str | None = field()
    device_path: str | None = field()


@model
class ContainerResizePolicy:
    resource_name: str | None = field()
    restart_policy: str | None = field()


# --- probes and lifecycle hooks ---------------------------------------------------------------


@model
class ExecAction:
    command: list[str] | None = field()


@model
class HTTPHeader:
    name: str | None = field()
    value: str | None = field()


@model
class HTTPGetAction:
    path: str | None = field()
    port: IntOrString | None = field()
    host: str | None = field()
    scheme: str | None = field()  # HTTP (default), HTTPS
    http_headers: list[HTTPHeader] | None = field()


@model
class TCPSocketAction:
    port: IntOrString | None = field()
    host: str | None = field()


@model
class GRPCAction:
    port: int | None = field()
    service: str | None = field()


@model
class SleepAction:
    seconds: int | None = field()


@model
class Probe:
    exec: ExecAction | None = field()
    http_get: HTTPGetAction | None = field()
    tcp_socket: TCPSocketAction | None = field()
    grpc: GRPCAction | None = field()
    initial_delay_seconds: int | None = field()
    timeout_seconds: int | None = field()
    period_seconds: int | None = field()
    success_threshold: int | None = field()
    failure_threshold: int | None = field()
    termination_grace_period_seconds: int | None = field()


@model
class LifecycleHandler:
    exec: ExecAction | None = field()
    http_get: HTTPGetAction | None = field()
    tcp_socket: TCPSocketAction | None = field()
    sleep: SleepAction | None = field()


@model
class Lifecycle:
    post_start: LifecycleHandler | None = field()
    pre_stop: LifecycleHandler | None = field()


# --- security ---------------------------------------------------------------------------------


@model
class Capabilities:
    add: list[str] | None = field()
    drop: list[str] | None = field()


@model
class SELinuxOptions:
    user: str | None = field()
    role: str | None = field()
    type: str | None = field()
    level: str | None = field()


@model
class WindowsSecurityContextOptions:
    gmsa_credential_spec_name: str | None = field()
    gmsa_credential_spec: str | None = field()
    run_as_user_name: str | None = field()
    host_process: bool | None = field()


@model
class SeccompProfile:
    type: str | None = field()  # RuntimeDefault, Unconfined, Localhost
    localhost_profile: str | None = field()


@model
class AppArmorProfile:
    type: str | None = field()
    localhost_profile: str | None = field()


@model
class SecurityContext:
    capabilities: Capabilities | None = field()
    privileged: bool | None = field()
    se_linux_options: SELinuxOptions | None = field(json="seLinuxOptions")
    windows_options: WindowsSecurityContextOptions | None = field()
    run_as_user: int | None = field()
    run_as_group: int | None = field()
    run_as_non_root: bool | None = field()
    read_only_root_filesystem: bool | None = field()
    allow_privilege_escalation: bool | None = field()
    proc_mount: str | None = field()
    seccomp_profile: SeccompProfile | None = field()
    app_armor_profile: AppArmorProfile | None = field()


@model
class Sysctl:
    name: str | None = field()
    value: str | None = field()


@model
class PodSecurityContext:
    se_linux_options: SELinuxOptions | None = field(json="seLinuxOptions")
    windows_options: WindowsSecurityContextOptions | None = field()
    run_as_user: int | None = field()
    run_as_group: int | None = field()
    run_as_non_root: bool | None = field()
    supplemental_groups: list[int] | None = field()
    supplemental_groups_policy: str | None = field()
    fs_group: int | None = field()
    sysctls: list[Sysctl] | None = field()
    fs_group_change_policy: str | None = field()
    seccomp_profile: SeccompProfile | None = field()
    app_armor_profile: AppArmorProfile | None = field()
    se_linux_change_policy: str | None = field(json="seLinuxChangePolicy")


# --- the container ----------------------------------------------------------------------------


@model
class Container:
    name: str | None = field()
    image: str | None = field()
    command: list[str] | None = field()
    args: list[str] | None = field()
    working_dir: str | None = field()
    ports: list[ContainerPort] | None = field()
    env_from: list[EnvFromSource] | None = field()
    env: list[EnvVar] | None = field()
    resources: ResourceRequirements | None = field()
    resize_policy: list[ContainerResizePolicy] | None = field()
    restart_policy: str | None = field()  # "Always" makes an init container a sidecar
    volume_mounts: list[VolumeMount] | None = field()
    volume_devices: list[VolumeDevice] | None = field()
    liveness_probe: Probe | None = field()
    readiness_probe: Probe | None = field()
    startup_probe: Probe | None = field()
    lifecycle: Lifecycle | None = field()
    termination_message_path: str | None = field()
    termination_message_policy: str | None = field()
    image_pull_policy: str | None = field()
    security_context: SecurityContext | None = field()
    stdin: bool | None = field()
    stdin_once: bool | None = field()
    tty: bool | None = field()


@model
class EphemeralContainer(Container):
    """A debugging container added to a running pod (``kubectl debug``)."""

    target_container_name: str | None = field()
