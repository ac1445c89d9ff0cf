"""The API server's built-in admission plugins, registered like any other (``trylast``, so an
installed plugin of the same name replaces one). Order matters and is the order below: the
namespace check first, then defaults, then allocation of what the defaults made necessary,
then validation. ``chain`` holds the runner the server uses.

Only the hook implementation lives here; each plugin is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext
    from microkube.contracts.admission import AdmissionPlugin


def _namespace_lifecycle(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.namespace_lifecycle import NamespaceLifecycle

    return NamespaceLifecycle()


def _priority(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.priority import Priority

    return Priority()


def _defaulting(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.defaulting import Defaulting

    return Defaulting()


def _toleration_seconds(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.toleration_seconds import DefaultTolerationSeconds

    return DefaultTolerationSeconds(context.options)


def _cluster_ips(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.service_ips import ServiceClusterIPs

    return ServiceClusterIPs()


def _node_ports(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.node_ports import ServiceNodePorts

    return ServiceNodePorts()


def _validation(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.validation.plugin import Validation

    return Validation()


@hookimpl(trylast=True)
def microkube_admission_plugins() -> dict[str, Factory[AdmissionPlugin]]:
    return {
        "NamespaceLifecycle": _namespace_lifecycle,
        "Priority": _priority,
        "Defaulting": _defaulting,
        "DefaultTolerationSeconds": _toleration_seconds,
        "ServiceClusterIPs": _cluster_ips,
        "ServiceNodePorts": _node_ports,
        "Validation": _validation,
    }
