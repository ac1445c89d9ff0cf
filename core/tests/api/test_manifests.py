"""Every manifest under tests/manifests/ survives from_dict -> to_dict unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from microkube.api import Quantity, from_dict, to_dict

MANIFESTS = Path(__file__).resolve().parents[3] / "tests" / "manifests"


def _documents() -> list[Any]:
    params = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        with path.open() as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        for index, doc in enumerate(docs):
            label = f"{path.name}#{index}:{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            params.append(pytest.param(doc, id=label))
    return params


def normalise(data: Any) -> Any:
    return json.loads(json.dumps(data, sort_keys=True))


def test_there_are_manifests_of_the_core_kinds() -> None:
    kinds = {doc.values[0]["kind"] for doc in _documents()}
    assert {"Pod", "Node", "Service", "Endpoints", "ConfigMap", "Secret", "ServiceAccount",
            "Namespace", "Event", "PersistentVolumeClaim"} <= kinds  # fmt: skip
    assert len(list(MANIFESTS.glob("core-*.yaml"))) >= 9


@pytest.mark.parametrize("document", _documents())
def test_round_trip(document: dict[str, Any]) -> None:
    obj = from_dict(document)
    assert type(obj).__name__ == document["kind"]
    out = to_dict(obj)
    assert normalise(out) == normalise(document)
    assert from_dict(json.loads(json.dumps(out))) == obj


def _quantities(data: Any) -> list[str]:
    """Every value under a resources/capacity-like map, to check manifests are canonical."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in {"requests", "limits", "capacity", "allocatable", "overhead"} and isinstance(
                value, dict
            ):
                found.extend(v for v in value.values() if isinstance(v, str))
            else:
                found.extend(_quantities(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_quantities(item))
    return found


@pytest.mark.parametrize("document", _documents())
def test_manifest_quantities_are_canonical(document: dict[str, Any]) -> None:
    for text in _quantities(document):
        assert Quantity(text).canonical() == text
