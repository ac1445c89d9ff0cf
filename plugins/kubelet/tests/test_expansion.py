"""``$(VAR)`` expansion, against the cases of Kubernetes' expansion package."""

from __future__ import annotations

import pytest
from microkube_kubelet.expansion import expand, mapping_func

LOOKUP = mapping_func({"VAR_A": "A", "VAR_B": "B", "VAR_C": "C", "VAR_EMPTY": ""})


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("$(VAR_A)", "A"),
        ("___$(VAR_B)___", "___B___"),
        ("$(VAR_A)-$(VAR_B)-$(VAR_C)", "A-B-C"),
        ("$(VAR_DNE)", "$(VAR_DNE)"),
        ("$$(VAR_A)", "$(VAR_A)"),
        ("$$$(VAR_A)", "$A"),
        ("$$$$(VAR_A)", "$$(VAR_A)"),
        ("$(VAR_EMPTY)x", "x"),
        ("$(VAR_A", "$(VAR_A"),
        ("$VAR_A", "$VAR_A"),
        ("foo$", "foo$"),
        ("$()", "$()"),
        ("no vars", "no vars"),
    ],
)
def test_expand(text: str, want: str) -> None:
    assert expand(text, LOOKUP) == want


def test_earlier_contexts_win():
    lookup = mapping_func({"X": "first"}, {"X": "second", "Y": "y"})
    assert expand("$(X) $(Y)", lookup) == "first y"
