"""Defaulting: Kubernetes' per-kind defaults on every create and update (pods, workloads and
their pod templates, services, jobs, ...; see :mod:`.defaults`). Kubernetes applies them while
decoding; here they are a mutating admission plugin, run before allocation and validation."""

from __future__ import annotations

from microkube.contracts.admission import AdmissionRequest, Operation
from microkube_apiserver.admission.defaults import DEFAULTERS
from microkube_apiserver.admission.defaults.batch import generate_job_selector

__all__ = ["Defaulting"]


class Defaulting:
    name = "Defaulting"

    def handles(self, request: AdmissionRequest) -> bool:
        return (
            request.operation in (Operation.CREATE, Operation.UPDATE)
            and request.object is not None
            and not request.subresource
            and (request.resource.group, request.kind) in DEFAULTERS
        )

    async def admit(self, request: AdmissionRequest) -> None:
        obj = request.object
        if obj is None:
            return
        key = (request.resource.group, request.kind)
        if key == ("batch", "Job") and request.operation is Operation.CREATE:
            generate_job_selector(obj)
        DEFAULTERS[key](obj)
