"""Configuration: defaults, files, overrides and errors that name the key."""

from __future__ import annotations

import json

import pytest

from microkube.config import Config, ConfigError, load_config, structure_config


def test_defaults_are_the_embedded_cluster():
    config = load_config(None)
    assert config == Config()
    assert config.selected() == {
        "storage": "sqlite",
        "runtime": "process",
        "cni": "bridge",
        "proxy": "nftables",
        "cloud": None,
    }


def test_json_file_and_overrides(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            {
                "storage": "etcd",
                "plugins": {"block": ["x"]},
                "options": {"etcd": {"endpoints": ["https://127.0.0.1:2379"]}},
            }
        )
    )
    config = load_config(path, {"data-dir": "/srv/mk", "runtime": None})
    assert config.storage == "etcd"
    assert config.data_dir == "/srv/mk"
    assert config.runtime == "process"
    assert config.plugins.block == ("x",)
    assert config.options["etcd"]["endpoints"] == ["https://127.0.0.1:2379"]


def test_yaml_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("runtime: hollow\ndisabled-components: [kube-proxy]\n")
    config = load_config(path)
    assert config.runtime == "hollow"
    assert config.disabled_components == ("kube-proxy",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"storge": "x"}, "unknown key 'storge' (valid keys: data-dir, storage"),
        ({"plugins": {"alow": []}}, "unknown key 'alow' (valid keys: allow, block) @ $.plugins"),
        ({"components": 5}, "@ $.components"),
        ([1, 2], "expected a mapping"),
    ],
)
def test_errors_name_the_key(data, message):
    with pytest.raises(ConfigError) as info:
        structure_config(data, "cfg")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.json")
    bad = tmp_path / "bad.yaml"
    bad.write_text("storage: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(bad)
