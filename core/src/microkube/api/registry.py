"""Every top-level kind by ``(apiVersion, kind)``, collected from the model modules' ``KINDS``.

Modules load per group-version on first lookup: defining a few hundred attrs classes costs a
noticeable fraction of a second, and a process that only speaks ``v1`` need not pay for RBAC.
"""

from __future__ import annotations

import functools
import importlib

import attrs

__all__ = ["GROUP_VERSIONS", "all_kinds", "kind_for", "kinds_of"]

# apiVersion -> the model modules defining its kinds (each module has KINDS: tuple[type, ...]).
GROUP_VERSIONS: dict[str, tuple[str, ...]] = {
    "v1": ("microkube.api.meta_v1", "microkube.api.core_v1"),
    "admissionregistration.k8s.io/v1": ("microkube.api.admissionregistration_v1",),
    "apps/v1": ("microkube.api.apps_v1",),
    "authentication.k8s.io/v1": ("microkube.api.authentication_v1",),
    "authorization.k8s.io/v1": ("microkube.api.authorization_v1",),
    "autoscaling/v1": ("microkube.api.autoscaling_v1",),
    "autoscaling/v2": ("microkube.api.autoscaling_v2",),
    "batch/v1": ("microkube.api.batch_v1",),
    "coordination.k8s.io/v1": ("microkube.api.coordination_v1",),
    "discovery.k8s.io/v1": ("microkube.api.discovery_v1",),
    "events.k8s.io/v1": ("microkube.api.events_v1",),
    "metrics.k8s.io/v1beta1": ("microkube.api.metrics_v1beta1",),
    "policy/v1": ("microkube.api.policy_v1",),
    "rbac.authorization.k8s.io/v1": ("microkube.api.rbac_v1",),
    "scheduling.k8s.io/v1": ("microkube.api.scheduling_v1",),
}


def type_meta(cls: type) -> tuple[str, str]:
    """``(apiVersion, kind)`` of a top-level kind, from its field defaults."""
    fields = attrs.fields_dict(cls)
    return fields["api_version"].default, fields["kind"].default


@functools.cache
def kinds_of(api_version: str) -> dict[str, type]:
    """``{kind: class}`` of one apiVersion (empty when the apiVersion is unknown)."""
    kinds: dict[str, type] = {}
    for name in GROUP_VERSIONS.get(api_version, ()):
        for cls in importlib.import_module(name).KINDS:
            group_version, kind = type_meta(cls)
            if group_version != api_version:
                raise RuntimeError(
                    f"{name}.{cls.__qualname__} is {group_version}, not {api_version}"
                )
            if kinds.setdefault(kind, cls) is not cls:
                raise RuntimeError(f"{api_version} {kind} is defined twice (in {name})")
    return kinds


def all_kinds() -> dict[tuple[str, str], type]:
    """``{(apiVersion, kind): class}`` for every registered kind (imports every model module)."""
    return {(gv, kind): cls for gv in GROUP_VERSIONS for kind, cls in kinds_of(gv).items()}


def kind_for(api_version: str, kind: str) -> type:
    """The model class of ``kind`` in ``api_version``; LookupError when none is registered."""
    try:
        return kinds_of(api_version)[kind]
    except KeyError:
        raise LookupError(f"no kind {kind!r} is registered in apiVersion {api_version!r}") from None
