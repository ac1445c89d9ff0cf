"""The API server's authenticators (client certificates, a static token file, bound
service-account tokens) and its ``always-allow`` authorizer, registered like any third
party's through the auth hooks. Each is imported when its factory runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext


def _x509(context: FactoryContext) -> Any:
    from microkube_apiserver.authn.x509 import X509Authenticator

    return X509Authenticator()


def _token_file(context: FactoryContext) -> Any:
    path = context.options.get("token-auth-file")
    if not path:
        return None
    from microkube_apiserver.authn.token_file import TokenFileAuthenticator, read_token_file

    return TokenFileAuthenticator(read_token_file(Path(path)))


def _service_account(context: FactoryContext) -> Any:
    from microkube_apiserver.authn.service_account import ServiceAccountAuthenticator

    key_file = Path(context.options["service-account-key-file"])
    return ServiceAccountAuthenticator(
        key_file.read_bytes(),
        context.options["service-account-issuer"],
        context.options["api-audiences"],
    )


def _always_allow(context: FactoryContext) -> Any:
    from microkube_apiserver.authn.always_allow import AlwaysAllow

    return AlwaysAllow()


@hookimpl(trylast=True)
def microkube_authenticators() -> dict[str, Factory[Any]]:
    return {"x509": _x509, "token-file": _token_file, "service-account": _service_account}


@hookimpl(trylast=True)
def microkube_authorizers() -> dict[str, Factory[Any]]:
    return {"always-allow": _always_allow}
