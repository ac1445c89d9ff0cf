"""The API server's built-in admission plugins, registered like any other (``trylast``, so an
installed plugin of the same name replaces one). Order matters and is the order below: the
namespace check first, then defaults (the service account and its token volume among them),
then allocation of what the defaults made necessary, then validation, the kubelets'
NodeRestriction and the RBAC escalation check, and last the admission webhooks (mutating
among the mutators, validating among the validators). ``chain`` holds the runner the server
uses.

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


def _service_account(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.serviceaccount import ServiceAccountAdmission

    return ServiceAccountAdmission()


def _node_restriction(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.noderestriction import NodeRestriction

    return NodeRestriction()


def _rbac_escalation(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.authz.escalation import RbacEscalation

    return RbacEscalation()


def _mutating_webhooks(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.webhook import MutatingWebhooks

    return MutatingWebhooks()


def _validating_webhooks(context: FactoryContext) -> AdmissionPlugin:
    from microkube_apiserver.admission.webhook import ValidatingWebhooks

    return ValidatingWebhooks()


@hookimpl(trylast=True)
def microkube_admission_plugins() -> dict[str, Factory[AdmissionPlugin]]:
    return {
        "NamespaceLifecycle": _namespace_lifecycle,
        "Priority": _priority,
        "Defaulting": _defaulting,
        "ServiceAccount": _service_account,
        "DefaultTolerationSeconds": _toleration_seconds,
        "ServiceClusterIPs": _cluster_ips,
        "ServiceNodePorts": _node_ports,
        "Validation": _validation,
        "NodeRestriction": _node_restriction,
        "RBACEscalation": _rbac_escalation,
        "MutatingAdmissionWebhook": _mutating_webhooks,
        "ValidatingAdmissionWebhook": _validating_webhooks,
    }
