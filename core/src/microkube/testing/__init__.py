"""The public kit for plugin authors: fakes, conformance suites, pytest fixtures.

- **Fakes** (``microkube.testing.fakes``): a working in-memory implementation of each contract
  (storage, runtime, CNI, service proxy, cloud, admission, auth, scheduler snapshot), each
  recording its calls (``fake.calls``, ``fake.calls_to("create")``) and taking injected
  failures (``fake.fail("create", StorageError("disk full"))``) and delays.
- **Conformance suites** (``microkube.testing.conformance``): one base class per contract; a
  backend's test module subclasses it and provides the object under test as a fixture.
- **Fixtures** (``microkube.testing.pytest_plugin``, loaded automatically): ``fake_storage``,
  ``fake_runtime``, ``fake_cni``, ``fake_proxy``, ``fake_cloud``, ``fake_apiserver``,
  ``microkube_registry``.
- ``build_oci_archive``: a small OCI image archive, for runtimes without a registry.
- ``microkube.testing.netns.NetNamespace`` (a network namespace held by a process, nothing
  left behind) and ``microkube.testing.proxy_probe.TrafficProbe`` (echo servers in it, and
  where real connections to a Service address go), for network plugins;
  ``microkube.testing.node_network.NodeNetwork`` joins such a node to an outside client, so
  node ports and external IPs are probed as external traffic.

Everything here is imported lazily: ``from microkube.testing import FakeStorage`` loads only
the storage fake. The conformance suites import pytest.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Call": "microkube.testing.recording",
    "Recorded": "microkube.testing.recording",
    "Recorder": "microkube.testing.recording",
    "recorded": "microkube.testing.recording",
    "build_oci_archive": "microkube.testing.oci",
    "FakeApiServer": "microkube.testing.fake_apiserver",
    "FakeStorage": "microkube.testing.fakes.storage",
    "FakeRuntime": "microkube.testing.fakes.runtime",
    "ContainerBehaviour": "microkube.testing.fakes.runtime",
    "FakeCNI": "microkube.testing.fakes.cni",
    "FakeServiceProxy": "microkube.testing.fakes.proxy",
    "resolve_endpoints": "microkube.testing.fakes.proxy",
    "FakeCloud": "microkube.testing.fakes.cloud",
    "LabelingAdmission": "microkube.testing.fakes.admission",
    "RejectingAdmission": "microkube.testing.fakes.admission",
    "StaticTokenAuthenticator": "microkube.testing.fakes.auth",
    "ListAuthorizer": "microkube.testing.fakes.auth",
    "Rule": "microkube.testing.fakes.auth",
    "FakeNodeInfo": "microkube.testing.fakes.scheduling",
    "FakeFrameworkHandle": "microkube.testing.fakes.scheduling",
    "StorageConformance": "microkube.testing.conformance.storage",
    "RuntimeConformance": "microkube.testing.conformance.runtime",
    "CNIConformance": "microkube.testing.conformance.cni",
    "ServiceProxyConformance": "microkube.testing.conformance.proxy",
    "CloudConformance": "microkube.testing.conformance.cloud",
    "AdmissionConformance": "microkube.testing.conformance.admission",
    "SchedulingPluginConformance": "microkube.testing.conformance.scheduling",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
