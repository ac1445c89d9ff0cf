"""The front door from configuration: authenticators and authorizers selected by name from
the ``microkube_authenticators`` / ``microkube_authorizers`` registrations."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from microkube.contracts import FactoryContext
from microkube_apiserver.authn.front_door import FrontDoor
from microkube_apiserver.options import ApiServerOptions

__all__ = ["AUTHENTICATORS", "AUTHORIZERS", "authenticator_options", "build_front_door"]

AUTHENTICATORS = "microkube_authenticators"
AUTHORIZERS = "microkube_authorizers"


def authenticator_options(options: ApiServerOptions, pki_dir: Path) -> dict[str, Any]:
    """What every authenticator factory is given, named as kube-apiserver's flags."""
    return {
        "token-auth-file": options.token_auth_file,
        "service-account-key-file": str(pki_dir / "sa.pub"),
        "service-account-issuer": options.service_account_issuer,
        "api-audiences": [options.service_account_issuer],
    }


def build_front_door(
    registry: Any,
    options: ApiServerOptions,
    data_dir: Path,
    pki_dir: Path,
    plugin_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> FrontDoor:
    shared = authenticator_options(options, pki_dir)
    authenticators = []
    for name in options.authenticators:
        factory = registry.select(AUTHENTICATORS, name, what="authenticator")
        built = factory(FactoryContext(data_dir=data_dir, options=shared))
        if built is not None:  # None: nothing configured for it (no token file)
            authenticators.append(built)
    authorizers = []
    for name in options.authorization_modes:
        factory = registry.select(AUTHORIZERS, name, what="authorizer")
        context = FactoryContext(data_dir=data_dir, options=(plugin_options or {}).get(name, {}))
        authorizers.append(factory(context))
    return FrontDoor(authenticators, authorizers, anonymous=options.anonymous)
