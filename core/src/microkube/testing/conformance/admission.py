"""The admission plugin conformance suite: handles(), admit(), validate() and denials.

Subclass it and provide two fixtures: ``plugin`` (the plugin under test) and ``make_request``
(a callable returning a *fresh* :class:`AdmissionRequest` the plugin handles and admits).
Optionally provide ``make_denied_request`` (a request the plugin must reject) and
``make_ignored_request`` (one its ``handles()`` declines); left at None, those tests skip::

    class TestDefaultStorageClass(AdmissionConformance):
        @pytest.fixture
        def plugin(self):
            return DefaultStorageClass()

        @pytest.fixture
        def make_request(self):
            return lambda: pvc_request(storage_class=None)
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from microkube.contracts.admission import (
    AdmissionDenied,
    AdmissionPlugin,
    AdmissionRequest,
    Cause,
    MutatingAdmission,
    ValidatingAdmission,
)

MakeRequest = Callable[[], AdmissionRequest]


async def run_plugin(plugin: AdmissionPlugin, request: AdmissionRequest) -> None:
    """What the API server does with one plugin: mutate (if it can), then validate."""
    if isinstance(plugin, MutatingAdmission):
        await plugin.admit(request)
    if isinstance(plugin, ValidatingAdmission):
        await plugin.validate(request)


class AdmissionConformance:
    """Base class of an admission plugin's conformance tests (see the module docstring)."""

    pytestmark = pytest.mark.asyncio

    @pytest.fixture
    def make_denied_request(self) -> MakeRequest | None:
        return None

    @pytest.fixture
    def make_ignored_request(self) -> MakeRequest | None:
        return None

    async def test_has_a_stable_name(self, plugin: AdmissionPlugin) -> None:
        assert isinstance(plugin, AdmissionPlugin)
        assert isinstance(plugin.name, str) and plugin.name
        assert plugin.name == plugin.name

    async def test_is_mutating_or_validating(self, plugin: AdmissionPlugin) -> None:
        assert isinstance(plugin, MutatingAdmission | ValidatingAdmission)

    async def test_handles_its_request_without_touching_it(
        self, plugin: AdmissionPlugin, make_request: MakeRequest
    ) -> None:
        request = make_request()
        before = copy.deepcopy(request.object)
        assert plugin.handles(request) is True
        assert request.object == before

    async def test_declines_what_it_does_not_handle(
        self, plugin: AdmissionPlugin, make_ignored_request: MakeRequest | None
    ) -> None:
        if make_ignored_request is None:
            pytest.skip("no make_ignored_request fixture")
        assert plugin.handles(make_ignored_request()) is False

    async def test_admits_its_request(
        self, plugin: AdmissionPlugin, make_request: MakeRequest
    ) -> None:
        request = make_request()
        identity = _identity(request)
        await run_plugin(plugin, request)
        assert _identity(request) == identity, "admission must not change what the object is"
        assert all(isinstance(w, str) for w in request.warnings)

    async def test_mutation_is_idempotent(
        self, plugin: AdmissionPlugin, make_request: MakeRequest
    ) -> None:
        if not isinstance(plugin, MutatingAdmission):
            pytest.skip("not a mutating plugin")
        once = make_request()
        await plugin.admit(once)
        twice = make_request()
        await plugin.admit(twice)
        await plugin.admit(twice)
        assert twice.object == once.object, "reinvoked mutating plugins must be idempotent"

    async def test_dry_run_mutates_alike(
        self, plugin: AdmissionPlugin, make_request: MakeRequest
    ) -> None:
        if not isinstance(plugin, MutatingAdmission):
            pytest.skip("not a mutating plugin")
        real = make_request()
        await plugin.admit(real)
        dry = make_request()
        dry.dry_run = True
        await plugin.admit(dry)
        assert dry.object == real.object

    async def test_validation_does_not_mutate(
        self, plugin: AdmissionPlugin, make_request: MakeRequest
    ) -> None:
        if not isinstance(plugin, ValidatingAdmission):
            pytest.skip("not a validating plugin")
        request = make_request()
        before = copy.deepcopy((request.object, request.old_object))
        await plugin.validate(request)
        assert (request.object, request.old_object) == before

    async def test_denial_is_an_admission_denied(
        self, plugin: AdmissionPlugin, make_denied_request: MakeRequest | None
    ) -> None:
        if make_denied_request is None:
            pytest.skip("no make_denied_request fixture")
        request = make_denied_request()
        assert plugin.handles(request) is True
        with pytest.raises(AdmissionDenied) as info:
            await run_plugin(plugin, request)
        denied = info.value
        assert denied.message and str(denied) == denied.message
        assert 400 <= denied.code < 600 and denied.reason
        assert isinstance(denied.causes, tuple)
        for cause in denied.causes:
            assert isinstance(cause, Cause) and cause.field and cause.message


def _identity(request: AdmissionRequest) -> tuple[object, ...]:
    obj = request.object or {}
    metadata = obj.get("metadata") or {}
    return (
        obj.get("apiVersion"),
        obj.get("kind"),
        metadata.get("name") or metadata.get("generateName"),
        metadata.get("namespace"),
    )
