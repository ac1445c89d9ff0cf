"""The CNI conformance suite: ADD/DEL/CHECK/VERSION as the kubelet relies on them.

Subclass it and provide a ``cni`` fixture yielding the plugin. The ``new_context`` fixture
makes a fresh attachment (container id + network namespace); the default invents namespace
paths, which suits fakes; a plugin running real binaries overrides it to create (and later
delete) real namespaces::

    class TestBridge(CNIConformance):
        @pytest.fixture
        def cni(self, tmp_path):
            return ExecCNI(conflist=..., bin_dirs=["/usr/lib/cni"])

        @pytest.fixture
        def new_context(self, netns_factory):
            return lambda: CNIContext(container_id=uuid4().hex, netns=netns_factory())

Beyond the spec, microkube asks one thing: a repeated ADD of the same attachment returns the
first result (a wrapper of the real binaries answers it from its result cache, as libcni does).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable

import attrs
import pytest

from microkube.contracts.cni import CNIContext, CNIError, CNIPlugin

NewContext = Callable[[], CNIContext]


class CNIConformance:
    """Base class of a CNI plugin's conformance tests (see the module docstring)."""

    pytestmark = pytest.mark.asyncio

    @pytest.fixture
    def new_context(self) -> NewContext:
        def make() -> CNIContext:
            container_id = uuid.uuid4().hex
            return CNIContext(
                container_id=container_id,
                netns=f"/var/run/netns/cni-conformance-{container_id[:12]}",
                pod_namespace="conformance",
                pod_name=f"pod-{container_id[:8]}",
                pod_uid=str(uuid.uuid4()),
            )

        return make

    async def test_fulfils_protocol(self, cni: CNIPlugin) -> None:
        assert isinstance(cni, CNIPlugin)

    async def test_version_lists_spec_versions(self, cni: CNIPlugin) -> None:
        versions = await cni.version()
        assert versions and all(isinstance(v, str) for v in versions)
        for v in versions:
            assert len(v.split(".")) == 3 and all(p.isdigit() for p in v.split(".")), v

    async def test_add_returns_an_address_in_the_namespace(
        self, cni: CNIPlugin, new_context: NewContext
    ) -> None:
        ctx = new_context()
        try:
            result = await cni.add(ctx)
            assert result.cni_version in await cni.version()
            assert result.ips, "ADD must return at least one address"
            for address in result.ips:
                ipaddress.ip_interface(address.address)  # CIDR form
                assert "/" in address.address
                if address.interface is not None:
                    assert 0 <= address.interface < len(result.interfaces)
            ipaddress.ip_address(result.pod_ip())
            in_pod = [i for i in result.interfaces if i.sandbox == ctx.netns]
            assert [i.name for i in in_pod] == [ctx.ifname]
        finally:
            await cni.delete(ctx)

    async def test_attachments_get_distinct_addresses(
        self, cni: CNIPlugin, new_context: NewContext
    ) -> None:
        contexts = [new_context() for _ in range(3)]
        try:
            ips = [(await cni.add(ctx)).pod_ip() for ctx in contexts]
            assert len(set(ips)) == 3
        finally:
            for ctx in contexts:
                await cni.delete(ctx)

    async def test_repeated_add_returns_the_same_result(
        self, cni: CNIPlugin, new_context: NewContext
    ) -> None:
        ctx = new_context()
        try:
            first = await cni.add(ctx)
            again = await cni.add(ctx)
            assert again.pod_ip() == first.pod_ip()
        finally:
            await cni.delete(ctx)

    async def test_check_after_add_passes(self, cni: CNIPlugin, new_context: NewContext) -> None:
        ctx = new_context()
        try:
            await cni.add(ctx)
            await cni.check(ctx)
        finally:
            await cni.delete(ctx)

    async def test_check_unknown_container_fails_with_code_3(
        self, cni: CNIPlugin, new_context: NewContext
    ) -> None:
        with pytest.raises(CNIError) as info:
            await cni.check(new_context())
        assert info.value.code == 3

    async def test_delete_is_idempotent(self, cni: CNIPlugin, new_context: NewContext) -> None:
        ctx = new_context()
        await cni.add(ctx)
        await cni.delete(ctx)
        with pytest.raises(CNIError) as info:
            await cni.check(ctx)
        assert info.value.code == 3
        await cni.delete(ctx)

    async def test_delete_of_never_added_succeeds(
        self, cni: CNIPlugin, new_context: NewContext
    ) -> None:
        await cni.delete(new_context())

    async def test_add_after_delete_attaches_again(
        self, cni: CNIPlugin, new_context: NewContext
    ) -> None:
        ctx = new_context()
        await cni.add(ctx)
        await cni.delete(ctx)
        try:
            result = await cni.add(ctx)
            ipaddress.ip_address(result.pod_ip())
            await cni.check(ctx)
        finally:
            await cni.delete(ctx)

    async def test_add_without_container_id_fails_with_code_4(
        self, cni: CNIPlugin, new_context: NewContext
    ) -> None:
        ctx = attrs.evolve(new_context(), container_id="")
        with pytest.raises(CNIError) as info:
            await cni.add(ctx)
        assert info.value.code == 4
