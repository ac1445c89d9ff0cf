"""The suites fail real bugs: each is run on a fake with one bug planted (pytester), and
exactly the tests that should notice fail."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

MUTANTS = '''
import pytest
import pytest_asyncio

from microkube.contracts.cni import CNIError
from microkube.contracts.runtime import NotFoundError
from microkube.contracts.scheduling import SUCCESS
from microkube.contracts.storage import WatchEvent
from microkube.testing import (
    AdmissionConformance,
    CloudConformance,
    CNIConformance,
    FakeCloud,
    FakeCNI,
    FakeNodeInfo,
    FakeRuntime,
    FakeServiceProxy,
    FakeStorage,
    LabelingAdmission,
    RuntimeConformance,
    SchedulingPluginConformance,
    ServiceProxyConformance,
    StorageConformance,
)
from microkube.testing.fakes.cloud import FakeLoadBalancers
from microkube.contracts.admission import AdmissionRequest, GroupVersionResource, Operation


class StorageMutant(StorageConformance):
    kind = FakeStorage
    timeout = 0.3  # the fake answers at once; a missing event needs no long wait

    @pytest_asyncio.fixture
    async def storage(self):
        backend = self.kind()
        await backend.start()
        yield backend
        await backend.close()

    async def let_time_pass(self, storage, seconds):
        storage.advance_time(seconds)


class LeakyPrefix(FakeStorage):
    def watch(self, prefix, *, start_revision):
        return super().watch(prefix.rstrip("/"), start_revision=start_revision)


class BlindUpdate(FakeStorage):
    async def update(self, key, value, *, expected_revision):
        return await super().update(key, value, expected_revision=0)


class NoPrevKV(FakeStorage):
    def _deletion(self, current, rev):
        key, kv, event = super()._deletion(current, rev)
        return key, kv, WatchEvent(type=event.type, kv=event.kv)


class NoCompaction(FakeStorage):
    async def compact(self, revision):
        return None


class LeaseIgnored(FakeStorage):
    async def create(self, key, value, *, lease=0):
        return await super().create(key, value)


class TestLeakyPrefix(StorageMutant):
    kind = LeakyPrefix


class TestBlindUpdate(StorageMutant):
    kind = BlindUpdate


class TestNoPrevKV(StorageMutant):
    kind = NoPrevKV


class TestNoCompaction(StorageMutant):
    kind = NoCompaction


class TestLeaseIgnored(StorageMutant):
    kind = LeaseIgnored


class StickyRemove(FakeRuntime):
    async def remove_container(self, container_id):
        if container_id not in self.container_ids():
            raise NotFoundError(container_id)
        await super().remove_container(container_id)


class TestStickyRemove(RuntimeConformance):
    runs_processes = False  # the fake simulates containers

    @pytest_asyncio.fixture
    async def runtime(self):
        yield StickyRemove()


class NoFallbackProxy(FakeServiceProxy):
    def resolve(self, address, port, protocol="TCP"):
        return tuple(e for e in super().resolve(address, port, protocol) if e.ready)


class TestNoFallbackProxy(ServiceProxyConformance):
    @pytest.fixture
    def proxy(self):
        return NoFallbackProxy(self.node_name)

    async def resolve(self, proxy, address, port, protocol):
        return {(e.ip, e.port) for e in proxy.resolve(address, port, protocol)}


class StrictAdd(FakeCNI):
    async def add(self, ctx):
        if self.ip_of(ctx.container_id, ctx.ifname):
            raise CNIError(100, "already attached")
        return await super().add(ctx)


class TestStrictAdd(CNIConformance):
    @pytest.fixture
    def cni(self):
        return StrictAdd()


class GreedyScore:
    name = "Greedy"

    def __init__(self, args, handle):
        pass

    def score(self, state, pod, node_info):
        return 150, SUCCESS


class TestGreedyScore(SchedulingPluginConformance):
    @pytest.fixture
    def plugin_factory(self):
        return GreedyScore

    @pytest.fixture
    def node_infos(self):
        return [FakeNodeInfo(node={"metadata": {"name": "a"}})]

    @pytest.fixture
    def pods(self):
        return [{"metadata": {"name": "p"}}]


class Appender(LabelingAdmission):
    async def admit(self, request):
        request.object.setdefault("spec", {}).setdefault("tags", []).append("seen")


class TestAppender(AdmissionConformance):
    @pytest.fixture
    def plugin(self):
        return Appender({})

    @pytest.fixture
    def make_request(self):
        return lambda: AdmissionRequest(
            operation=Operation.CREATE,
            resource=GroupVersionResource(group="", version="v1", resource="pods"),
            kind="Pod",
            namespace="default",
            name="p",
            object={"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}},
        )


class Reallocating(FakeLoadBalancers):
    async def ensure_load_balancer(self, cluster_name, service, nodes):
        await self.ensure_load_balancer_deleted(cluster_name, service)
        return await super().ensure_load_balancer(cluster_name, service, nodes)


class Forgetful(FakeCloud):
    """Re-creates the balancer on every ensure and never reuses an IP."""

    def __init__(self):
        super().__init__(instances=False, routes=False)
        self._load_balancers = Reallocating(self)
        self._issued = 0

    def allocate_ip(self):
        self._issued += 1
        return f"192.0.2.{self._issued}"


class TestForgetful(CloudConformance):
    @pytest.fixture
    def cloud(self):
        return Forgetful()
'''

EXPECTED_FAILURES = {
    "TestLeakyPrefix::test_watch_prefix_isolation",
    "TestBlindUpdate::test_update_with_stale_revision_fails",
    "TestBlindUpdate::test_concurrent_cas_updates_lose_nothing",
    "TestNoPrevKV::test_delete_event_carries_prev_kv",
    "TestNoPrevKV::test_revoke_deletes_leased_keys_with_events",
    "TestNoCompaction::test_compacted_reads_fail",
    "TestNoCompaction::test_watch_from_compacted_revision_fails",
    "TestNoCompaction::test_compact_future_revision_fails",
    "TestLeaseIgnored::test_leased_key_records_lease",
    "TestLeaseIgnored::test_create_with_unknown_lease_fails",
    "TestLeaseIgnored::test_revoke_deletes_leased_keys_with_events",
    "TestLeaseIgnored::test_lease_expiry_deletes_keys_with_events",
    "TestStickyRemove::test_remove_container_is_idempotent",
    "TestNoFallbackProxy::test_terminating_serving_endpoints_are_a_fallback",
    "TestStrictAdd::test_repeated_add_returns_the_same_result",
    "TestGreedyScore::test_scores_are_in_range_after_normalize",
    "TestAppender::test_mutation_is_idempotent",
    "TestForgetful::test_load_balancer_lifecycle",
}


def test_each_planted_bug_fails_exactly_the_tests_that_cover_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_mutants=textwrap.dedent(MUTANTS))
    recorder = pytester.inline_run(
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_mode=auto",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    )
    passed, _, failed = recorder.listoutcomes()
    names = {r.nodeid.split("::", 1)[1] for r in failed}
    assert names == EXPECTED_FAILURES
    assert len(passed) > 150
