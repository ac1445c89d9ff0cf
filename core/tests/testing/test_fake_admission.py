"""The admission fakes: the admission conformance suite run on each, and their details."""

from __future__ import annotations

from typing import Any

import pytest

from microkube.contracts.admission import (
    AdmissionDenied,
    AdmissionRequest,
    Cause,
    GroupVersionResource,
    Operation,
)
from microkube.testing.conformance.admission import AdmissionConformance, MakeRequest
from microkube.testing.fakes.admission import LabelingAdmission, RejectingAdmission

PODS = GroupVersionResource(group="", version="v1", resource="pods")


def request(
    kind: str = "Pod", operation: Operation = Operation.CREATE, **labels: str
) -> AdmissionRequest:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {"name": "web", "namespace": "default"},
    }
    if labels:
        obj["metadata"]["labels"] = dict(labels)
    return AdmissionRequest(
        operation=operation, resource=PODS, kind=kind, namespace="default", name="web", object=obj
    )


class TestLabelingConformance(AdmissionConformance):
    @pytest.fixture
    def plugin(self) -> LabelingAdmission:
        return LabelingAdmission({"team": "core"}, kinds={"Pod"})

    @pytest.fixture
    def make_request(self) -> MakeRequest:
        return lambda: request(app="web")

    @pytest.fixture
    def make_ignored_request(self) -> MakeRequest:
        return lambda: request(kind="ConfigMap")


class TestRejectingConformance(AdmissionConformance):
    @pytest.fixture
    def plugin(self) -> RejectingAdmission:
        return RejectingAdmission(
            kinds={"Pod"},
            predicate=lambda r: (r.object or {}).get("metadata", {}).get("labels") is None,
            message="pods need labels",
            field="metadata.labels",
        )

    @pytest.fixture
    def make_request(self) -> MakeRequest:
        return lambda: request(app="web")

    @pytest.fixture
    def make_denied_request(self) -> MakeRequest:
        return lambda: request()

    @pytest.fixture
    def make_ignored_request(self) -> MakeRequest:
        return lambda: request(kind="Secret")


async def test_labeler_merges_labels_and_skips_deletes() -> None:
    plugin = LabelingAdmission({"team": "core"})
    req = request(app="web")
    await plugin.admit(req)
    assert req.object is not None
    assert req.object["metadata"]["labels"] == {"app": "web", "team": "core"}
    assert not plugin.handles(request(operation=Operation.DELETE))
    assert [c.method for c in plugin.calls] == ["admit"]


async def test_rejecter_without_field_is_forbidden() -> None:
    plugin = RejectingAdmission(message="no")
    with pytest.raises(AdmissionDenied) as info:
        await plugin.validate(request())
    assert (info.value.code, info.value.reason, info.value.causes) == (403, "Forbidden", ())


async def test_rejecter_with_field_is_invalid() -> None:
    plugin = RejectingAdmission(message="bad", field="spec.x")
    with pytest.raises(AdmissionDenied) as info:
        await plugin.validate(request())
    assert (info.value.code, info.value.reason) == (422, "Invalid")
    assert info.value.causes == (Cause(field="spec.x", message="bad"),)


def test_admission_denied_keeps_explicit_code_and_reason() -> None:
    denied = AdmissionDenied("quota", code=429, reason="TooManyRequests")
    assert (denied.code, denied.reason, denied.message, str(denied)) == (
        429,
        "TooManyRequests",
        "quota",
        "quota",
    )
