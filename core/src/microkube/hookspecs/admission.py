"""Admission plugins (entry-point group ``microkube.admission``)."""

from __future__ import annotations

from microkube.contracts.admission import AdmissionPlugin
from microkube.contracts.registration import Factory
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_admission_plugins() -> dict[str, Factory[AdmissionPlugin]]:
    """Register admission plugins: ``{name: factory}``.

    The API server builds the enabled ones — in the order its ``admission-plugins`` option
    names them, or all of them with ``trylast`` built-ins last, less
    ``disable-admission-plugins`` — and runs every
    :class:`~microkube.contracts.admission.MutatingAdmission` first, then every
    :class:`~microkube.contracts.admission.ValidatingAdmission`, on each write.
    """
