"""POST: create an object, naming it from ``generateName`` when it has no name."""

from __future__ import annotations

import copy
from typing import Any

from microkube.contracts.admission import Operation
from microkube.contracts.storage import KeyExistsError
from microkube_apiserver import errors
from microkube_apiserver.registry.admit import admission_request, run_admission
from microkube_apiserver.registry.context import Api, Result, Target, WriteOptions
from microkube_apiserver.registry.decoding import check_type_meta, normalize
from microkube_apiserver.registry.managed import track_create
from microkube_apiserver.registry.meta import prepare_create
from microkube_apiserver.registry.names import generate_name
from microkube_apiserver.registry.objects import encode
from microkube_apiserver.store import codec

__all__ = ["NAME_ATTEMPTS", "check_namespace", "check_path_name", "create", "create_object"]

#: Generated names tried before giving up with AlreadyExists (Kubernetes retries too).
NAME_ATTEMPTS = 8


def check_namespace(obj: dict[str, Any], target: Target) -> None:
    """The body's namespace, when given, must be the URL's (400 otherwise)."""
    namespace = (obj.get("metadata") or {}).get("namespace")
    if target.resource.namespaced and namespace and namespace != target.namespace:
        raise errors.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )


def check_path_name(name: str, target: Target) -> None:
    """Names become path segments and storage keys: refuse what cannot be one (422)."""
    problem = ""
    if name in (".", ".."):
        problem = f"may not be '{name}'"
    else:
        for bad in ("/", "%"):
            if bad in name:
                problem = f"may not contain '{bad}'"
                break
    if problem:
        message = f'Invalid value: "{name}": {problem}'
        raise errors.invalid(
            target.group,
            target.resource.kind,
            name,
            [f"metadata.name: {message}"],
            [{"reason": "FieldValueInvalid", "message": message, "field": "metadata.name"}],
        )


async def create(api: Api, target: Target, body: Any, options: WriteOptions) -> Result:
    gvk = target.resource.gvk
    obj, warnings = normalize(
        check_type_meta(body, gvk), gvk, options.field_validation, options.strict_errors
    )
    check_namespace(obj, target)
    result = await create_object(api, target, obj, options)
    result.warnings[:0] = warnings
    return result


async def create_object(
    api: Api, target: Target, obj: dict[str, Any], options: WriteOptions
) -> Result:
    """Create the normalised ``obj``: server metadata, admission, then the store."""
    metadata = obj.setdefault("metadata", {})
    base = metadata.get("generateName") or ""
    if not metadata.get("name") and not base:
        message = "Required value: name or generateName is required"
        raise errors.invalid(
            target.group,
            target.resource.kind,
            "",
            [f"metadata.name: {message}"],
            [{"reason": "FieldValueRequired", "message": message, "field": "metadata.name"}],
        )
    now = api.clock()
    prepare_create(obj, target, now)
    if options.field_manager:
        track_create(obj, target, options.field_manager, now)
        metadata = obj["metadata"]
    generated = not metadata.get("name")
    for _ in range(NAME_ATTEMPTS):
        if generated:
            metadata["name"] = generate_name(base)
        named = target.named(metadata["name"])
        check_path_name(named.name, named)
        request = admission_request(Operation.CREATE, named, obj, None, options)
        await run_admission(api, request, named)
        if options.dry_run:
            return Result(201, obj)
        value = encode(target, obj)
        try:
            revision = await api.storage.create(named.key, value)
        except KeyExistsError:
            await api.admission.release(request)
            if generated:
                continue
            raise errors.already_exists(target.group, target.plural, named.name) from None
        except BaseException:
            await api.admission.release(request)
            raise
        stored = copy.copy(obj)
        stored["metadata"] = {**metadata, "resourceVersion": str(revision)}
        # The answer is the stored value at its revision: splice, do not encode again.
        spliceable = "resourceVersion" not in metadata and target.conversion is None
        encoded = codec.json_at(value, revision) if spliceable else None
        return Result(201, stored, encoded=encoded)
    raise errors.already_exists(target.group, target.plural, metadata.get("name", ""))
