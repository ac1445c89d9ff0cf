"""Authentication, authorization and audit plugins (entry-point group ``microkube.auth``)."""

from __future__ import annotations

from microkube.contracts.auth import AuditBackend, Authenticator, Authorizer
from microkube.contracts.registration import Factory
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_authenticators() -> dict[str, Factory[Authenticator]]:
    """Register authenticators: ``{name: factory}``. The API server asks the enabled ones in
    configuration order; the first that returns a user wins, an
    :class:`~microkube.contracts.auth.AuthenticationError` answers 401 at once."""


@hookspec
def microkube_authorizers() -> dict[str, Factory[Authorizer]]:
    """Register authorizers: ``{name: factory}``. Asked in configuration order; the first
    ALLOW or DENY decides, NO_OPINION passes to the next; none deciding means 403."""


@hookspec
def microkube_audit_backends() -> dict[str, Factory[AuditBackend]]:
    """Register audit backends: ``{name: factory}``. The API server's option
    ``audit-backends`` enables them by name (``audit-log-path`` alone enables ``log``); each
    enabled one receives every Event the audit policy keeps. A factory gets the
    configuration section named after the backend as ``FactoryContext.options``."""
