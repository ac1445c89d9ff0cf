"""Query parameters of resource requests: list/watch options and write options."""

from __future__ import annotations

import random
from collections.abc import Mapping

from multidict import MultiMapping

from microkube_apiserver import errors
from microkube_apiserver.registry.decoding import FIELD_VALIDATIONS
from microkube_apiserver.registry.versions import ListParams, parse_resource_version

__all__ = ["list_params", "parse_bool", "watch_timeout", "write_options"]

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def parse_bool(value: str | None, name: str) -> bool | None:
    """Go's ``strconv.ParseBool``, as Kubernetes parses boolean query parameters."""
    if value is None:
        return None
    if value in _TRUE or value == "":
        return True
    if value in _FALSE:
        return False
    raise errors.bad_request(f'invalid boolean value for {name}: "{value}"')


def _int(query: Mapping[str, str], name: str) -> int | None:
    value = query.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.bad_request(f'invalid value for {name}: "{value}"') from None


def list_params(query: Mapping[str, str], *, watch: bool) -> ListParams:
    return ListParams(
        resource_version=parse_resource_version(query.get("resourceVersion")),
        match=query.get("resourceVersionMatch", ""),
        limit=_int(query, "limit") or 0,
        continue_token=query.get("continue", ""),
        label_selector=query.get("labelSelector", ""),
        field_selector=query.get("fieldSelector", ""),
        watch=watch,
        send_initial_events=parse_bool(query.get("sendInitialEvents"), "sendInitialEvents"),
        allow_bookmarks=bool(parse_bool(query.get("allowWatchBookmarks"), "allowWatchBookmarks")),
    )


def watch_timeout(query: Mapping[str, str]) -> float:
    """``timeoutSeconds``, or a random 30-60 minutes as kube-apiserver picks."""
    seconds = _int(query, "timeoutSeconds")
    if seconds is not None and seconds > 0:
        return float(seconds)
    return random.uniform(1800.0, 3600.0)


def write_options(query: MultiMapping[str]) -> tuple[bool, str, str, bool]:
    """``(dry_run, field_manager, field_validation, force)``, validated."""
    dry_run_values = query.getall("dryRun", [])
    for value in dry_run_values:
        if value != "All":
            message = f'Unsupported value: "{value}": supported values: "All"'
            raise errors.invalid(
                "meta.k8s.io",
                "CreateOptions",
                "",
                [f"dryRun: {message}"],
                [{"reason": "FieldValueNotSupported", "message": message, "field": "dryRun"}],
            )
    validation = query.get("fieldValidation") or "Warn"
    if validation not in FIELD_VALIDATIONS:
        raise errors.bad_request(
            f'fieldValidation parameter unsupported: "{validation}" (supported: Ignore, Warn, '
            "Strict)"
        )
    force = bool(parse_bool(query.get("force"), "force"))
    return bool(dry_run_values), query.get("fieldManager", ""), validation, force
