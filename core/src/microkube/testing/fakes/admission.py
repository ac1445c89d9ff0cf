"""Small configurable admission plugins: one that labels, one that rejects."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from microkube.contracts.admission import AdmissionDenied, AdmissionRequest, Cause, Operation
from microkube.testing.recording import Recorded, recorded

WRITES = frozenset({Operation.CREATE, Operation.UPDATE})


class LabelingAdmission(Recorded):
    """A mutating plugin adding ``labels`` to objects of ``kinds`` (all kinds when empty) on
    CREATE and UPDATE. Idempotent, as reinvoked mutating plugins must be."""

    def __init__(
        self,
        labels: Mapping[str, str],
        *,
        kinds: frozenset[str] | set[str] = frozenset(),
        name: str = "fake-labeler",
    ) -> None:
        self._name = name
        self.labels = dict(labels)
        self.kinds = frozenset(kinds)

    @property
    def name(self) -> str:
        return self._name

    def handles(self, request: AdmissionRequest) -> bool:
        return (
            request.operation in WRITES
            and request.object is not None
            and (not self.kinds or request.kind in self.kinds)
        )

    @recorded
    async def admit(self, request: AdmissionRequest) -> None:
        if request.object is None:
            return
        metadata = request.object.setdefault("metadata", {})
        labels = metadata.get("labels") or {}
        labels.update(self.labels)
        metadata["labels"] = labels


class RejectingAdmission(Recorded):
    """A validating plugin rejecting the requests ``predicate`` selects (by default every
    request for one of ``kinds``), with ``message`` and, when ``field`` is given, a cause
    naming it (which makes the answer 422 Invalid instead of 403 Forbidden)."""

    def __init__(
        self,
        *,
        kinds: frozenset[str] | set[str] = frozenset(),
        predicate: Callable[[AdmissionRequest], bool] | None = None,
        message: str = "rejected by policy",
        field: str = "",
        name: str = "fake-rejecter",
    ) -> None:
        self._name = name
        self.kinds = frozenset(kinds)
        self.predicate = predicate
        self.message = message
        self.field = field

    @property
    def name(self) -> str:
        return self._name

    def handles(self, request: AdmissionRequest) -> bool:
        return not self.kinds or request.kind in self.kinds

    @recorded
    async def validate(self, request: AdmissionRequest) -> None:
        if self.predicate is not None and not self.predicate(request):
            return
        causes = (Cause(field=self.field, message=self.message),) if self.field else ()
        raise AdmissionDenied(f"{self._name}: {self.message}", causes=causes)
