"""The pytest plugin, in fresh pytest sessions (pytester): fixtures, registry, suites."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

ARGS = ("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")


def test_fake_fixtures_work_in_strict_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import pytest

            from microkube.contracts.cloud import CloudProvider
            from microkube.contracts.cni import CNIContext, CNIPlugin
            from microkube.contracts.proxy import ServiceProxy
            from microkube.contracts.runtime import ContainerRuntime
            from microkube.contracts.storage import Storage


            @pytest.mark.asyncio
            async def test_storage(fake_storage):
                assert isinstance(fake_storage, Storage)
                rev = await fake_storage.create("/k", b"v")
                assert (await fake_storage.get("/k")).mod_revision == rev


            @pytest.mark.asyncio
            async def test_runtime(fake_runtime):
                assert isinstance(fake_runtime, ContainerRuntime)
                assert (await fake_runtime.version()).runtime_name == "fake"


            @pytest.mark.asyncio
            async def test_cni(fake_cni):
                assert isinstance(fake_cni, CNIPlugin)
                result = await fake_cni.add(CNIContext(container_id="c1", netns="/run/netns/x"))
                assert result.pod_ip().startswith("10.244.0.")


            @pytest.mark.asyncio
            async def test_proxy_and_cloud(fake_proxy, fake_cloud):
                assert isinstance(fake_proxy, ServiceProxy) and fake_proxy.started
                assert isinstance(fake_cloud, CloudProvider) and fake_cloud.started


            @pytest.mark.asyncio
            async def test_apiserver(fake_apiserver):
                assert fake_apiserver.url.startswith("http://127.0.0.1:")
                reader, writer = await __import__("asyncio").open_connection(
                    "127.0.0.1", fake_apiserver.port
                )
                writer.write(b"GET /version HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                status = await reader.readline()
                writer.close()
                assert status.startswith(b"HTTP/1.1 200")
            """
        )
    )
    result = pytester.runpytest(*ARGS, "-o", "asyncio_mode=strict")
    result.assert_outcomes(passed=5)


def test_microkube_registry_holds_only_the_given_plugins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            from microkube import hookimpl


            class MemoryPlugin:
                @hookimpl
                def microkube_storage_backends(self):
                    return {"memory-test": lambda ctx: None}


            def test_registry(microkube_registry):
                registry = microkube_registry(("mine", MemoryPlugin()))
                assert [p.name for p in registry.plugins] == ["mine"]
                table = registry.registrations("microkube_storage_backends")
                assert list(table) == ["memory-test"]
                assert registry.registrations("microkube_commands") == {}


            def test_builtins_on_request(microkube_registry):
                registry = microkube_registry(builtins=True)
                assert registry.registrations("microkube_commands")
            """
        )
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=2)


def test_a_third_party_suite_subclass_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import pytest_asyncio

            from microkube.testing import FakeStorage, StorageConformance


            class TestMine(StorageConformance):
                @pytest_asyncio.fixture
                async def storage(self):
                    backend = FakeStorage()
                    await backend.start()
                    yield backend
                    await backend.close()

                async def let_time_pass(self, storage, seconds):
                    storage.advance_time(seconds)
            """
        )
    )
    result = pytester.runpytest(*ARGS, "-o", "asyncio_mode=strict", "-q")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 45 and "failed" not in outcomes, result.stdout.str()


def test_loading_the_plugin_imports_no_fake() -> None:
    code = (
        "import sys, microkube.testing.pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.startswith('microkube.testing.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['microkube.testing.pytest_plugin']"
