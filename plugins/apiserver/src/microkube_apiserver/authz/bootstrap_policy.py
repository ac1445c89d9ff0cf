"""The default ClusterRoles and ClusterRoleBindings kube-apiserver reconciles at start
(``plugin/pkg/auth/authorizer/rbac/bootstrappolicy``, 1.32), as data.

``admin``, ``edit`` and ``view`` are written flat (Kubernetes builds them by aggregating the
``system:aggregate-to-*`` roles; aggregation is not served here). ``system:kube-controller-manager``
is the union of what microkube's controllers call with their one identity (Kubernetes gives each
controller its own service account and ``system:controller:*`` role instead): the garbage and
namespace collectors reach every resource, the workload controllers create what they own.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CLUSTER_ROLES",
    "CLUSTER_ROLE_BINDINGS",
    "NODE_RULES",
    "ROLES",
    "ROLE_BINDINGS",
    "bootstrap_metadata",
]

READ = ("get", "list", "watch")
WRITE = ("create", "update", "patch", "delete", "deletecollection")
READ_WRITE = READ + WRITE
AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"
BOOTSTRAPPING = {"kubernetes.io/bootstrapping": "rbac-defaults"}

_AUTHN = "authentication.k8s.io"
_AUTHZ = "authorization.k8s.io"


def rule(
    verbs: tuple[str, ...] | str,
    groups: tuple[str, ...] | str,
    resources: tuple[str, ...] | str,
    names: tuple[str, ...] = (),
) -> dict[str, Any]:
    def seq(value: tuple[str, ...] | str) -> list[str]:
        return [value] if isinstance(value, str) else list(value)

    out: dict[str, Any] = {
        "verbs": seq(verbs),
        "apiGroups": seq(groups),
        "resources": seq(resources),
    }
    if names:
        out["resourceNames"] = list(names)
    return out


def urls(verbs: tuple[str, ...] | str, *paths: str) -> dict[str, Any]:
    return {
        "verbs": [verbs] if isinstance(verbs, str) else list(verbs),
        "nonResourceURLs": list(paths),
    }


def _events() -> dict[str, Any]:
    return rule(("create", "update", "patch"), ("", "events.k8s.io"), "events")


_VIEW = [
    rule(
        READ,
        "",
        (
            "pods",
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "serviceaccounts",
            "services",
            "services/status",
            "endpoints",
            "persistentvolumeclaims",
            "persistentvolumeclaims/status",
            "configmaps",
        ),
    ),
    rule(
        READ,
        "",
        (
            "limitranges",
            "resourcequotas",
            "bindings",
            "events",
            "pods/status",
            "resourcequotas/status",
            "namespaces/status",
            "replicationcontrollers/status",
            "pods/log",
        ),
    ),
    rule(READ, "", "namespaces"),
    rule(READ, "discovery.k8s.io", "endpointslices"),
    rule(
        READ,
        "apps",
        (
            "controllerrevisions",
            "statefulsets",
            "statefulsets/status",
            "statefulsets/scale",
            "daemonsets",
            "daemonsets/status",
            "deployments",
            "deployments/status",
            "deployments/scale",
            "replicasets",
            "replicasets/status",
            "replicasets/scale",
        ),
    ),
    rule(READ, "autoscaling", ("horizontalpodautoscalers", "horizontalpodautoscalers/status")),
    rule(READ, "batch", ("jobs", "jobs/status", "cronjobs", "cronjobs/status")),
    rule(READ, "policy", ("poddisruptionbudgets", "poddisruptionbudgets/status")),
    rule(READ, "networking.k8s.io", ("networkpolicies", "ingresses", "ingresses/status")),
]

_EDIT = [
    rule(
        READ,
        "",
        (
            "pods/attach",
            "pods/proxy",
            "pods/exec",
            "pods/portforward",
            "secrets",
            "services/proxy",
        ),
    ),
    rule("impersonate", "", "serviceaccounts"),
    rule(WRITE, "", ("pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward")),
    rule("create", "", "pods/eviction"),
    rule(
        WRITE,
        "",
        (
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "serviceaccounts",
            "services",
            "services/proxy",
            "persistentvolumeclaims",
            "configmaps",
            "secrets",
            "events",
        ),
    ),
    rule("create", "", "serviceaccounts/token"),
    rule(
        WRITE,
        "apps",
        (
            "statefulsets",
            "statefulsets/scale",
            "daemonsets",
            "deployments",
            "deployments/scale",
            "deployments/rollback",
            "replicasets",
            "replicasets/scale",
        ),
    ),
    rule(WRITE, "autoscaling", "horizontalpodautoscalers"),
    rule(WRITE, "batch", ("jobs", "cronjobs")),
    rule(WRITE, "policy", "poddisruptionbudgets"),
    rule(WRITE, "networking.k8s.io", ("networkpolicies", "ingresses")),
    rule(WRITE, "coordination.k8s.io", "leases"),
]

_ADMIN = [
    rule("create", _AUTHZ, "localsubjectaccessreviews"),
    rule(READ_WRITE, "rbac.authorization.k8s.io", ("roles", "rolebindings")),
]

#: What the Node authorizer grants a kubelet beyond the objects of its own pods (``NodeRules``).
NODE_RULES = [
    rule("create", _AUTHN, "tokenreviews"),
    rule("create", _AUTHZ, ("subjectaccessreviews", "localsubjectaccessreviews")),
    rule(READ, "", "services"),
    rule(("create", "get", "list", "watch"), "", "nodes"),
    rule(("update", "patch"), "", "nodes/status"),
    rule(("update", "patch"), "", "nodes"),
    rule(("create", "update", "patch"), ("", "events.k8s.io"), "events"),
    rule(READ, "", "pods"),
    rule(("create", "delete"), "", "pods"),
    rule(("update", "patch"), "", "pods/status"),
    rule("create", "", "pods/eviction"),
    rule(("get", "list", "watch"), "", ("secrets", "configmaps")),
    rule("get", "", ("persistentvolumeclaims", "persistentvolumes")),
    rule("get", "", "endpoints"),
    rule(("create", "get", "list", "watch"), "certificates.k8s.io", "certificatesigningrequests"),
    rule(("get", "create", "update", "patch", "delete"), "coordination.k8s.io", "leases"),
    rule("get", "storage.k8s.io", "volumeattachments"),
    rule("create", "", "serviceaccounts/token"),
    rule(("get", "update", "patch"), "", "persistentvolumeclaims/status"),
    rule(READ, "node.k8s.io", "runtimeclasses"),
]

_SCHEDULER = [
    _events(),
    rule("create", "coordination.k8s.io", "leases"),
    rule(("get", "update"), "coordination.k8s.io", "leases", ("kube-scheduler",)),
    rule("create", "", "endpoints"),
    rule(("get", "update"), "", "endpoints", ("kube-scheduler",)),
    rule(READ, "", "nodes"),
    rule(("get", "list", "watch", "delete"), "", "pods"),
    rule("create", "", ("pods/binding", "bindings")),
    rule(("patch", "update"), "", "pods/status"),
    rule(READ, "", ("replicationcontrollers", "services")),
    rule(READ, ("apps", "extensions"), "replicasets"),
    rule(READ, "apps", "statefulsets"),
    rule(READ, "policy", "poddisruptionbudgets"),
    rule(READ, "", ("persistentvolumeclaims", "persistentvolumes")),
    rule("create", _AUTHN, "tokenreviews"),
    rule("create", _AUTHZ, "subjectaccessreviews"),
    rule(
        READ, "storage.k8s.io", ("csinodes", "csidrivers", "csistoragecapacities", "storageclasses")
    ),
    rule(READ, "", ("namespaces", "configmaps")),
    rule(READ, "scheduling.k8s.io", "priorityclasses"),
]

_CONTROLLER_MANAGER = [
    _events(),
    # leader election
    rule("create", "coordination.k8s.io", "leases"),
    rule(("get", "update"), "coordination.k8s.io", "leases", ("kube-controller-manager",)),
    # garbage collector and namespace controller: every resource
    rule(("get", "list", "watch", "patch", "update", "delete", "deletecollection"), "*", "*"),
    # what the controllers create
    rule(
        "create",
        "",
        (
            "pods",
            "endpoints",
            "serviceaccounts",
            "secrets",
            "configmaps",
            "pods/eviction",
            "pods/binding",
            "bindings",
            "serviceaccounts/token",
        ),
    ),
    rule("create", "apps", ("replicasets", "controllerrevisions")),
    rule("create", "batch", "jobs"),
    rule("create", "discovery.k8s.io", "endpointslices"),
    rule("create", "coordination.k8s.io", "leases"),
    rule("create", _AUTHN, "tokenreviews"),
    rule("create", _AUTHZ, "subjectaccessreviews"),
]

_NODE_PROXIER = [
    rule(("list", "watch"), "", ("services", "endpoints")),
    rule(READ, "", "nodes"),
    _events(),
    rule(("list", "watch"), "discovery.k8s.io", "endpointslices"),
]

_KUBE_DNS = [
    rule(("list", "watch"), "", ("endpoints", "services", "pods", "namespaces")),
    rule(("list", "watch"), "discovery.k8s.io", "endpointslices"),
]

_DISCOVERY_URLS = ("/livez", "/readyz", "/healthz", "/version", "/version/")

#: name -> rules
CLUSTER_ROLES: dict[str, list[dict[str, Any]]] = {
    "cluster-admin": [rule("*", "*", "*"), urls("*", "*")],
    "system:discovery": [
        urls(
            "get", *_DISCOVERY_URLS, "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"
        ),
    ],
    "system:public-info-viewer": [urls("get", *_DISCOVERY_URLS)],
    "system:basic-user": [
        rule("create", _AUTHZ, ("selfsubjectaccessreviews", "selfsubjectrulesreviews")),
        rule("create", _AUTHN, "selfsubjectreviews"),
    ],
    "view": _VIEW,
    "edit": _VIEW + _EDIT,
    "admin": _VIEW + _EDIT + _ADMIN,
    "system:node": NODE_RULES,
    "system:node-proxier": _NODE_PROXIER,
    "system:kube-scheduler": _SCHEDULER,
    "system:kube-controller-manager": _CONTROLLER_MANAGER,
    "system:kube-dns": _KUBE_DNS,
    "system:auth-delegator": [
        rule("create", _AUTHN, "tokenreviews"),
        rule("create", _AUTHZ, "subjectaccessreviews"),
    ],
}


def _user(name: str) -> dict[str, str]:
    return {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": name}


def _group(name: str) -> dict[str, str]:
    return {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": name}


_DNS_SUBJECTS = [
    {"kind": "ServiceAccount", "name": "kube-dns", "namespace": "kube-system"},
    _user("system:kube-dns"),
]

#: name -> (cluster role, subjects)
CLUSTER_ROLE_BINDINGS: dict[str, tuple[str, list[dict[str, str]]]] = {
    "cluster-admin": ("cluster-admin", [_group("system:masters")]),
    "system:discovery": ("system:discovery", [_group("system:authenticated")]),
    "system:basic-user": ("system:basic-user", [_group("system:authenticated")]),
    "system:public-info-viewer": (
        "system:public-info-viewer",
        [_group("system:authenticated"), _group("system:unauthenticated")],
    ),
    # Kubernetes binds system:node to nobody (the Node authorizer decides for kubelets)
    "system:node": ("system:node", []),
    # also the nodes: `microkube agent` runs kube-proxy under its node's identity
    "system:node-proxier": (
        "system:node-proxier",
        [_user("system:kube-proxy"), _group("system:nodes")],
    ),
    "system:kube-scheduler": ("system:kube-scheduler", [_user("system:kube-scheduler")]),
    "system:kube-controller-manager": (
        "system:kube-controller-manager",
        [_user("system:kube-controller-manager")],
    ),
    "system:kube-dns": (
        "system:kube-dns",
        _DNS_SUBJECTS,
    ),
}


#: (namespace, name) -> rules: microkube's DNS publishes its own Service and EndpointSlice in
#: kube-system (kubeadm would create them for CoreDNS); it may write only there.
ROLES: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("kube-system", "system:kube-dns"): [
        rule(("get", "create", "update", "patch"), "", "services"),
        rule(("get", "create", "update", "patch", "delete"), "discovery.k8s.io", "endpointslices"),
    ],
}

#: (namespace, name) -> (role, subjects)
ROLE_BINDINGS: dict[tuple[str, str], tuple[str, list[dict[str, str]]]] = {
    ("kube-system", "system:kube-dns"): ("system:kube-dns", _DNS_SUBJECTS),
}


def bootstrap_metadata(name: str) -> dict[str, Any]:
    return {"name": name, "labels": dict(BOOTSTRAPPING), "annotations": {AUTOUPDATE: "true"}}
