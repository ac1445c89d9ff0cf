"""The patch formats the API server applies, as functions over JSON objects.

- ``apply_json_patch``: RFC 6902 JSON Patch (``application/json-patch+json``) and
  ``apply_merge_patch``: RFC 7386 JSON merge patch (``application/merge-patch+json``), both
  the kernel's (``microkube.jsonpatch``), re-exported here so the server has one import;
- ``apply_strategic_merge_patch``: Kubernetes strategic merge patch
  (``application/strategic-merge-patch+json``), driven by ``schema_for``;
- ``server_side_apply`` / ``record_update``: server-side apply (``application/apply-patch+yaml``)
  and the managed-fields bookkeeping of every other write.

Every function returns a new object and leaves its inputs alone; every failure is a
``PatchError`` whose ``code`` is the HTTP status to answer with.
"""

from microkube.jsonpatch.errors import PatchError, decode_json
from microkube.jsonpatch.json_patch import apply_json_patch
from microkube.jsonpatch.merge_patch import apply_merge_patch, create_merge_patch
from microkube_apiserver.patch.apply import (
    ApplyConflictError,
    Conflict,
    record_create,
    record_update,
    server_side_apply,
)
from microkube_apiserver.patch.schema import Node, schema_for
from microkube_apiserver.patch.strategic import apply_strategic_merge_patch

__all__ = [
    "ApplyConflictError",
    "Conflict",
    "Node",
    "PatchError",
    "apply_json_patch",
    "apply_merge_patch",
    "apply_strategic_merge_patch",
    "create_merge_patch",
    "decode_json",
    "record_create",
    "record_update",
    "schema_for",
    "server_side_apply",
]
