"""Who each component is, as kubeadm's kubeconfig files say (``admin.conf``,
``scheduler.conf``, ``controller-manager.conf``, ``kubelet.conf``, kube-proxy's)."""

from __future__ import annotations

import attrs

__all__ = ["ADMIN", "COMPONENT_IDENTITIES", "Identity", "kubelet_identity"]


@attrs.frozen
class Identity:
    """A client certificate's subject: ``file`` names its kubeconfig (``<file>.conf``)."""

    file: str
    user: str
    groups: tuple[str, ...] = ()


ADMIN = Identity("admin", "kubernetes-admin", ("system:masters",))

#: The control-plane and node components with a fixed identity.
COMPONENT_IDENTITIES: tuple[Identity, ...] = (
    ADMIN,
    Identity("scheduler", "system:kube-scheduler"),
    Identity("controller-manager", "system:kube-controller-manager"),
    Identity("kube-proxy", "system:kube-proxy"),
    # Cluster DNS runs outside the cluster here; it is the ServiceAccount CoreDNS runs as, so
    # RBAC's bindings for kube-system/kube-dns apply to it.
    Identity(
        "dns",
        "system:serviceaccount:kube-system:kube-dns",
        ("system:serviceaccounts", "system:serviceaccounts:kube-system"),
    ),
)


def kubelet_identity(node_name: str) -> Identity:
    """A kubelet is its node: ``system:node:<name>`` in group ``system:nodes``."""
    return Identity(f"kubelet-{node_name}", f"system:node:{node_name}", ("system:nodes",))
