"""Static tokens from a kube-apiserver ``--token-auth-file`` CSV."""

from __future__ import annotations

import pytest
from microkube_apiserver.authn.token_file import TokenFileAuthenticator, read_token_file

from microkube.config import ConfigError
from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthRequest


async def test_tokens_users_uids_and_groups(tmp_path):
    path = tmp_path / "tokens.csv"
    path.write_text('t1,alice,1001,"dev,ops"\n\nt2,bob,1002\n')
    auth = TokenFileAuthenticator(read_token_file(path))
    alice = await auth.authenticate(AuthRequest(headers={"Authorization": "Bearer t1"}))
    assert alice == UserInfo(username="alice", uid="1001", groups=("dev", "ops"))
    bob = await auth.authenticate(AuthRequest(headers={"Authorization": "bearer  t2 "}))
    assert bob == UserInfo(username="bob", uid="1002")
    assert await auth.authenticate(AuthRequest(headers={"Authorization": "Bearer t3"})) is None
    assert await auth.authenticate(AuthRequest(headers={"Authorization": "Basic dDE="})) is None
    assert await auth.authenticate(AuthRequest(headers={})) is None


def test_bad_files_name_the_problem(tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("t1,alice,1\nt2,bob\n")
    with pytest.raises(ConfigError, match=r"short.csv line 2: at least 3 columns"):
        read_token_file(short)
    with pytest.raises(ConfigError, match="cannot read"):
        read_token_file(tmp_path / "missing.csv")
