"""Success policies of Indexed Jobs."""

from __future__ import annotations

from microkube_controllers.jobs.success_policy import match_success_policy


def test_indexes_rule_needs_all_of_them_unless_a_count_is_given():
    policy = {"rules": [{"succeededIndexes": "0-2"}]}
    assert match_success_policy(policy, 10, {0, 1}) is None
    assert match_success_policy(policy, 10, {0, 1, 2}) == "Matched rules at index 0"
    counted = {"rules": [{"succeededIndexes": "0-4", "succeededCount": 2}]}
    assert match_success_policy(counted, 10, {3, 7}) is None
    assert match_success_policy(counted, 10, {3, 4, 7}) == "Matched rules at index 0"


def test_count_rule_and_rule_order():
    policy = {"rules": [{"succeededIndexes": "9"}, {"succeededCount": 3}]}
    assert match_success_policy(policy, 10, {0, 1, 2}) == "Matched rules at index 1"
    assert match_success_policy(policy, 10, {9}) == "Matched rules at index 0"
    assert match_success_policy(None, 10, {0}) is None
    assert match_success_policy(policy, 10, set()) is None
