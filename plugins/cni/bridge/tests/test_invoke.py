"""The exec protocol, against small plugin scripts that report what they were given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from microkube_cni_bridge.invoke import Invocation, invoke

from microkube.contracts.cni import CNIError

ECHO = """#!/bin/sh
# Answers with its environment and stdin, as a result object.
input=$(cat)
printf '{"cniVersion":"1.0.0","env":{"command":"%s","id":"%s","netns":"%s","ifname":"%s",\
"args":"%s","path":"%s"},"stdin":%s}' "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_NETNS" \
"$CNI_IFNAME" "$CNI_ARGS" "$CNI_PATH" "$input"
"""
FAILING = """#!/bin/sh
cat >/dev/null
echo '{"cniVersion":"1.0.0","code":7,"msg":"invalid config","details":"no bridge"}'
exit 1
"""
CRASHING = """#!/bin/sh
echo 'panic: runtime error' >&2
exit 2
"""


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    for name, body in (("echo", ECHO), ("failing", FAILING), ("crashing", CRASHING)):
        path = tmp_path / name
        path.write_text(body)
        path.chmod(0o755)
    return tmp_path


async def test_environment_and_stdin(bin_dir: Path) -> None:
    invocation = Invocation(
        command="ADD", container_id="c1", netns="/x/ns", ifname="eth0", args={"A": "1", "B": "2"}
    )
    config = {"cniVersion": "1.0.0", "name": "n", "type": "echo", "x": [1]}
    answer = await invoke(config, invocation, bin_dirs=["/nonexistent", str(bin_dir)])
    assert answer["env"] == {
        "command": "ADD",
        "id": "c1",
        "netns": "/x/ns",
        "ifname": "eth0",
        "args": "A=1;B=2",
        "path": f"/nonexistent:{bin_dir}",
    }
    assert answer["stdin"] == config


async def test_version_sends_no_attachment(bin_dir: Path) -> None:
    answer = await invoke(
        {"cniVersion": "1.0.0", "type": "echo"},
        Invocation(command="VERSION"),
        bin_dirs=[str(bin_dir)],
    )
    assert answer["env"]["command"] == "VERSION" and answer["env"]["id"] == ""


async def test_error_object_becomes_cni_error(bin_dir: Path) -> None:
    with pytest.raises(CNIError) as info:
        await invoke({"type": "failing"}, Invocation(command="ADD"), bin_dirs=[str(bin_dir)])
    assert info.value.code == 7 and "invalid config" in info.value.msg
    assert info.value.details == "no bridge"


async def test_failure_without_error_object_keeps_stderr(bin_dir: Path) -> None:
    with pytest.raises(CNIError) as info:
        await invoke({"type": "crashing"}, Invocation(command="DEL"), bin_dirs=[str(bin_dir)])
    assert info.value.code == 999 and "status 2" in info.value.msg
    assert "panic" in info.value.details


async def test_missing_plugin_is_an_io_error(bin_dir: Path) -> None:
    with pytest.raises(CNIError) as info:
        await invoke({"type": "nope"}, Invocation(command="ADD"), bin_dirs=[str(bin_dir)])
    assert info.value.code == 5 and "nope" in info.value.msg


async def test_result_json_round_trips(bin_dir: Path) -> None:
    prev = {"cniVersion": "1.0.0", "ips": [{"address": "10.1.0.2/24"}]}
    config = {"type": "echo", "prevResult": prev}
    answer = await invoke(config, Invocation(command="CHECK"), bin_dirs=[str(bin_dir)])
    assert json.loads(json.dumps(answer["stdin"]))["prevResult"] == prev
