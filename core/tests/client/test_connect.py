"""How a component finds its kubeconfig: the option, else its own by identity, else the
admin one — and only once the admin one (written last by the API server) exists."""

from __future__ import annotations

import asyncio

import pytest

from microkube.client.connect import KUBECONFIGS_DIR, find_kubeconfig, own_kubeconfig


def test_the_rule(tmp_path):
    admin = tmp_path / "kubeconfig"
    own = tmp_path / KUBECONFIGS_DIR / "scheduler.conf"
    assert own_kubeconfig(tmp_path, {}, "scheduler") == admin
    own.parent.mkdir()
    own.write_text("{}")
    assert own_kubeconfig(tmp_path, {}, "scheduler") == own
    assert own_kubeconfig(tmp_path, {}, "kubelet-other-node") == admin
    assert own_kubeconfig(tmp_path, {}, None) == admin
    chosen = {"kubeconfig": str(tmp_path / "mine.conf")}
    assert own_kubeconfig(tmp_path, chosen, "scheduler") == tmp_path / "mine.conf"


async def test_waits_for_the_admin_kubeconfig_then_picks_its_own(tmp_path):
    own = tmp_path / KUBECONFIGS_DIR / "kube-proxy.conf"
    own.parent.mkdir()
    own.write_text("{}")
    finding = asyncio.create_task(find_kubeconfig(tmp_path, {}, "kube-proxy", within=5))
    await asyncio.sleep(0.2)
    assert not finding.done()  # its own exists, but the server has not finished writing
    (tmp_path / "kubeconfig").write_text("{}")
    assert await finding == own
    with pytest.raises(TimeoutError, match="no kubeconfig at"):
        await find_kubeconfig(tmp_path / "none", {}, "kube-proxy", within=0.2)
