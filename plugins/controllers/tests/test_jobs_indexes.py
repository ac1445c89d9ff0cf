"""Completion indexes and their compressed text form."""

from __future__ import annotations

from microkube_controllers.jobs.indexes import completion_index, format_indexes, parse_indexes


def test_format_compresses_runs_into_intervals():
    assert format_indexes([7, 0, 3, 2, 4]) == "0,2-4,7"
    assert format_indexes([]) == ""
    assert format_indexes([5]) == "5"


def test_parse_reads_intervals_below_the_limit():
    assert parse_indexes("0,2-4,7", 10) == {0, 2, 3, 4, 7}
    assert parse_indexes("0,2-4,7", 4) == {0, 2, 3}
    assert parse_indexes("", 3) == set()
    assert parse_indexes("1,x-2,3", 5) == {1, 3}


def test_completion_index_comes_from_the_annotation():
    annotated = {"metadata": {"annotations": {"batch.kubernetes.io/job-completion-index": "4"}}}
    assert completion_index(annotated) == 4
    assert completion_index({"metadata": {}}) is None
    bad = {"metadata": {"annotations": {"batch.kubernetes.io/job-completion-index": "-1"}}}
    assert completion_index(bad) is None
