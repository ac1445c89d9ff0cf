"""The kind registry, and that importing the package stays cheap."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import attrs
import pytest

from microkube.api import kind_for
from microkube.api.registry import GROUP_VERSIONS, all_kinds, kinds_of


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("v1", "Pod"),
        ("v1", "PodList"),
        ("v1", "Status"),
        ("v1", "Node"),
        ("v1", "Event"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "ReplicaSet"),
        ("apps/v1", "DaemonSet"),
        ("batch/v1", "Job"),
        ("coordination.k8s.io/v1", "Lease"),
        ("discovery.k8s.io/v1", "EndpointSlice"),
        ("events.k8s.io/v1", "Event"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("policy/v1", "Eviction"),
    ],
)
def test_kind_for_finds_the_model(api_version: str, kind: str) -> None:
    cls = kind_for(api_version, kind)
    fields = attrs.fields_dict(cls)
    assert (fields["api_version"].default, fields["kind"].default) == (api_version, kind)


def test_unknown_kinds_are_lookup_errors() -> None:
    with pytest.raises(LookupError, match=r"'Deployment'.*'v1'"):
        kind_for("v1", "Deployment")
    with pytest.raises(LookupError, match="nope/v9"):
        kind_for("nope/v9", "Pod")
    assert kinds_of("nope/v9") == {}


def test_every_module_registers_only_its_own_group_version() -> None:
    for api_version, modules in GROUP_VERSIONS.items():
        for name in modules:
            module = importlib.import_module(name)
            assert module.KINDS, name
            for cls in module.KINDS:
                assert attrs.fields_dict(cls)["api_version"].default == api_version, cls
    kinds = all_kinds()
    assert len(kinds) == sum(
        len(importlib.import_module(m).KINDS) for ms in GROUP_VERSIONS.values() for m in ms
    )


def _fresh_python(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_importing_the_package_loads_no_kind_modules() -> None:
    loaded = _fresh_python(
        "import json, sys, microkube.api; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('microkube.api.'))))"
    )
    assert not [m for m in loaded if "core_v1" in m or m.endswith(("apps_v1", "rbac_v1"))]


def test_import_microkube_does_not_import_the_api() -> None:
    loaded = _fresh_python(
        "import json, sys, microkube; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('microkube'))))"
    )
    assert "microkube.api" not in loaded
