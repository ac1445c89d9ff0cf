"""Which printer serves which ``(group, resource)``; unknown resources get the default one."""

from __future__ import annotations

import functools

from microkube_apiserver.tables import (
    printers_apps,
    printers_batch,
    printers_core,
    printers_event,
    printers_metrics,
    printers_misc,
    printers_pod,
    printers_scaling,
    printers_storage,
)
from microkube_apiserver.tables.printer import Printer
from microkube_apiserver.tables.printers_default import DEFAULT

__all__ = ["PrinterRegistry", "default_registry", "printer_for"]


class PrinterRegistry:
    """``(group, resource) -> Printer``; a second registration of the same key is refused."""

    def __init__(self, default: Printer = DEFAULT) -> None:
        self._printers: dict[tuple[str, str], Printer] = {}
        self.default = default

    def register(self, group: str, resource: str, printer: Printer) -> None:
        key = (group, resource)
        if key in self._printers:
            raise ValueError(f"a printer for {resource}.{group or 'core'} is already registered")
        self._printers[key] = printer

    def get(self, group: str, resource: str, subresource: str = "") -> Printer:
        """The printer of a resource, or of a subresource (``scale`` has its own)."""
        if subresource == "scale":
            return printers_misc.SCALE
        return self._printers.get((group, resource), self.default)

    @classmethod
    def builtin(cls) -> PrinterRegistry:
        """A new registry holding every built-in printer, to extend with more kinds."""
        registry = cls()
        for (group, resource), printer in _BUILTIN.items():
            registry.register(group, resource, printer)
        return registry

    def __contains__(self, key: object) -> bool:
        return key in self._printers

    def keys(self) -> list[tuple[str, str]]:
        return sorted(self._printers)


_BUILTIN: dict[tuple[str, str], Printer] = {
    ("", "pods"): printers_pod.POD,
    ("", "podtemplates"): printers_pod.POD_TEMPLATE,
    ("", "nodes"): printers_core.NODE,
    ("", "namespaces"): printers_core.NAMESPACE,
    ("", "services"): printers_core.SERVICE,
    ("", "endpoints"): printers_core.ENDPOINTS,
    ("", "configmaps"): printers_core.CONFIG_MAP,
    ("", "secrets"): printers_core.SECRET,
    ("", "serviceaccounts"): printers_core.SERVICE_ACCOUNT,
    ("", "events"): printers_event.CORE_EVENT,
    ("", "persistentvolumes"): printers_storage.PERSISTENT_VOLUME,
    ("", "persistentvolumeclaims"): printers_storage.PERSISTENT_VOLUME_CLAIM,
    ("apps", "deployments"): printers_apps.DEPLOYMENT,
    ("apps", "replicasets"): printers_apps.REPLICA_SET,
    ("apps", "daemonsets"): printers_apps.DAEMON_SET,
    ("apps", "statefulsets"): printers_apps.STATEFUL_SET,
    ("apps", "controllerrevisions"): printers_apps.CONTROLLER_REVISION,
    ("batch", "jobs"): printers_batch.JOB,
    ("batch", "cronjobs"): printers_batch.CRON_JOB,
    ("coordination.k8s.io", "leases"): printers_misc.LEASE,
    ("discovery.k8s.io", "endpointslices"): printers_misc.ENDPOINT_SLICE,
    ("events.k8s.io", "events"): printers_event.EVENTS_V1_EVENT,
    ("policy", "poddisruptionbudgets"): printers_misc.POD_DISRUPTION_BUDGET,
    ("autoscaling", "horizontalpodautoscalers"): printers_scaling.HORIZONTAL_POD_AUTOSCALER,
    ("scheduling.k8s.io", "priorityclasses"): printers_scaling.PRIORITY_CLASS,
    ("metrics.k8s.io", "nodes"): printers_metrics.NODE_METRICS,
    ("metrics.k8s.io", "pods"): printers_metrics.POD_METRICS,
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): (
        printers_misc.WEBHOOK_CONFIGURATION
    ),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): (
        printers_misc.WEBHOOK_CONFIGURATION
    ),
    ("rbac.authorization.k8s.io", "rolebindings"): printers_misc.ROLE_BINDING,
    ("rbac.authorization.k8s.io", "clusterrolebindings"): printers_misc.CLUSTER_ROLE_BINDING,
    # Upstream serves roles and clusterroles with the default convertor (NAME, CREATED AT).
    ("rbac.authorization.k8s.io", "roles"): DEFAULT,
    ("rbac.authorization.k8s.io", "clusterroles"): DEFAULT,
}


@functools.cache
def default_registry() -> PrinterRegistry:
    """The shared registry of the built-in printers; extend ``PrinterRegistry.builtin()``."""
    return PrinterRegistry.builtin()


def printer_for(group: str, resource: str, subresource: str = "") -> Printer:
    """The built-in printer of ``resource`` in ``group`` (``""`` for core)."""
    return default_registry().get(group, resource, subresource)
