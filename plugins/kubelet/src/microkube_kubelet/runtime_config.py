"""The CRI configs of a pod's sandbox and containers, labelled as upstream's kuberuntime
labels them so a restarted kubelet can find and adopt what it started."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microkube.api.quantity import Quantity
from microkube.contracts.runtime import (
    ContainerConfig,
    DNSConfig,
    Mount,
    PodSandboxConfig,
    PortMapping,
    Resources,
    SecurityContext,
)
from microkube_kubelet.logs import container_log_path
from microkube_kubelet.pleg import (
    CONTAINER_NAME_LABEL,
    POD_NAME_LABEL,
    POD_NAMESPACE_LABEL,
    POD_UID_LABEL,
)

__all__ = ["container_config", "sandbox_config"]

RESTART_COUNT_ANNOTATION = "io.kubernetes.container.restartCount"
TERMINATION_GRACE_ANNOTATION = "io.kubernetes.pod.terminationGracePeriod"


def _pod_labels(pod: Mapping[str, Any]) -> dict[str, str]:
    meta = pod.get("metadata") or {}
    return {
        **(meta.get("labels") or {}),
        POD_NAME_LABEL: meta.get("name", ""),
        POD_NAMESPACE_LABEL: meta.get("namespace") or "default",
        POD_UID_LABEL: meta.get("uid", ""),
    }


def sandbox_config(
    pod: Mapping[str, Any],
    *,
    attempt: int,
    log_directory: str,
    dns: DNSConfig | None = None,
) -> PodSandboxConfig:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    ports = []
    for container in spec.get("containers") or ():
        for port in container.get("ports") or ():
            if port.get("hostPort"):
                ports.append(
                    PortMapping(
                        container_port=int(port["containerPort"]),
                        host_port=int(port["hostPort"]),
                        protocol=port.get("protocol", "TCP"),
                        host_ip=port.get("hostIP", ""),
                    )
                )
    hostname = spec.get("hostname") or meta.get("name", "")
    return PodSandboxConfig(
        name=meta.get("name", ""),
        namespace=meta.get("namespace") or "default",
        uid=meta.get("uid", ""),
        attempt=attempt,
        hostname=hostname[:63],
        log_directory=log_directory,
        host_network=bool(spec.get("hostNetwork")),
        dns=dns or DNSConfig(),
        port_mappings=tuple(ports),
        labels=_pod_labels(pod),
        annotations=dict(meta.get("annotations") or {}),
    )


def _millis(value: Any) -> int:
    return Quantity(str(value)).milli_value() if value is not None else 0


def _resources(container: Mapping[str, Any]) -> Resources:
    resources = container.get("resources") or {}
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    memory = limits.get("memory")
    return Resources(
        cpu_request_millis=_millis(requests.get("cpu")),
        cpu_limit_millis=_millis(limits.get("cpu")),
        memory_limit_bytes=Quantity(str(memory)).value() if memory is not None else 0,
    )


def _security(pod: Mapping[str, Any], container: Mapping[str, Any]) -> SecurityContext:
    pod_context = (pod.get("spec") or {}).get("securityContext") or {}
    context = container.get("securityContext") or {}
    capabilities = context.get("capabilities") or {}

    def pick(key: str) -> Any:
        return context.get(key, pod_context.get(key))

    return SecurityContext(
        run_as_user=pick("runAsUser"),
        run_as_group=pick("runAsGroup"),
        read_only_root_filesystem=bool(context.get("readOnlyRootFilesystem")),
        privileged=bool(context.get("privileged")),
        add_capabilities=tuple(capabilities.get("add") or ()),
        drop_capabilities=tuple(capabilities.get("drop") or ()),
    )


def container_config(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    *,
    attempt: int,
    command: tuple[str, ...],
    args: tuple[str, ...],
    env: list[tuple[str, str]],
    mounts: tuple[Mount, ...],
) -> ContainerConfig:
    name = container.get("name", "")
    spec = pod.get("spec") or {}
    return ContainerConfig(
        name=name,
        image=container.get("image", ""),
        attempt=attempt,
        command=command,
        args=args,
        working_dir=container.get("workingDir") or "",
        env=tuple(env),
        mounts=mounts,
        log_path=container_log_path(name, attempt),
        resources=_resources(container),
        security=_security(pod, container),
        stdin=bool(container.get("stdin")),
        tty=bool(container.get("tty")),
        labels={**_pod_labels(pod), CONTAINER_NAME_LABEL: name},
        annotations={
            RESTART_COUNT_ANNOTATION: str(attempt),
            TERMINATION_GRACE_ANNOTATION: str(spec.get("terminationGracePeriodSeconds", 30)),
            "io.kubernetes.container.terminationMessagePath": container.get(
                "terminationMessagePath", "/dev/termination-log"
            ),
        },
    )
