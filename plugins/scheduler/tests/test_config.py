"""KubeSchedulerConfiguration: parsing, defaults, readable errors, files."""

from __future__ import annotations

import pytest
from microkube_scheduler.args import ConfigurationError
from microkube_scheduler.config import load_configuration, parse_configuration


def test_defaults_are_upstreams():
    config = parse_configuration({})
    assert [p.scheduler_name for p in config.profiles] == ["default-scheduler"]
    assert config.pod_initial_backoff_seconds == 1 and config.pod_max_backoff_seconds == 10
    assert config.percentage_of_nodes_to_score is None


def test_camel_case_fields_are_read():
    config = parse_configuration(
        {
            "apiVersion": "kubescheduler.config.k8s.io/v1",
            "kind": "KubeSchedulerConfiguration",
            "percentageOfNodesToScore": 30,
            "profiles": [
                {
                    "schedulerName": "packer",
                    "plugins": {"score": {"disabled": [{"name": "*"}]}},
                    "pluginConfig": [{"name": "NodeResourcesFit", "args": {"a": 1}}],
                }
            ],
        }
    )
    profile = config.profiles[0]
    assert config.percentage_of_nodes_to_score == 30
    assert profile.plugins.score.disabled[0].name == "*"
    assert profile.args_for("NodeResourcesFit") == {"a": 1}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"percentageOfNodesToScore": "lots"}, "percentageOfNodesToScore"),
        ({"profiles": [{"schedulerName": "a", "plugin": {}}]}, "extra fields found (plugin)"),
        ({"profiles": [{"pluginConfig": [{"args": {}}]}]}, "profiles[0].pluginConfig[0].name"),
        ({"percentageOfNodesToScore": 101}, "must be between 0 and 100"),
        ({"kind": "Other"}, "kind: must be 'KubeSchedulerConfiguration'"),
        ({"profiles": [{}, {}]}, "duplicate 'default-scheduler'"),
        ({"podInitialBackoffSeconds": 5, "podMaxBackoffSeconds": 1}, "podMaxBackoffSeconds"),
    ],
)
def test_bad_configuration_names_the_field(data, message):
    with pytest.raises(ConfigurationError) as caught:
        parse_configuration(data)
    assert message in str(caught.value)


def test_file_or_inline_but_not_both(tmp_path):
    path = tmp_path / "sched.yaml"
    path.write_text("profiles:\n- schedulerName: from-file\n")
    config = load_configuration({"config": str(path), "kubeconfig": "/k"})
    assert config.profiles[0].scheduler_name == "from-file"
    with pytest.raises(ConfigurationError, match="not both"):
        load_configuration({"config": str(path), "parallelism": 4})
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_configuration({"config": str(tmp_path / "missing.yaml")})
    assert load_configuration({"parallelism": 4, "kubeconfig": "/k"}).parallelism == 4


def test_leader_election_durations_are_go_durations():
    from microkube_scheduler.config import parse_duration

    assert parse_duration("1m30s") == 90 and parse_duration("500ms") == 0.5
    config = parse_configuration({"leaderElection": {"leaseDuration": "20s"}})
    assert config.leader_election.seconds() == (20, 10, 2)
    with pytest.raises(ConfigurationError, match="is not a duration"):
        parse_configuration({"leaderElection": {"retryPeriod": "soon"}})
    with pytest.raises(ConfigurationError, match="greater than renewDeadline"):
        parse_configuration({"leaderElection": {"leaseDuration": "5s"}})
