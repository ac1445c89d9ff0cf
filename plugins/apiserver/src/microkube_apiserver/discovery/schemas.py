"""OpenAPI v3 component schemas generated from the ``microkube.api`` models.

Schemas are named as Kubernetes names them (``io.k8s.api.core.v1.Pod``,
``io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta``), from the module a model is defined in.
Fields referring to another schema are written ``{"allOf": [{"$ref": …}], "description": …}``
as kube-apiserver writes them (a ``$ref`` has no siblings in OpenAPI 3.0). Value types:

- ``Quantity``: ``oneOf`` string or number, ``IntOrString``: ``oneOf`` integer or string with
  ``format: int-or-string`` and ``x-kubernetes-int-or-string``; ``Time``/``MicroTime``: string,
  ``format: date-time`` — each a named schema, so ``kubectl explain`` prints its name;
- raw JSON (``dict[str, Any]``): an object with ``x-kubernetes-preserve-unknown-fields``.

Integers carry no ``int32``/``int64`` format: the models do not record the width.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, get_args, get_origin

from microkube.api import IntOrString, Quantity, registry
from microkube.api.introspect import ModelField, is_model, model_doc, model_fields
from microkube.api.meta_v1 import MicroTime, Time
from microkube_apiserver.discovery.descriptions import (
    COMMON_FIELDS,
    FIELD_DESCRIPTIONS,
    TYPE_DESCRIPTIONS,
)
from microkube_apiserver.discovery.patchmeta import field_extensions, struct_extensions
from microkube_apiserver.discovery.required import REQUIRED

__all__ = [
    "FIELDS_V1",
    "INT_OR_STRING",
    "MICRO_TIME",
    "PATCH",
    "QUANTITY",
    "RAW_EXTENSION",
    "TIME",
    "SchemaSet",
    "ref",
    "schema_name",
]

_APIMACHINERY = "io.k8s.apimachinery.pkg"
_META = f"{_APIMACHINERY}.apis.meta.v1"
QUANTITY = f"{_APIMACHINERY}.api.resource.Quantity"
INT_OR_STRING = f"{_APIMACHINERY}.util.intstr.IntOrString"
TIME = f"{_META}.Time"
MICRO_TIME = f"{_META}.MicroTime"
FIELDS_V1 = f"{_META}.FieldsV1"
PATCH = f"{_META}.Patch"
RAW_EXTENSION = f"{_APIMACHINERY}.runtime.RawExtension"

_DATE_TIME = {"type": "string", "format": "date-time"}
_NAMED_VALUES: dict[str, dict[str, Any]] = {
    QUANTITY: {"oneOf": [{"type": "string"}, {"type": "number"}]},
    INT_OR_STRING: {
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "x-kubernetes-int-or-string": True,
    },
    TIME: _DATE_TIME,
    MICRO_TIME: _DATE_TIME,
    FIELDS_V1: {
        "description": "The set of fields a manager owns, as a trie of field paths.",
        "type": "object",
    },
    RAW_EXTENSION: {"description": "An embedded object, kept as raw JSON.", "type": "object"},
    PATCH: {
        "description": "The body of a PATCH request; its form depends on the Content-Type.",
        "type": "object",
    },
}
_VALUE_CLASSES: dict[type, str] = {
    Quantity: QUANTITY,
    IntOrString: INT_OR_STRING,
    MicroTime: MICRO_TIME,  # before Time: MicroTime is a Time subclass
    Time: TIME,
}
_PRIMITIVES: dict[type, dict[str, Any]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number", "format": "double"},
}
#: fields whose raw JSON has a name of its own upstream
_NAMED_FIELDS = {
    (f"{_META}.ManagedFieldsEntry", "fieldsV1"): FIELDS_V1,
    ("io.k8s.api.apps.v1.ControllerRevision", "data"): RAW_EXTENSION,
}
#: fields whose map values are base64 (``format: byte``)
_BYTE_MAPS = {("io.k8s.api.core.v1.Secret", "data"), ("io.k8s.api.core.v1.ConfigMap", "binaryData")}

_MODULE = re.compile(r"microkube\.api\.([a-z]+)_(v\d+(?:(?:alpha|beta)\d+)?)(?:_\w+)?")


def ref(name: str) -> dict[str, str]:
    """A JSON reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


#: Packages not under ``io.k8s.api`` (metrics.k8s.io is metrics-server's, k8s.io/metrics).
_PACKAGE_PREFIXES = {
    "meta": f"{_APIMACHINERY}.apis.meta",
    "metrics": "io.k8s.metrics.pkg.apis.metrics",
}


def schema_name(cls: type) -> str:
    """The Kubernetes name of a model's (or value type's) schema."""
    for value_cls, name in _VALUE_CLASSES.items():
        if cls is value_cls:
            return name
    match = _MODULE.fullmatch(cls.__module__)
    if match is None:
        return f"{cls.__module__}.{cls.__qualname__}"
    package, version = match.groups()
    prefix = _PACKAGE_PREFIXES.get(package, f"io.k8s.api.{package}")
    return f"{prefix}.{version}.{cls.__name__}"


def _gvk(api_version: str, kind: str) -> dict[str, str]:
    group, _, version = api_version.rpartition("/")
    return {"group": group, "kind": kind, "version": version}


class SchemaSet:
    """Component schemas for some models and everything they refer to (the closure)."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}
        self._classes: dict[str, type] = {}
        self._kinds = {cls: key for key, cls in registry.all_kinds().items()}

    def add_all(self, classes: Iterable[type]) -> list[str]:
        return [self.add(cls) for cls in classes]

    def add(self, cls: type) -> str:
        """Add ``cls`` (and what it refers to); return its schema name."""
        name = schema_name(cls)
        known = self._classes.setdefault(name, cls)
        if known is not cls:
            raise ValueError(f"{known!r} and {cls!r} would both be schema {name}")
        if name in self.schemas:
            return name
        if name in _NAMED_VALUES:
            self.schemas[name] = self._named_value(name)
            return name
        if not is_model(cls):
            raise TypeError(f"{cls!r} is neither an API model nor a known value type")
        self.schemas[name] = {}  # placeholder: recursive models terminate here
        self.schemas[name] = self._object(cls, name)
        return name

    def add_named(self, name: str) -> str:
        """Add one of the named value schemas (``PATCH``, ``RAW_EXTENSION``, …)."""
        if name not in _NAMED_VALUES:
            raise KeyError(name)
        self.schemas.setdefault(name, self._named_value(name))
        return name

    @staticmethod
    def _named_value(name: str) -> dict[str, Any]:
        schema = dict(_NAMED_VALUES[name])
        if name in TYPE_DESCRIPTIONS:
            schema["description"] = TYPE_DESCRIPTIONS[name]
        return schema

    def _object(self, cls: type, name: str) -> dict[str, Any]:
        schema: dict[str, Any] = {}
        description = TYPE_DESCRIPTIONS.get(name) or model_doc(cls)
        if description:
            schema["description"] = description
        top_level = cls in self._kinds
        schema["type"] = "object"
        schema["properties"] = {
            f.json_name: self._property(cls, name, f, top_level) for f in model_fields(cls)
        }
        if name in REQUIRED:
            schema["required"] = list(REQUIRED[name])
        if top_level:
            schema["x-kubernetes-group-version-kind"] = [_gvk(*self._kinds[cls])]
        schema.update(struct_extensions(cls))
        return schema

    def _property(self, cls: type, owner: str, f: ModelField, top_level: bool) -> dict[str, Any]:
        named = _NAMED_FIELDS.get((owner, f.json_name))
        if named is not None:
            prop = ref(self.add_named(named))
        else:
            prop = self._type(f.value_type)
            if (owner, f.json_name) in _BYTE_MAPS:
                prop["additionalProperties"] = {"type": "string", "format": "byte"}
        description = (
            FIELD_DESCRIPTIONS.get(owner, {}).get(f.json_name)
            or f.comment
            or (COMMON_FIELDS.get(f.json_name) if top_level else None)
        )
        if "$ref" in prop:
            prop = {"allOf": [prop]}
        if description:
            prop["description"] = description
        prop.update(field_extensions(cls, f.json_name))
        return prop

    def _type(self, t: Any) -> dict[str, Any]:
        if t in _PRIMITIVES:
            return dict(_PRIMITIVES[t])
        if t is Any:
            return {"x-kubernetes-preserve-unknown-fields": True}
        origin, args = get_origin(t), get_args(t)
        if origin is list:
            return {"type": "array", "items": self._type(args[0])}
        if origin is dict:
            if args[1] is Any:
                return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
            return {"type": "object", "additionalProperties": self._type(args[1])}
        if isinstance(t, type) and (is_model(t) or t in _VALUE_CLASSES):
            return ref(self.add(t))
        if isinstance(t, type) and issubclass(t, datetime):
            return ref(self.add(Time))
        raise TypeError(f"no OpenAPI schema for type {t!r}")
