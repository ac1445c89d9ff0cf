"""Kubernetes REST semantics over :class:`State`: CRUD, patches, selectors, paging, subresources.

Each operation returns ``(code, body)`` or raises :class:`StatusError`, which the HTTP layer
turns into a ``Status`` body. Deliberate simplifications of this test double: list pages
report their snapshot's resourceVersion but show current objects; strategic merge patch and
server-side apply are treated as JSON merge patches; no garbage collection (propagationPolicy
is accepted and ignored) and no graceful pod deletion (only finalizers delay a deletion).
"""

from __future__ import annotations

import base64
import copy
import json
import random
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from microkube.client.resources import Resource
from microkube.jsonpatch import PatchError, apply_json_patch, apply_merge_patch
from microkube.selectors import SelectorError, field_matcher, label_matcher
from microkube.testing.fakeapi._state import State, object_key, resource_key

Body = dict[str, Any]
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
#: kinds whose status a create resets (their controllers and kubelets own it)
_RESET_STATUS = {
    "pods": {"phase": "Pending"},
    "deployments": {},
    "replicasets": {},
    "statefulsets": {},
    "daemonsets": {},
    "jobs": {},
    "cronjobs": {},
}
_SCALABLE = {"deployments", "replicasets", "statefulsets"}
_MERGE_TYPES = {
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
}


class StatusError(Exception):
    """A failure answer: the HTTP code and the ``Status`` to send."""

    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status: Body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }
        if details:
            self.status["details"] = details


def _details(resource: Resource, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": resource.plural}
    if resource.group:
        details["group"] = resource.group
    return details


def not_found(resource: Resource, name: str) -> StatusError:
    return StatusError(
        404, "NotFound", f'{resource.group_resource} "{name}" not found', _details(resource, name)
    )


def conflict(resource: Resource, name: str, why: str) -> StatusError:
    return StatusError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {resource.group_resource} "{name}": {why}',
        _details(resource, name),
    )


def invalid(resource: Resource, name: str, field: str, kind: str, message: str) -> StatusError:
    details = _details(resource, name)
    details["kind"] = resource.kind
    details["causes"] = [{"reason": f"Field{kind}", "message": message, "field": field}]
    return StatusError(
        422, "Invalid", f'{resource.kind} "{name}" is invalid: {field}: {message}', details
    )


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def success(code: int = 200) -> Body:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code}


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stable(obj: Body) -> Body:
    """``obj`` without the fields every write changes, to spot a no-op update."""
    meta = dict(obj.get("metadata") or {})
    meta.pop("resourceVersion", None)
    meta.pop("managedFields", None)
    return {**obj, "metadata": meta}


def _spec_part(obj: Body) -> Body:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


def _int_rv(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"{what}: invalid resource version {value!r}") from None


class Rest:
    """The verbs of one fake API server over its :class:`State`."""

    def __init__(self, state: State) -> None:
        self.state = state

    # -- helpers --------------------------------------------------------------------------

    def _existing(self, resource: Resource, namespace: str | None, name: str) -> Body:
        obj = self.state.get(resource_key(resource), (namespace or "", name))
        if obj is None:
            raise not_found(resource, name)
        return obj

    def _check_namespace(self, resource: Resource, namespace: str | None) -> None:
        if not resource.namespaced or namespace is None:
            return
        if self.state.get(("", "namespaces"), ("", namespace)) is None:
            raise StatusError(
                404,
                "NotFound",
                f'namespaces "{namespace}" not found',
                {"name": namespace, "kind": "namespaces"},
            )

    def _store(self, resource: Resource, obj: Body, old: Body | None) -> Body:
        obj["metadata"]["resourceVersion"] = str(self.state.next_rv())
        self.state.put(resource_key(resource), obj, old)
        return obj

    def _remove(self, resource: Resource, obj: Body) -> Body:
        final = {**obj, "metadata": {**obj["metadata"]}}
        final["metadata"]["resourceVersion"] = str(self.state.next_rv())
        self.state.remove(resource_key(resource), final)
        return final

    # -- reading ------------------------------------------------------------------------

    def get(self, resource: Resource, namespace: str | None, name: str) -> tuple[int, Body]:
        return 200, self._existing(resource, namespace, name)

    def list(self, resource: Resource, namespace: str | None, query: dict[str, str]) -> Body:
        try:
            labels = label_matcher(query.get("labelSelector"))
            fields = field_matcher(query.get("fieldSelector"))
        except SelectorError as exc:
            raise bad_request(str(exc)) from None
        token = query.get("continue")
        rv_param = query.get("resourceVersion") or ""
        snapshot = self.state.rv
        start: tuple[str, str] | None = None
        if token:
            if rv_param:
                raise bad_request("specifying resource version is not allowed when using continue")
            snapshot, start = self._decode_continue(token)
            if snapshot < self.state.oldest:
                raise StatusError(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter.",
                )
        elif rv_param and rv_param != "0":
            wanted = _int_rv(rv_param, "list")
            match = query.get("resourceVersionMatch") or "NotOlderThan"
            if wanted > self.state.rv:
                raise StatusError(504, "Timeout", "Too large resource version")
            if match == "Exact" and wanted != self.state.rv:
                # This fake keeps no snapshots: only the current version can be listed exactly.
                raise StatusError(410, "Expired", f"too old resource version: {wanted}")
        items = [
            obj
            for obj in self.state.items(resource_key(resource), namespace)
            if labels(obj) and fields(obj)
        ]
        if start is not None:
            items = [obj for obj in items if object_key(obj) > start]
        metadata: Body = {"resourceVersion": str(snapshot)}
        limit = int(query.get("limit") or 0)
        if limit > 0 and len(items) > limit:
            rest = len(items) - limit
            items = items[:limit]
            metadata["continue"] = self._encode_continue(snapshot, object_key(items[-1]))
            metadata["remainingItemCount"] = rest
        return {
            "kind": f"{resource.kind}List",
            "apiVersion": resource.api_version,
            "metadata": metadata,
            "items": items,
        }

    @staticmethod
    def _encode_continue(rv: int, key: tuple[str, str]) -> str:
        raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": list(key)}).encode()
        return base64.urlsafe_b64encode(raw).decode()

    @staticmethod
    def _decode_continue(token: str) -> tuple[int, tuple[str, str]]:
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode()))
            return int(data["rv"]), (str(data["start"][0]), str(data["start"][1]))
        except (ValueError, KeyError, IndexError, TypeError):
            raise bad_request("continue key is not valid") from None

    # -- create -------------------------------------------------------------------------

    def _prepare(self, resource: Resource, namespace: str | None, body: Any) -> Body:
        if not isinstance(body, dict):
            raise bad_request("the body of the request is not a JSON object")
        obj = copy.deepcopy(body)
        kind, api_version = obj.get("kind"), obj.get("apiVersion")
        if (kind and kind != resource.kind) or (
            api_version and api_version != resource.api_version
        ):
            raise bad_request(
                f"the API version in the data ({api_version}) and kind ({kind}) do not match "
                f"{resource.api_version} {resource.kind}"
            )
        obj["kind"], obj["apiVersion"] = resource.kind, resource.api_version
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            meta = obj["metadata"] = {}
        if resource.namespaced:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        return obj

    def create(
        self, resource: Resource, namespace: str | None, body: Any, query: dict[str, str]
    ) -> tuple[int, Body]:
        obj = self._prepare(resource, namespace, body)
        self._check_namespace(resource, namespace)
        meta = obj["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            for _ in range(10):
                suffix = "".join(random.choices(_GENERATE_ALPHABET, k=5))
                meta["name"] = meta["generateName"] + suffix
                if self.state.get(resource_key(resource), object_key(obj)) is None:
                    break
        name = meta.get("name") or ""
        if not name:
            raise invalid(
                resource, "", "metadata.name", "Required", "name or generateName is required"
            )
        if len(name) > 253 or not _NAME.match(name):
            raise invalid(
                resource,
                name,
                "metadata.name",
                "Invalid",
                f"Invalid value: {name!r}: a lowercase RFC 1123 subdomain must consist of "
                "lower case alphanumeric characters, '-' or '.'",
            )
        if self.state.get(resource_key(resource), object_key(obj)) is not None:
            raise StatusError(
                409,
                "AlreadyExists",
                f'{resource.group_resource} "{name}" already exists',
                _details(resource, name),
            )
        for key in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(key, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now()
        meta["generation"] = 1
        if resource.plural in _RESET_STATUS and "status" in resource.subresources:
            obj["status"] = copy.deepcopy(_RESET_STATUS[resource.plural])
        if query.get("dryRun"):
            return 201, obj
        return 201, self._store(resource, obj, None)

    # -- update -------------------------------------------------------------------------

    def update(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        body: Any,
        query: dict[str, str],
        subresource: str | None = None,
    ) -> tuple[int, Body]:
        existing = self._existing(resource, namespace, name)
        obj = self._prepare(resource, namespace, body)
        meta = obj["metadata"]
        if meta.get("name", name) != name:
            raise bad_request(
                f"the name of the object ({meta['name']}) does not match the name on the URL "
                f"({name})"
            )
        meta["name"] = name
        return self._write(resource, existing, obj, query, subresource)

    def _write(
        self,
        resource: Resource,
        existing: Body,
        obj: Body,
        query: dict[str, str],
        subresource: str | None,
    ) -> tuple[int, Body]:
        name = existing["metadata"]["name"]
        wanted = obj["metadata"].get("resourceVersion")
        if wanted and wanted != existing["metadata"]["resourceVersion"]:
            raise conflict(
                resource,
                name,
                "the object has been modified; please apply your changes to the latest version "
                "and try again",
            )
        old_meta = existing["metadata"]
        if subresource == "status":
            new = {**existing, "metadata": dict(old_meta)}
            new["status"] = obj.get("status")
            if new["status"] is None:
                new.pop("status")
        else:
            new = obj
            meta = new["metadata"]
            for key in ("uid", "creationTimestamp", "deletionTimestamp", "generation"):
                if key in old_meta:
                    meta[key] = old_meta[key]
                else:
                    meta.pop(key, None)
            if "deletionGracePeriodSeconds" in old_meta:
                meta["deletionGracePeriodSeconds"] = old_meta["deletionGracePeriodSeconds"]
            if "status" in resource.subresources:
                if "status" in existing:
                    new["status"] = existing["status"]
                else:
                    new.pop("status", None)
            if _spec_part(new) != _spec_part(existing):
                meta["generation"] = int(old_meta.get("generation") or 0) + 1
        new["metadata"]["resourceVersion"] = old_meta["resourceVersion"]
        if _stable(new) == _stable(existing):
            return 200, existing
        if query.get("dryRun"):
            return 200, new
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            return 200, self._remove(resource, new)
        return 200, self._store(resource, new, existing)

    def patch(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        body: Any,
        content_type: str,
        query: dict[str, str],
        subresource: str | None = None,
    ) -> tuple[int, Body]:
        content_type = content_type.split(";", 1)[0].strip().lower()
        if content_type == "application/apply-patch+yaml":
            if not query.get("fieldManager"):
                raise bad_request("fieldManager is required for apply requests")
            existing_or_none = self.state.get(resource_key(resource), (namespace or "", name))
            if existing_or_none is None and subresource is None:
                if not isinstance(body, dict):
                    raise bad_request("an apply patch is a JSON object")
                body = {**body, "metadata": {**(body.get("metadata") or {}), "name": name}}
                return self.create(resource, namespace, body, query)
        existing = self._existing(resource, namespace, name)
        try:
            if content_type in _MERGE_TYPES:
                if not isinstance(body, dict):
                    raise PatchError("a merge patch is a JSON object")
                patched = apply_merge_patch(existing, body)
            elif content_type == "application/json-patch+json":
                patched = apply_json_patch(existing, body)
            else:
                raise StatusError(
                    415, "UnsupportedMediaType", f"the media type {content_type!r} is not supported"
                )
        except PatchError as exc:
            raise invalid(resource, name, "patch", "Invalid", str(exc)) from None
        if not isinstance(patched, dict):
            raise bad_request("the patch made the object something other than a JSON object")
        obj = self._prepare(resource, namespace, patched)
        obj["metadata"]["name"] = name
        return self._write(resource, existing, obj, query, subresource)

    # -- delete -------------------------------------------------------------------------

    def delete(
        self, resource: Resource, namespace: str | None, name: str, options: Body
    ) -> tuple[int, Body]:
        existing = self._existing(resource, namespace, name)
        meta = existing["metadata"]
        pre = options.get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != meta.get("uid"):
            raise conflict(
                resource,
                name,
                f"Precondition failed: UID in precondition: {pre['uid']}, "
                f"UID in object meta: {meta.get('uid')}",
            )
        if pre.get("resourceVersion") and pre["resourceVersion"] != meta.get("resourceVersion"):
            raise conflict(
                resource,
                name,
                f"Precondition failed: ResourceVersion in precondition: {pre['resourceVersion']}, "
                f"ResourceVersion in object meta: {meta.get('resourceVersion')}",
            )
        if options.get("dryRun"):
            return 200, existing
        if meta.get("finalizers"):
            if meta.get("deletionTimestamp"):
                return 200, existing
            new = {**existing, "metadata": {**meta, "deletionTimestamp": now()}}
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            return 200, self._store(resource, new, existing)
        if resource.group == "" and resource.plural == "namespaces":
            for res_key, obj in self.state.all_in_namespace(name):
                final = {**obj, "metadata": {**obj["metadata"]}}
                final["metadata"]["resourceVersion"] = str(self.state.next_rv())
                self.state.remove(res_key, final)
        return 200, self._remove(resource, existing)

    def delete_collection(
        self, resource: Resource, namespace: str | None, query: dict[str, str], options: Body
    ) -> tuple[int, Body]:
        listed = self.list(resource, namespace, {k: v for k, v in query.items() if "Selector" in k})
        deleted = []
        for obj in listed["items"]:
            meta = obj["metadata"]
            deleted.append(self.delete(resource, meta.get("namespace"), meta["name"], options)[1])
        listed["items"] = deleted
        listed["metadata"] = {"resourceVersion": str(self.state.rv)}
        return 200, listed

    # -- subresources -------------------------------------------------------------------

    def scale(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        method: str,
        body: Any,
        content_type: str,
        query: dict[str, str],
    ) -> tuple[int, Body]:
        if resource.plural not in _SCALABLE or resource.group != "apps":
            raise not_found(resource, name)
        existing = self._existing(resource, namespace, name)
        current = _scale_of(existing)
        if method == "GET":
            return 200, current
        if method == "PUT":
            desired = body
        else:
            try:
                if content_type.startswith("application/json-patch+json"):
                    desired = apply_json_patch(current, body)
                else:
                    desired = apply_merge_patch(current, body)
            except PatchError as exc:
                raise invalid(resource, name, "patch", "Invalid", str(exc)) from None
        if not isinstance(desired, dict):
            raise bad_request("a Scale is a JSON object")
        replicas = (desired.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise invalid(
                resource, name, "spec.replicas", "Invalid", "must be greater than or equal to 0"
            )
        obj = copy.deepcopy(existing)
        obj["metadata"]["resourceVersion"] = (desired.get("metadata") or {}).get(
            "resourceVersion"
        ) or existing["metadata"]["resourceVersion"]
        obj.setdefault("spec", {})["replicas"] = replicas
        _, new = self._write(resource, existing, obj, query, None)
        return 200, _scale_of(new)

    def bind(self, namespace: str | None, name: str, body: Any, pods: Resource) -> tuple[int, Body]:
        existing = self._existing(pods, namespace, name)
        target = (body or {}).get("target") or {}
        if not target.get("name"):
            raise invalid(pods, name, "target.name", "Required", "Required value")
        uid = ((body or {}).get("metadata") or {}).get("uid")
        if uid and uid != existing["metadata"].get("uid"):
            raise conflict(pods, name, "the UID in the binding does not match the pod")
        node = (existing.get("spec") or {}).get("nodeName")
        if node:
            raise StatusError(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is already '
                f'assigned to node "{node}"',
                {"name": name, "kind": "pods/binding"},
            )
        new = copy.deepcopy(existing)
        new.setdefault("spec", {})["nodeName"] = target["name"]
        self._store(pods, new, existing)
        return 201, success(201)

    def evict(
        self, namespace: str | None, name: str, body: Any, pods: Resource
    ) -> tuple[int, Body]:
        self._existing(pods, namespace, name)
        options = (body or {}).get("deleteOptions") or {}
        self.delete(pods, namespace, name, options)
        return 201, success(201)


def _scale_of(obj: Body) -> Body:
    meta = obj["metadata"]
    selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: meta[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in meta
        },
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(selector.items())),
        },
    }
