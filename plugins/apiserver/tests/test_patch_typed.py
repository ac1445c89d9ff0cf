"""List items are named by their keys' canonical text, however that text is produced."""

from __future__ import annotations

import pytest
from microkube_apiserver.patch.schema import schema_for
from microkube_apiserver.patch.typed import _element

from microkube.jsonpatch.jsonvalue import canonical


@pytest.mark.parametrize("name", ["app", "ünïcode", 'quo"te', "back\\slash", 7])
def test_a_single_key_item_is_named_as_canonical_names_it(name):
    containers = schema_for("v1", "Pod").child("spec").child("containers")
    assert _element({"name": name, "image": "x"}, containers, ()) == (
        "k",
        canonical({"name": name}),
    )


def test_items_with_several_keys_are_named_by_all_of_them():
    ports = schema_for("v1", "Pod").child("spec").child("containers").element.child("ports")
    element = _element({"containerPort": 80, "protocol": "UDP"}, ports, ())
    assert element == ("k", canonical({"containerPort": 80, "protocol": "UDP"}))
