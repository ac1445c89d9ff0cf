"""Static bearer tokens from a CSV file, kube-apiserver's ``--token-auth-file`` format:
``token,user,uid[,"group1,group2,..."]`` per line (at least three columns)."""

from __future__ import annotations

import csv
from pathlib import Path

from microkube.config import ConfigError
from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthRequest
from microkube_apiserver.authn.bearer import bearer_token

__all__ = ["TokenFileAuthenticator", "read_token_file"]


def read_token_file(path: Path) -> dict[str, UserInfo]:
    """token -> user; a bad file raises ConfigError naming the file and line."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"token-auth-file {path}: cannot read: {exc.strerror}") from None
    users: dict[str, UserInfo] = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 3:
            raise ConfigError(
                f"token-auth-file {path} line {number}: at least 3 columns "
                f"(token, user name, user uid) are needed, found {len(row)}"
            )
        token, name, uid = (cell.strip() for cell in row[:3])
        if not token or not name:
            raise ConfigError(f"token-auth-file {path} line {number}: empty token or user name")
        groups = tuple(g.strip() for g in row[3].split(",") if g.strip()) if len(row) > 3 else ()
        users[token] = UserInfo(username=name, uid=uid, groups=groups)
    return users


class TokenFileAuthenticator:
    def __init__(self, users: dict[str, UserInfo]) -> None:
        self._users = users

    async def authenticate(self, request: AuthRequest) -> UserInfo | None:
        token = bearer_token(request.headers)
        if token is None:
            return None
        return self._users.get(token)  # a map lookup, as kube-apiserver's tokenfile
