"""The FitError message, character for character as kube-scheduler writes it."""

from __future__ import annotations

from microkube_scheduler.fit_error import FitError, fit_message

from microkube.contracts.scheduling import Status


def test_reasons_are_counted_and_sorted():
    taint = Status.unschedulable("node(s) had untolerated taint {k: v}", plugin="TaintToleration")
    statuses = {
        "a": Status.unschedulable("Insufficient cpu", "Insufficient memory", plugin="Fit"),
        "b": taint,
        "c": taint,
    }
    assert fit_message(3, statuses) == (
        "0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, "
        "2 node(s) had untolerated taint {k: v}."
    )


def test_prefilter_message_replaces_the_histogram_and_postfilter_is_appended():
    error = FitError(2, {"a": Status.unschedulable("x")}, "no way")
    error.post_filter_message = "preemption: 0/2 nodes are available: 2 nope."
    assert str(error) == (
        "0/2 nodes are available: no way. preemption: 0/2 nodes are available: 2 nope.."
    )


def test_rejecting_plugins_are_collected():
    error = FitError(1, {"a": Status.unschedulable("x", plugin="NodeAffinity")})
    assert error.unschedulable_plugins == {"NodeAffinity"}
