"""microkube.testing's thin, lazy public surface."""

from __future__ import annotations

import subprocess
import sys

import pytest

import microkube.testing
import microkube.testing.conformance
import microkube.testing.fakes
from microkube.contracts.cloud import CloudProvider
from microkube.contracts.cni import CNIPlugin
from microkube.contracts.proxy import ServiceProxy
from microkube.contracts.runtime import ContainerRuntime, ExecSession
from microkube.contracts.storage import Storage, Watch


@pytest.mark.parametrize(
    "package", [microkube.testing, microkube.testing.fakes, microkube.testing.conformance]
)
def test_every_export_resolves(package: object) -> None:
    for name in package.__all__:  # type: ignore[attr-defined]
        assert getattr(package, name) is not None, name
    assert sorted(dir(package)) == sorted(package.__all__)  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        package.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


async def test_fakes_fulfil_their_protocols() -> None:
    from microkube.testing import FakeCloud, FakeCNI, FakeRuntime, FakeServiceProxy, FakeStorage
    from microkube.testing.fakes import FakeExecSession

    storage = FakeStorage()
    assert isinstance(storage, Storage)
    assert isinstance(storage.watch("/", start_revision=0), Watch)
    assert isinstance(FakeRuntime(), ContainerRuntime)
    assert isinstance(FakeExecSession(["true"], stdin=False, tty=False), ExecSession)
    assert isinstance(FakeCNI(), CNIPlugin)
    assert isinstance(FakeServiceProxy(), ServiceProxy)
    assert isinstance(FakeCloud(), CloudProvider)


def test_importing_the_kit_loads_nothing_else() -> None:
    code = (
        "import sys, microkube.testing; "
        "print(sorted(m for m in sys.modules if m.startswith('microkube.testing')), "
        "'pytest' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['microkube.testing'] False"


def test_a_fake_imports_only_its_module() -> None:
    code = (
        "import sys; from microkube.testing import FakeStorage; "
        "print(sorted(m for m in sys.modules if m.startswith('microkube.testing.')), "
        "'pytest' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "['microkube.testing.fakes', 'microkube.testing.fakes.storage', "
        "'microkube.testing.recording'] False"
    )
