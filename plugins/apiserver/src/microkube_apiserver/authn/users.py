"""Well-known users and groups (k8s.io/apiserver ``pkg/authentication/user``)."""

from __future__ import annotations

from microkube.contracts.admission import UserInfo

__all__ = [
    "ALL_AUTHENTICATED",
    "ALL_UNAUTHENTICATED",
    "ANONYMOUS",
    "authenticated",
    "service_account_user",
]

ALL_AUTHENTICATED = "system:authenticated"
ALL_UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = UserInfo(username="system:anonymous", groups=(ALL_UNAUTHENTICATED,))
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"


def authenticated(user: UserInfo) -> UserInfo:
    """``user`` with ``system:authenticated`` among its groups, as every authenticated user
    gets it (unless it already has it, or is anonymous)."""
    if ALL_AUTHENTICATED in user.groups or user.username == ANONYMOUS.username:
        return user
    return UserInfo(
        username=user.username,
        uid=user.uid,
        groups=(*user.groups, ALL_AUTHENTICATED),
        extra=user.extra,
    )


def service_account_user(
    namespace: str, name: str, uid: str, extra: dict[str, tuple[str, ...]] | None = None
) -> UserInfo:
    """``system:serviceaccount:<ns>:<name>`` in ``system:serviceaccounts[:<ns>]``."""
    return UserInfo(
        username=f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}",
        uid=uid,
        groups=(SERVICE_ACCOUNTS_GROUP, f"{SERVICE_ACCOUNTS_GROUP}:{namespace}"),
        extra=extra or {},
    )
