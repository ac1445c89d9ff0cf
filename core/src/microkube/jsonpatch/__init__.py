"""The generic JSON patch formats, as functions over JSON values.

- ``apply_json_patch``: RFC 6902 JSON Patch (``application/json-patch+json``);
- ``apply_merge_patch`` / ``create_merge_patch``: RFC 7386 JSON merge patch
  (``application/merge-patch+json``).

The API server applies them to stored objects; controllers and tools compute patches with
them; the fake API server of ``microkube.testing`` serves them. Kubernetes' own strategic merge
patch and server-side apply need the API schema and live in the API server plugin. Every
function returns a new value and leaves its inputs alone; every failure is a ``PatchError``
whose ``code`` is the HTTP status to answer with.
"""

from microkube.jsonpatch.errors import PatchError, decode_json
from microkube.jsonpatch.json_patch import apply_json_patch, parse_pointer
from microkube.jsonpatch.merge_patch import apply_merge_patch, create_merge_patch

__all__ = [
    "PatchError",
    "apply_json_patch",
    "apply_merge_patch",
    "create_merge_patch",
    "decode_json",
    "parse_pointer",
]
