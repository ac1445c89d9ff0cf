"""Kubernetes API kinds as attrs models, and the converter producing Kubernetes JSON.

Models live in one module per group-version (``microkube.api.core_v1``, ``apps_v1``, ...);
importing this package loads none of them, only the converter and the value types.
"""

from microkube.api.converter import (
    FieldError,
    StructureError,
    from_dict,
    from_dict_lenient,
    to_dict,
)
from microkube.api.intstr import IntOrString
from microkube.api.quantity import Quantity
from microkube.api.registry import kind_for

__all__ = [
    "FieldError",
    "IntOrString",
    "Quantity",
    "StructureError",
    "from_dict",
    "from_dict_lenient",
    "kind_for",
    "to_dict",
]
