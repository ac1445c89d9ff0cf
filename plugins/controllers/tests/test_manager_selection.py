"""``--controllers`` selection, as kube-controller-manager parses it."""

from __future__ import annotations

import pytest
from microkube_controllers.manager.selection import ControllerSelectionError, select_controllers

KNOWN = ["deployment", "job", "replicaset", "tokencleaner"]


def test_star_enables_every_default_on_controller():
    assert select_controllers("*", KNOWN, ["tokencleaner"]) == ["deployment", "job", "replicaset"]


def test_minus_disables_and_names_enable_off_by_default_ones():
    assert select_controllers("*,-job", KNOWN) == ["deployment", "replicaset", "tokencleaner"]
    assert select_controllers("*,tokencleaner", KNOWN, ["tokencleaner"]) == KNOWN
    assert select_controllers("-job,*", KNOWN) == ["deployment", "replicaset", "tokencleaner"]


def test_without_star_only_the_named_run():
    assert select_controllers("replicaset,deployment", KNOWN) == ["deployment", "replicaset"]
    assert select_controllers("-job", KNOWN) == []


def test_unknown_names_and_malformed_lists_are_refused():
    with pytest.raises(ControllerSelectionError, match="'jobs' is not in the list of known"):
        select_controllers("*,-jobs", KNOWN)
    with pytest.raises(ControllerSelectionError, match="comma-separated"):
        select_controllers("*,,job", KNOWN)
    with pytest.raises(ControllerSelectionError, match="comma-separated"):
        select_controllers("", KNOWN)
