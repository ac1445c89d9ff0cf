"""``ApiClient``: resource-oriented REST calls on plain dict objects (Kubernetes JSON).

Resources are given as :class:`Resource` values or as names the table knows (``"pods"``,
``"deploy"``, ``"Deployment"``, ``"leases.coordination.k8s.io"``); :meth:`ApiClient.resolve`
asks discovery for anything else. Namespaced calls on one object default to the object's
``metadata.namespace``, then to the config's namespace; ``list``/``watch``/
``delete_collection`` without a namespace span all namespaces.

Failures raise :class:`~microkube.client.errors.ApiError` subclasses. Answers of 429 or 5xx
carrying ``Retry-After`` are retried after that many seconds, at most ``max_retries`` times.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from microkube.client.errors import GoneError, NotFoundError, error_from_response
from microkube.client.http import HttpClient, Query
from microkube.client.kubeconfig import (
    ClientConfig,
    TokenSource,
    load_incluster_config,
    load_kubeconfig,
)
from microkube.client.resources import (
    BUILTIN,
    EVICTION_API_VERSION,
    Resource,
    ResourceTable,
    UnknownResourceError,
    resources_from_discovery,
)
from microkube.client.watch import Watch

JSON = "application/json"
#: ``patch_type`` names and their content types.
PATCH_TYPES = {
    "json": "application/json-patch+json",
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}

ResourceRef = Resource | str


def _dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _dry_run(dry_run: bool) -> str | None:
    return "All" if dry_run else None


class ApiClient:
    """An async client of one Kubernetes API server."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        timeout: float = 60.0,
        max_idle: int = 8,
        max_retries: int = 5,
        resources: Iterable[Resource] = BUILTIN,
    ) -> None:
        self.config = config
        self.namespace = config.namespace
        self.max_retries = max_retries
        self.resources = ResourceTable(resources)
        self._discovered: set[str] = set()
        self.http = HttpClient(
            config.server,
            ssl_context=config.ssl_context(),
            server_hostname=config.tls_server_name,
            auth=TokenSource(config).authorization,
            timeout=timeout,
            max_idle=max_idle,
        )

    @classmethod
    def from_kubeconfig(
        cls, path: str | os.PathLike[str] | None = None, context: str | None = None, **kwargs: Any
    ) -> ApiClient:
        return cls(load_kubeconfig(path, context), **kwargs)

    @classmethod
    def in_cluster(cls, **kwargs: Any) -> ApiClient:
        return cls(load_incluster_config(), **kwargs)

    async def close(self) -> None:
        await self.http.close()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- plumbing -----------------------------------------------------------------------

    def resource(self, ref: ResourceRef) -> Resource:
        """The :class:`Resource` for a value or a known name (no network)."""
        return ref if isinstance(ref, Resource) else self.resources.lookup(ref)

    def _ns(self, resource: Resource, namespace: str | None, body: Any = None) -> str | None:
        if not resource.namespaced:
            return None
        if namespace:
            return namespace
        if isinstance(body, Mapping):
            found = (body.get("metadata") or {}).get("namespace")
            if found:
                return found
        return self.namespace

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: Any = None,
        content_type: str = JSON,
        not_found: str | None = None,
    ) -> Any:
        """One API call; the decoded JSON answer, or the ApiError of the failure."""
        data = body if isinstance(body, bytes | None) else _dumps(body)
        headers = {"Content-Type": content_type} if data is not None else None
        attempt = 0
        while True:
            response = await self.http.request(
                method, path, query=query, body=data, headers=headers
            )
            if response.ok:
                return response.json()
            retry_after = response.headers.get("Retry-After")
            if (
                retry_after is not None
                and (response.status == 429 or response.status >= 500)
                and attempt < self.max_retries
            ):
                attempt += 1
                await asyncio.sleep(_seconds(retry_after))
                continue
            fallback = f"{method} {path}: HTTP {response.status} {response.reason}".strip()
            if response.status == 404 and not_found:
                fallback = not_found
            raise error_from_response(response.status, response.body, fallback, retry_after)

    # -- reading ------------------------------------------------------------------------

    async def get(
        self,
        resource: ResourceRef,
        name: str,
        namespace: str | None = None,
        *,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        """One object (or a subresource of it)."""
        res = self.resource(resource)
        return await self.request(
            "GET",
            res.path(self._ns(res, namespace), name, subresource),
            not_found=f'{res.group_resource} "{name}" not found',
        )

    async def list(
        self,
        resource: ResourceRef,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
    ) -> dict[str, Any]:
        """One page of a list: the ``<Kind>List`` object (``metadata.continue`` if more)."""
        res = self.resource(resource)
        query = {
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "limit": limit,
            "continue": continue_,
            "resourceVersion": resource_version,
            "resourceVersionMatch": resource_version_match,
            "timeoutSeconds": timeout_seconds,
        }
        return await self.request("GET", res.path(namespace), query=query)

    async def list_all(
        self,
        resource: ResourceRef,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
    ) -> dict[str, Any]:
        """Every page of a list joined into one list object.

        As client-go's pager: if a continue token expires mid-way (410), the list is read
        again in one unpaginated request.
        """
        kwargs: dict[str, Any] = {
            "label_selector": label_selector,
            "field_selector": field_selector,
            "resource_version": resource_version,
            "resource_version_match": resource_version_match,
        }
        result = await self.list(resource, namespace, limit=page_size or None, **kwargs)
        items = list(result.get("items") or ())
        token = (result.get("metadata") or {}).get("continue")
        while token:
            try:
                page = await self.list(
                    resource,
                    namespace,
                    label_selector=label_selector,
                    field_selector=field_selector,
                    limit=page_size,
                    continue_=token,
                )
            except GoneError:
                return await self.list(resource, namespace, **kwargs)
            items += page.get("items") or ()
            token = (page.get("metadata") or {}).get("continue")
            result["metadata"] = page.get("metadata") or {}
        metadata = dict(result.get("metadata") or {})
        metadata.pop("continue", None)
        metadata.pop("remainingItemCount", None)
        result["metadata"] = metadata
        result["items"] = items
        return result

    def watch(
        self,
        resource: ResourceRef,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        allow_watch_bookmarks: bool = False,
        timeout_seconds: int | None = None,
        send_initial_events: bool | None = None,
    ) -> Watch:
        """A :class:`Watch` of changes after ``resource_version`` (opened on first use).

        Without a resourceVersion the server first sends every current object as ADDED.
        """
        res = self.resource(resource)
        query = {
            "watch": True,
            "resourceVersion": resource_version,
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "allowWatchBookmarks": True if allow_watch_bookmarks else None,
            "timeoutSeconds": timeout_seconds,
            "sendInitialEvents": send_initial_events,
        }
        if send_initial_events:
            query["resourceVersionMatch"] = "NotOlderThan"
        return Watch(
            self.http,
            res.path(namespace),
            query,
            what=res.group_resource,
            resource_version=resource_version,
        )

    # -- writing ------------------------------------------------------------------------

    async def create(
        self,
        resource: ResourceRef,
        body: Mapping[str, Any],
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> dict[str, Any]:
        """Create an object; the server's copy (uid, resourceVersion, ...) is returned."""
        res = self.resource(resource)
        query = {
            "dryRun": _dry_run(dry_run),
            "fieldManager": field_manager,
            "fieldValidation": field_validation,
        }
        return await self.request(
            "POST", res.path(self._ns(res, namespace, body)), query=query, body=body
        )

    async def replace(
        self,
        resource: ResourceRef,
        body: Mapping[str, Any],
        namespace: str | None = None,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> dict[str, Any]:
        """PUT the whole object (name from ``metadata.name``); a stale resourceVersion ⇒ 409."""
        res = self.resource(resource)
        name = (body.get("metadata") or {}).get("name")
        if not name:
            raise ValueError(f"{res.group_resource}: replace needs metadata.name")
        query = {"dryRun": _dry_run(dry_run), "fieldManager": field_manager}
        return await self.request(
            "PUT",
            res.path(self._ns(res, namespace, body), name, subresource),
            query=query,
            body=body,
            not_found=f'{res.group_resource} "{name}" not found',
        )

    update = replace

    async def patch(
        self,
        resource: ResourceRef,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: str = "merge",
        subresource: str | None = None,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """PATCH an object: ``patch_type`` is ``merge``, ``json``, ``strategic`` or ``apply``."""
        res = self.resource(resource)
        try:
            content_type = PATCH_TYPES[patch_type]
        except KeyError:
            raise ValueError(
                f"unknown patch type {patch_type!r}: one of {sorted(PATCH_TYPES)}"
            ) from None
        if patch_type == "apply" and not field_manager:
            raise ValueError("server-side apply needs a field_manager")
        query = {"dryRun": _dry_run(dry_run), "fieldManager": field_manager, "force": force}
        return await self.request(
            "PATCH",
            res.path(self._ns(res, namespace, patch), name, subresource),
            query=query,
            body=patch,
            content_type=content_type,
            not_found=f'{res.group_resource} "{name}" not found',
        )

    async def apply(
        self,
        resource: ResourceRef,
        body: Mapping[str, Any],
        namespace: str | None = None,
        *,
        field_manager: str,
        force: bool = False,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Server-side apply of ``body`` (creates the object if it does not exist)."""
        name = (body.get("metadata") or {}).get("name")
        if not name:
            raise ValueError("apply needs metadata.name")
        return await self.patch(
            resource,
            name,
            body,
            namespace,
            patch_type="apply",
            subresource=subresource,
            field_manager=field_manager,
            force=force,
            dry_run=dry_run,
        )

    async def delete(
        self,
        resource: ResourceRef,
        name: str,
        namespace: str | None = None,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Delete an object; the answer is the object (maybe still finalizing) or a Status."""
        res = self.resource(resource)
        return await self.request(
            "DELETE",
            res.path(self._ns(res, namespace), name),
            body=_delete_options(propagation_policy, grace_period_seconds, preconditions, dry_run),
            not_found=f'{res.group_resource} "{name}" not found',
        )

    async def delete_collection(
        self,
        resource: ResourceRef,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Delete every object the selectors match."""
        res = self.resource(resource)
        query = {"labelSelector": label_selector, "fieldSelector": field_selector}
        return await self.request(
            "DELETE",
            res.path(namespace),
            query=query,
            body=_delete_options(propagation_policy, grace_period_seconds, None, dry_run),
        )

    # -- subresources -------------------------------------------------------------------

    async def get_status(
        self, resource: ResourceRef, name: str, namespace: str | None = None
    ) -> dict[str, Any]:
        return await self.get(resource, name, namespace, subresource="status")

    async def replace_status(
        self, resource: ResourceRef, body: Mapping[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        """PUT ``status`` (the server ignores changes outside ``status``)."""
        return await self.replace(resource, body, namespace, subresource="status")

    async def patch_status(
        self,
        resource: ResourceRef,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: str = "merge",
    ) -> dict[str, Any]:
        return await self.patch(
            resource, name, patch, namespace, patch_type=patch_type, subresource="status"
        )

    async def get_scale(
        self, resource: ResourceRef, name: str, namespace: str | None = None
    ) -> dict[str, Any]:
        """The ``autoscaling/v1`` Scale of a deployment, replica set or stateful set."""
        return await self.get(resource, name, namespace, subresource="scale")

    async def scale(
        self, resource: ResourceRef, name: str, replicas: int, namespace: str | None = None
    ) -> dict[str, Any]:
        """Set ``spec.replicas`` through the scale subresource (as ``kubectl scale``)."""
        return await self.patch(
            resource, name, {"spec": {"replicas": replicas}}, namespace, subresource="scale"
        )

    async def bind(
        self, pod: str, node: str, namespace: str | None = None, *, uid: str | None = None
    ) -> dict[str, Any]:
        """Bind a pod to a node (what a scheduler does): POST ``pods/<pod>/binding``."""
        res = self.resources.lookup("pods")
        ns = self._ns(res, namespace)
        metadata: dict[str, Any] = {"name": pod, "namespace": ns}
        if uid:
            metadata["uid"] = uid
        body = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": metadata,
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        return await self.request(
            "POST",
            res.path(ns, pod, "binding"),
            body=body,
            not_found=f'pods "{pod}" not found',
        )

    async def evict(
        self,
        pod: str,
        namespace: str | None = None,
        *,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Evict a pod (``policy/v1`` Eviction); a disruption budget may answer 429."""
        res = self.resources.lookup("pods")
        ns = self._ns(res, namespace)
        body: dict[str, Any] = {
            "apiVersion": EVICTION_API_VERSION,
            "kind": "Eviction",
            "metadata": {"name": pod, "namespace": ns},
        }
        options = _delete_options(None, grace_period_seconds, preconditions, dry_run)
        if len(options) > 2:
            body["deleteOptions"] = options
        return await self.request(
            "POST",
            res.path(ns, pod, "eviction"),
            body=body,
            not_found=f'pods "{pod}" not found',
        )

    # -- discovery ----------------------------------------------------------------------

    async def version(self) -> dict[str, Any]:
        """``GET /version``."""
        return await self.request("GET", "/version")

    async def discover(self, group_version: str) -> list[Resource]:
        """The resources of one group-version (``v1``, ``apps/v1``), added to the table."""
        path = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        found = resources_from_discovery(await self.request("GET", path))
        known = {(r.api_version, r.plural) for r in self.resources}
        for resource in found:
            if (resource.api_version, resource.plural) not in known:
                self.resources.add(resource)
        self._discovered.add(group_version)
        return found

    async def group_versions(self) -> list[str]:
        """Preferred group-versions the server serves, core ``v1`` first."""
        groups = await self.request("GET", "/apis")
        found = ["v1"]
        for group in groups.get("groups") or ():
            preferred = group.get("preferredVersion") or (group.get("versions") or [{}])[0]
            if preferred.get("groupVersion"):
                found.append(preferred["groupVersion"])
        return found

    async def resolve(self, name: str, api_version: str | None = None) -> Resource:
        """The resource for a name or kind: the table first, then the server's discovery."""
        found = self.resources.find(name, api_version)
        if found is not None:
            return found
        candidates = [api_version] if api_version else await self.group_versions()
        for group_version in candidates:
            if group_version in self._discovered:
                continue
            try:
                await self.discover(group_version)
            except NotFoundError:  # the server does not serve that group-version
                self._discovered.add(group_version)
                continue
            found = self.resources.find(name, api_version)
            if found is not None:
                return found
        raise UnknownResourceError(
            f'the server doesn\'t have a resource type "{name}"'
            + (f" in {api_version}" if api_version else "")
        )

    def resource_for(self, obj: Mapping[str, Any]) -> Resource:
        """The resource of an object from its ``apiVersion``/``kind`` (table only)."""
        return self.resources.for_object(dict(obj))


def _seconds(retry_after: str) -> float:
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        return 1.0  # an HTTP date: not worth parsing for an API server; wait a moment


def _delete_options(
    propagation_policy: str | None,
    grace_period_seconds: int | None,
    preconditions: Mapping[str, str] | None,
    dry_run: bool,
) -> dict[str, Any]:
    options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
    if propagation_policy is not None:
        options["propagationPolicy"] = propagation_policy
    if grace_period_seconds is not None:
        options["gracePeriodSeconds"] = grace_period_seconds
    if preconditions:
        options["preconditions"] = dict(preconditions)
    if dry_run:
        options["dryRun"] = ["All"]
    return options
