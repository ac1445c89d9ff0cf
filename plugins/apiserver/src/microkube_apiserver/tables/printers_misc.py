"""Leases, endpointslices, role bindings, poddisruptionbudgets and the autoscaling/v1 Scale."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from microkube_apiserver.tables.duration import since
from microkube_apiserver.tables.fmt import dig, list_with_more
from microkube_apiserver.tables.printer import AGE, NAME, Column, Printer

__all__ = [
    "CLUSTER_ROLE_BINDING",
    "ENDPOINT_SLICE",
    "LEASE",
    "POD_DISRUPTION_BUDGET",
    "ROLE_BINDING",
    "SCALE",
    "subjects",
]

_LIMIT = 3


def _name_age(obj: Mapping[str, Any], now: datetime) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return metadata.get("name") or "", since(metadata.get("creationTimestamp"), now)


def _lease_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    return [name, dig(obj, "spec", "holderIdentity") or "", age]


LEASE = Printer(
    (
        NAME,
        Column(
            "Holder",
            description="holderIdentity contains the identity of the holder of a current lease.",
        ),
        AGE,
    ),
    _lease_row,
)

# --- endpointslices -----------------------------------------------------------------------------


def _slice_ports(ports: list[Mapping[str, Any]]) -> str:
    """``formatDiscoveryPorts``: port numbers (or else names), three at most."""
    shown: list[str] = []
    more = False
    for port in ports:
        if len(shown) < _LIMIT:
            # Upstream prints "*" for a port with neither number nor name, but v1 defaulting
            # gives every port a name ("" if none), so that never shows.
            number = port.get("port")
            shown.append(str(number) if number is not None else str(port.get("name") or ""))
        elif len(shown) == _LIMIT:
            more = True
    return list_with_more(shown, more, len(ports), _LIMIT)


def _slice_endpoints(endpoints: list[Mapping[str, Any]]) -> str:
    """``formatDiscoveryEndpoints``: every endpoint's addresses, three at most."""
    shown: list[str] = []
    more = False
    count = 0
    for endpoint in endpoints:
        for address in endpoint.get("addresses") or []:
            if len(shown) < _LIMIT:
                shown.append(str(address))
            elif len(shown) == _LIMIT:
                more = True
            count += 1
    return list_with_more(shown, more, count, _LIMIT)


def _endpoint_slice_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    return [
        name,
        obj.get("addressType") or "",
        _slice_ports(obj.get("ports") or []),
        _slice_endpoints(obj.get("endpoints") or []),
        age,
    ]


ENDPOINT_SLICE = Printer(
    (
        NAME,
        Column(
            "AddressType",
            description="addressType specifies the type of address carried by this EndpointSlice.",
        ),
        Column(
            "Ports",
            description="ports specifies the list of network ports exposed by each endpoint in "
            "this slice.",
        ),
        Column("Endpoints", description="endpoints is a list of unique endpoints in this slice."),
        AGE,
    ),
    _endpoint_slice_row,
)

# --- role bindings ------------------------------------------------------------------------------


def subjects(items: list[Mapping[str, Any]] | None) -> tuple[list[str], list[str], list[str]]:
    """``rbac.SubjectsStrings``: users, groups and ``namespace/name`` service accounts."""
    users: list[str] = []
    groups: list[str] = []
    accounts: list[str] = []
    for subject in items or []:
        kind = subject.get("kind")
        name = str(subject.get("name") or "")
        if kind == "ServiceAccount":
            accounts.append(f"{subject.get('namespace') or ''}/{name}")
        elif kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
    return users, groups, accounts


def _binding_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    ref = obj.get("roleRef") or {}
    users, groups, accounts = subjects(obj.get("subjects"))
    return [
        name,
        f"{ref.get('kind') or ''}/{ref.get('name') or ''}",
        age,
        ", ".join(users),
        ", ".join(groups),
        ", ".join(accounts),
    ]


def _binding_printer(kind: str) -> Printer:
    return Printer(
        (
            NAME,
            Column(
                "Role",
                description="RoleRef can only reference a ClusterRole in the global namespace.",
            ),
            AGE,
            Column("Users", priority=1, description=f"Users in the {kind}"),
            Column("Groups", priority=1, description=f"Groups in the {kind}"),
            Column("ServiceAccounts", priority=1, description=f"ServiceAccounts in the {kind}"),
        ),
        _binding_row,
    )


ROLE_BINDING = _binding_printer("roleBinding")
CLUSTER_ROLE_BINDING = _binding_printer("clusterRoleBinding")

# --- poddisruptionbudgets, scale ----------------------------------------------------------------


def _pdb_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    spec = obj.get("spec") or {}
    minimum, maximum = spec.get("minAvailable"), spec.get("maxUnavailable")
    return [
        name,
        "N/A" if minimum is None else str(minimum),
        "N/A" if maximum is None else str(maximum),
        int(dig(obj, "status", "disruptionsAllowed") or 0),
        age,
    ]


POD_DISRUPTION_BUDGET = Printer(
    (
        NAME,
        Column("Min Available", description="The minimum number of pods that must be available."),
        Column(
            "Max Unavailable",
            description="The maximum number of pods that may be unavailable.",
        ),
        Column(
            "Allowed Disruptions",
            type="integer",
            description="Calculated number of pods that may be disrupted at this time.",
        ),
        AGE,
    ),
    _pdb_row,
)


def _scale_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    return [
        name,
        int(dig(obj, "spec", "replicas") or 0),
        int(dig(obj, "status", "replicas") or 0),
        age,
    ]


SCALE = Printer(
    (
        Column("Name", description=NAME.description),  # no "name" format, as upstream
        Column(
            "Desired",
            type="integer",
            description="desired number of instances for the scaled object.",
        ),
        Column(
            "Available",
            type="integer",
            description="actual number of observed instances of the scaled object.",
        ),
        AGE,
    ),
    _scale_row,
)

# --- mutating/validating webhook configurations ---------------------------------------------


def _webhooks_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    return [name, len(obj.get("webhooks") or ()), age]


WEBHOOK_CONFIGURATION = Printer(
    (
        NAME,
        Column("Webhooks", "integer", description="Webhooks indicates the number of webhooks."),
        AGE,
    ),
    _webhooks_row,
)
