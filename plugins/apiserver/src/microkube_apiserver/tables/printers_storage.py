"""core/v1 persistentvolumes and persistentvolumeclaims."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from microkube.api import Quantity
from microkube_apiserver.tables.duration import since
from microkube_apiserver.tables.fmt import UNSET, dig
from microkube_apiserver.tables.printer import AGE, NAME, Column, Printer

__all__ = ["PERSISTENT_VOLUME", "PERSISTENT_VOLUME_CLAIM", "access_modes"]

_MODES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)
_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
# v1 defaulting fills volumeMode (so upstream's "<unset>" never shows) and reclaimPolicy.
_FILESYSTEM = "Filesystem"


def access_modes(modes: list[str] | None) -> str:
    """``GetAccessModesAsString``: always in the order RWO,ROX,RWX,RWOP, duplicates dropped."""
    present = set(modes or [])
    return ",".join(short for mode, short in _MODES if mode in present)


def _storage(resources: Mapping[str, Any] | None) -> str:
    """The ``storage`` quantity as Go prints it; a missing one is the zero quantity ``0``."""
    value = (resources or {}).get("storage")
    if value is None:
        return "0"
    try:
        return str(Quantity(value))
    except (TypeError, ValueError):
        return str(value)


def _class(obj: Mapping[str, Any]) -> str:
    annotations = dig(obj, "metadata", "annotations") or {}
    if _CLASS_ANNOTATION in annotations:
        return str(annotations[_CLASS_ANNOTATION])
    return dig(obj, "spec", "storageClassName") or ""


def _phase(obj: Mapping[str, Any]) -> str:
    """The phase (``Pending`` by v1 defaulting), ``Terminating`` once deletion started."""
    if dig(obj, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    return dig(obj, "status", "phase") or "Pending"


def _pv_row(pv: Mapping[str, Any], now: datetime) -> list[Any]:
    spec = pv.get("spec") or {}
    claim = spec.get("claimRef")
    claim_text = f"{claim.get('namespace') or ''}/{claim.get('name') or ''}" if claim else ""
    return [
        dig(pv, "metadata", "name") or "",
        _storage(spec.get("capacity")),
        access_modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy") or "Retain",
        _phase(pv),
        claim_text,
        _class(pv),
        spec.get("volumeAttributesClassName") or UNSET,
        dig(pv, "status", "reason") or "",
        since(dig(pv, "metadata", "creationTimestamp"), now),
        spec.get("volumeMode") or _FILESYSTEM,
    ]


PERSISTENT_VOLUME = Printer(
    (
        NAME,
        Column(
            "Capacity",
            description="capacity is the description of the persistent volume's resources and "
            "capacity.",
        ),
        Column(
            "Access Modes", description="accessModes contains all ways the volume can be mounted."
        ),
        Column(
            "Reclaim Policy",
            description="persistentVolumeReclaimPolicy defines what happens to a persistent "
            "volume when released from its claim.",
        ),
        Column(
            "Status",
            description="phase indicates if a volume is available, bound to a claim, or released "
            "by a claim.",
        ),
        Column(
            "Claim",
            description="claimRef is part of a bi-directional binding between PersistentVolume "
            "and PersistentVolumeClaim.",
        ),
        Column("StorageClass", description="StorageClass of the pv"),
        Column("VolumeAttributesClass", description="VolumeAttributesClass of the pv"),
        Column(
            "Reason", description="reason is a brief CamelCase string that describes any failure."
        ),
        AGE,
        Column(
            "VolumeMode",
            priority=1,
            description="volumeMode defines if a volume is intended to be used with a formatted "
            "filesystem or to remain in raw block state.",
        ),
    ),
    _pv_row,
)


def _claim_class(pvc: Mapping[str, Any]) -> str:
    annotations = dig(pvc, "metadata", "annotations") or {}
    if _CLASS_ANNOTATION in annotations:
        return str(annotations[_CLASS_ANNOTATION])
    value = dig(pvc, "spec", "storageClassName")
    return "" if value is None else str(value)


def _pvc_row(pvc: Mapping[str, Any], now: datetime) -> list[Any]:
    spec = pvc.get("spec") or {}
    status = pvc.get("status") or {}
    capacity = modes = ""
    if spec.get("volumeName"):  # capacity and modes show only once the claim is bound
        modes = access_modes(status.get("accessModes"))
        capacity = _storage(status.get("capacity"))
    return [
        dig(pvc, "metadata", "name") or "",
        _phase(pvc),
        spec.get("volumeName") or "",
        capacity,
        modes,
        _claim_class(pvc),
        spec.get("volumeAttributesClassName") or UNSET,
        since(dig(pvc, "metadata", "creationTimestamp"), now),
        spec.get("volumeMode") or _FILESYSTEM,
    ]


PERSISTENT_VOLUME_CLAIM = Printer(
    (
        NAME,
        Column(
            "Status", description="phase represents the current phase of PersistentVolumeClaim."
        ),
        Column(
            "Volume",
            description="volumeName is the binding reference to the PersistentVolume backing this "
            "claim.",
        ),
        Column(
            "Capacity",
            description="capacity represents the actual resources of the underlying volume.",
        ),
        Column(
            "Access Modes",
            description="accessModes contains the actual access modes the volume backing the PVC "
            "has.",
        ),
        Column("StorageClass", description="StorageClass of the pvc"),
        Column("VolumeAttributesClass", description="VolumeAttributesClass of the pvc"),
        AGE,
        Column(
            "VolumeMode",
            priority=1,
            description="volumeMode defines what type of volume is required by the claim.",
        ),
    ),
    _pvc_row,
)
