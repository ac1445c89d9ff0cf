"""Audit: one ``audit.k8s.io/v1`` Event per request at the level an audit Policy chooses
(see :mod:`.policy` and :mod:`.log`), sent to the enabled audit backends. This module
registers the ``log`` backend (JSON lines, :mod:`.jsonlines`); other distributions add theirs
through the same hook."""

from __future__ import annotations

from microkube import hookimpl
from microkube.config import ConfigError
from microkube.contracts.auth import AuditBackend
from microkube.contracts.registration import Factory, FactoryContext


def _log(context: FactoryContext) -> AuditBackend:
    from microkube_apiserver.audit.jsonlines import JsonLinesBackend

    path = context.options.get("path")
    if not path or not isinstance(path, str):
        raise ConfigError("audit backend log: needs a path (apiserver option audit-log-path)")
    return JsonLinesBackend(path)


@hookimpl(trylast=True)
def microkube_audit_backends() -> dict[str, Factory[AuditBackend]]:
    return {"log": _log}
