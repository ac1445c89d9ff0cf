"""The ``paths`` of an OpenAPI v3 group-version document: operations per served resource.

Every kind gets list/create/deletecollection on its collection, get/put/patch/delete on an
object, a cross-namespace list (namespaced kinds), and its subresources' operations, each
tagged with ``x-kubernetes-action`` and ``x-kubernetes-group-version-kind`` and named as
kube-apiserver names them (``patchAppsV1NamespacedDeployment``). Writes take ``dryRun``,
``fieldManager`` and ``fieldValidation``: kubectl sends ``fieldValidation=Strict`` only when the
PATCH operation of the object's kind declares that parameter.
"""

from __future__ import annotations

from typing import Any

from microkube.api import registry
from microkube.api.meta_v1 import DeleteOptions, Status
from microkube_apiserver.discovery.catalogue import GroupVersionKind, Resource, Subresource
from microkube_apiserver.discovery.schemas import PATCH, SchemaSet, ref

__all__ = ["PATCH_CONTENT_TYPES", "GroupVersionPaths", "gv_path"]

PATCH_CONTENT_TYPES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)

_QUERY_PARAMS: dict[str, tuple[str, str]] = {
    "pretty": ("string", "If 'true', the output is pretty printed."),
    "dryRun": ("string", "When present (All), the request is processed but not persisted."),
    "fieldManager": ("string", "Name of the actor making the change, for field ownership."),
    "fieldValidation": (
        "string",
        "How unknown or duplicate fields are handled: Ignore, Warn (default) or Strict.",
    ),
    "force": ("boolean", "Force an apply request, taking over conflicting fields."),
    "allowWatchBookmarks": ("boolean", "Ask for BOOKMARK events on a watch."),
    "continue": ("string", "The continue token of the previous page of a list."),
    "fieldSelector": ("string", "Select objects by field values."),
    "labelSelector": ("string", "Select objects by label values."),
    "limit": ("integer", "Maximum number of objects in a page of a list."),
    "resourceVersion": ("string", "The resourceVersion the list or watch starts from."),
    "resourceVersionMatch": ("string", "How resourceVersion applies to a list."),
    "sendInitialEvents": ("boolean", "Start a watch with the current objects as ADDED."),
    "timeoutSeconds": ("integer", "Timeout of a list or watch call."),
    "watch": ("boolean", "Watch for changes instead of listing."),
    "gracePeriodSeconds": ("integer", "Seconds before the object is deleted."),
    "propagationPolicy": (
        "string",
        "Garbage collection of dependents: Orphan, Background or Foreground.",
    ),
    "orphanDependents": ("boolean", "Deprecated: use propagationPolicy."),
}
_LIST = (
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
)
_WRITE = ("dryRun", "fieldManager", "fieldValidation")
_DELETE = ("dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy")
_HTTP = {"get": "get", "create": "post", "update": "put", "patch": "patch", "delete": "delete"}
_ACTION = {"get": "get", "post": "post", "put": "put", "patch": "patch", "delete": "delete"}
_VERB_WORD = {"get": "read", "post": "create", "put": "replace", "patch": "patch"}


def gv_path(group: str, version: str) -> str:
    """``api/v1`` or ``apis/<group>/<version>``: a document's key in the index."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _query(name: str) -> dict[str, Any]:
    kind, description = _QUERY_PARAMS[name]
    return {"name": name, "in": "query", "description": description, "schema": {"type": kind}}


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("-", ".").split("."))


class GroupVersionPaths:
    """The paths of one group-version document, and the schemas they reach."""

    def __init__(self, group: str, version: str) -> None:
        self.group, self.version = group, version
        self.schemas = SchemaSet()
        self.paths: dict[str, dict[str, Any]] = {}
        short = group.removesuffix(".k8s.io")
        self._id = f"{_camel(short) if group else 'Core'}{_camel(version)}"
        tag_group = _camel(short) if group else "Core"
        self._tag = f"{tag_group[:1].lower()}{tag_group[1:]}_{version}"

    def _schema(self, gvk: GroupVersionKind) -> dict[str, Any] | None:
        try:
            cls = registry.kind_for(gvk.api_version, gvk.kind)
        except LookupError:
            return None
        return ref(self.schemas.add(cls))

    def _operation(
        self,
        action: str,
        operation_id: str,
        description: str,
        gvk: GroupVersionKind,
        *,
        params: tuple[str, ...] = (),
        body: dict[str, Any] | None = None,
        responses: dict[str, Any],
    ) -> dict[str, Any]:
        op: dict[str, Any] = {
            "description": description,
            "operationId": operation_id,
            "responses": {**responses, "401": {"description": "Unauthorized"}},
            "tags": [self._tag],
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk.to_dict(),
        }
        if params:
            op["parameters"] = [_query(p) for p in params]
        if body is not None:
            op["requestBody"] = {"content": body, "required": True}
        return op

    def add_resource(self, r: Resource) -> None:
        status = ref(self.schemas.add(Status))
        delete_options = ref(self.schemas.add(DeleteOptions))
        obj = self._schema(r.gvk) or {"type": "object"}
        items = self._schema(GroupVersionKind(r.group, r.version, r.list_kind)) or {
            "type": "object"
        }
        scope = "Namespaced" if r.namespaced else ""
        ident = f"{self._id}{scope}{r.kind}"
        base = f"/{gv_path(r.group, r.version)}"
        collection = (
            f"{base}/namespaces/{{namespace}}/{r.plural}"
            if r.namespaced
            else (f"{base}/{r.plural}")
        )
        common = [_query("pretty")]
        if r.namespaced:
            common.insert(0, _path_param("namespace", "The object's namespace."))
        ops: dict[str, Any] = {}
        ok = {"200": {"description": "OK", "content": _json(obj)}}
        if "list" in r.verbs:
            ops["get"] = self._operation(
                "list",
                f"list{ident}",
                f"list or watch objects of kind {r.kind}",
                r.gvk,
                params=_LIST,
                responses={"200": {"description": "OK", "content": _json(items)}},
            )
            if r.namespaced:
                self.paths[f"{base}/{r.plural}"] = {
                    "get": self._operation(
                        "list",
                        f"list{self._id}{r.kind}ForAllNamespaces",
                        f"list or watch objects of kind {r.kind} in all namespaces",
                        r.gvk,
                        params=_LIST,
                        responses={"200": {"description": "OK", "content": _json(items)}},
                    ),
                    "parameters": [_query("pretty")],
                }
        if "create" in r.verbs:
            created = {
                **ok,
                "201": {"description": "Created", "content": _json(obj)},
                "202": {"description": "Accepted", "content": _json(obj)},
            }
            ops["post"] = self._operation(
                "post",
                f"create{ident}",
                f"create a {r.kind}",
                r.gvk,
                params=_WRITE,
                body={"*/*": {"schema": obj}},
                responses=created,
            )
        if "deletecollection" in r.verbs:
            ops["delete"] = self._operation(
                "deletecollection",
                f"delete{self._id}Collection{scope}{r.kind}",
                f"delete a collection of {r.kind}",
                r.gvk,
                params=(*_DELETE, *_LIST),
                body={"*/*": {"schema": delete_options}},
                responses={"200": {"description": "OK", "content": _json(status)}},
            )
        if ops:
            self.paths[collection] = {**ops, "parameters": common}
        item_ops = self._item_operations(r, ident, obj, ok, status, delete_options)
        if item_ops:
            item_common = [_path_param("name", f"Name of the {r.kind}."), *common]
            self.paths[f"{collection}/{{name}}"] = {**item_ops, "parameters": item_common}
        for sub in r.subresources:
            self._add_subresource(r, sub, ident, f"{collection}/{{name}}/{sub.name}", common)

    def _item_operations(
        self,
        r: Resource,
        ident: str,
        obj: dict[str, Any],
        ok: dict[str, Any],
        status: dict[str, Any],
        delete_options: dict[str, Any],
    ) -> dict[str, Any]:
        ops: dict[str, Any] = {}
        with_created = {**ok, "201": {"description": "Created", "content": _json(obj)}}
        if "get" in r.verbs:
            ops["get"] = self._operation(
                "get", f"read{ident}", f"read the specified {r.kind}", r.gvk, responses=ok
            )
        if "update" in r.verbs:
            ops["put"] = self._operation(
                "put",
                f"replace{ident}",
                f"replace the specified {r.kind}",
                r.gvk,
                params=_WRITE,
                body={"*/*": {"schema": obj}},
                responses=with_created,
            )
        if "patch" in r.verbs:
            patch = ref(self.schemas.add_named(PATCH))
            ops["patch"] = self._operation(
                "patch",
                f"patch{ident}",
                f"partially update the specified {r.kind}",
                r.gvk,
                params=(*_WRITE, "force"),
                body={t: {"schema": patch} for t in PATCH_CONTENT_TYPES},
                responses=with_created,
            )
        if "delete" in r.verbs:
            deleted = {"description": "OK", "content": _json(status)}
            ops["delete"] = self._operation(
                "delete",
                f"delete{ident}",
                f"delete a {r.kind}",
                r.gvk,
                params=_DELETE,
                body={"*/*": {"schema": delete_options}},
                responses={"200": deleted, "202": {**deleted, "description": "Accepted"}},
            )
        return ops

    def _add_subresource(
        self, r: Resource, sub: Subresource, ident: str, path: str, common: list[dict[str, Any]]
    ) -> None:
        gvk = r.subresource_gvk(sub)
        connect = sub.kind.endswith("Options")  # exec, attach, portforward: streams, no body
        body_schema = None if connect else self._schema(gvk)
        streamed = connect or sub.name == "log"
        response = (
            {"*/*": {"schema": {"type": "string"}}}
            if streamed
            else _json(body_schema or {"type": "object"})
        )
        ops: dict[str, Any] = {}
        for verb in sub.verbs:
            method = _HTTP.get(verb)
            if method is None:
                continue
            if connect:
                operation_id = (
                    f"connect{self._id}{_camel(method)}{ident[len(self._id) :]}{_camel(sub.name)}"
                )
                action = "connect"
            else:
                operation_id = f"{_VERB_WORD.get(method, method)}{ident}{_camel(sub.name)}"
                action = _ACTION[method]
            params: tuple[str, ...] = ()
            body = None
            if method in ("post", "put", "patch") and not connect:
                params = (*_WRITE, "force") if method == "patch" else _WRITE
                if method == "patch":
                    body = {
                        t: {"schema": ref(self.schemas.add_named(PATCH))}
                        for t in PATCH_CONTENT_TYPES
                    }
                else:
                    body = {"*/*": {"schema": body_schema or {"type": "object"}}}
            responses = {"200": {"description": "OK", "content": response}}
            if method in ("post", "put", "patch"):
                responses["201"] = {"description": "Created", "content": response}
            ops[method] = self._operation(
                action,
                operation_id,
                f"{verb} {sub.name} of the specified {r.kind}",
                gvk,
                params=params,
                body=body,
                responses=responses,
            )
        if ops:
            params_common = [_path_param("name", f"Name of the {r.kind}."), *common]
            self.paths[path] = {**ops, "parameters": params_common}
