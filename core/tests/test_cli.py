"""The ``microkube`` command, run as a user runs it (a subprocess) against fabricated
distributions installed on its path."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def test_help_lists_builtin_and_plugin_commands(sample_plugins):
    result = sample_plugins.run("--help")
    assert result.returncode == 0
    for command in ("plugins", "up", "version", "hello"):
        assert command in result.stdout


def test_plugin_command_runs(sample_plugins):
    result = sample_plugins.run("hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello from sample"


def test_plugins_lists_installed_plugins_and_selection(sample_plugins):
    result = sample_plugins.run("plugins")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    storage_row = next(line for line in lines if line.startswith("sample "))
    assert "microkube-sample-storage" in storage_row
    assert "0.3" in storage_row
    assert "microkube.storage" in storage_row
    assert "microkube_storage_backends" in storage_row
    hello_row = next(line for line in lines if line.startswith("hello "))
    assert "microkube-sample-hello" in hello_row and "2.1" in hello_row
    assert "  storage_backends: sample (sample)" in lines
    assert "  storage: sqlite  (not installed)" in lines


def test_plugins_json_reflects_configuration(sample_plugins, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"storage": "sample"}))
    result = sample_plugins.run("--config", str(config), "plugins", "--json")
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert listing["selected"]["storage"] == {"name": "sample", "installed": True}
    names = {p["name"]: p for p in listing["plugins"]}
    assert names["hello"]["distribution"] == "microkube-sample-hello"
    assert names["default-commands"]["builtin"] is True


def test_duplicate_name_is_one_line_error_naming_both(sample_plugins):
    sample_plugins.add(
        "microkube-other-hello",
        {"microkube.commands": {"hello": "other_hello"}},
        {"other_hello": "x = 1\n"},
        version="0.9",
    )
    result = sample_plugins.run("plugins")
    assert result.returncode == 2
    (line,) = _error_lines(result.stderr)
    assert "'hello'" in line
    assert "microkube-other-hello 0.9" in line and "microkube-sample-hello 2.1" in line


def test_import_failure_is_one_line_error_and_others_still_listed(sample_plugins):
    sample_plugins.add_broken("microkube-broken", "0.1")
    result = sample_plugins.run("plugins")
    assert result.returncode == 1
    (line,) = _error_lines(result.stderr)
    assert line.startswith("error: plugin 'broken'")
    assert "microkube-broken 0.1" in line and "boom at import" in line
    assert any(row.startswith("sample ") for row in result.stdout.splitlines())


def test_misspelled_hookimpl_is_one_line_error(sample_plugins):
    sample_plugins.add_misspelled("microkube-typo", "3.0")
    result = sample_plugins.run("plugins")
    assert result.returncode == 1
    (line,) = _error_lines(result.stderr)
    assert "microkube-typo 3.0" in line
    assert "microkube_storage_backend" in line and "misspelled" in line


def test_bad_configuration_is_one_line_error(site, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"storge": "sqlite"}))
    result = site.run("--config", str(config), "plugins")
    assert result.returncode == 2
    (line,) = _error_lines(result.stderr)
    assert "unknown key 'storge'" in line and "storage" in line


def test_block_list_from_configuration(sample_plugins, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"plugins": {"block": ["hello"]}}))
    result = sample_plugins.run("--config", str(config), "--help")
    assert "hello" not in result.stdout


def test_up_without_components_says_so(site, tmp_path):
    result = site.run("up", "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 1
    assert "no components installed" in result.stderr


def test_no_command_prints_help(site):
    result = site.run()
    assert result.returncode == 2
    assert "usage: microkube" in result.stdout


OPTIONS_RECORDER = """
    import json
    from pathlib import Path
    from microkube import hookimpl
    from microkube.contracts.component import ComponentSpec

    class Recorder:
        name = "apiserver"

        def __init__(self, ctx):
            self.path = Path(ctx.data_dir) / "options.json"
            self.options = dict(ctx.options)

        async def start(self):
            self.path.write_text(json.dumps(self.options))

        async def stop(self):
            pass

    @hookimpl
    def microkube_components():
        return {"apiserver": ComponentSpec(factory=Recorder)}
"""


def _run_up_until_started(site, tmp_path, *args: str) -> dict:
    """Run ``microkube up ARGS`` until the fabricated ``apiserver`` component has started;
    return the options it was given."""
    data = tmp_path / "data"
    process = subprocess.Popen(
        [sys.executable, "-m", "microkube.cli", "up", "--data-dir", str(data), *args],
        env=site.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    recorded = data / "options.json"
    try:
        deadline = time.monotonic() + 30
        while not (recorded.exists() and recorded.read_text()) and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.05)
        options = json.loads(recorded.read_text())
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, process.stderr.read()
        return options
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_up_port_sets_the_apiserver_port_option(site, tmp_path):
    site.add(
        "microkube-recorder",
        {"microkube.components": {"options-recorder": "recorder_component"}},
        {"recorder_component": OPTIONS_RECORDER},
    )
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"options": {"apiserver": {"bind-address": "127.0.0.2"}}}))
    options = _run_up_until_started(site, tmp_path, "--config", str(config), "--port", "7001")
    assert options == {"bind-address": "127.0.0.2", "port": 7001}


def test_up_without_port_leaves_the_options_alone(site, tmp_path):
    site.add(
        "microkube-recorder",
        {"microkube.components": {"options-recorder": "recorder_component"}},
        {"recorder_component": OPTIONS_RECORDER},
    )
    assert _run_up_until_started(site, tmp_path) == {}


def test_up_help_documents_the_port(site):
    result = site.run("up", "--help")
    assert result.returncode == 0
    assert "--port PORT" in result.stdout
    assert "API server's port" in result.stdout


BROKEN_ARGUMENTS = """
    from microkube import hookimpl
    from microkube.contracts.command import Command

    def arguments(parser):
        raise ImportError("no module named 'half_installed'")

    @hookimpl
    def microkube_commands():
        return {"shaky": Command(help="broken arguments", run=print, add_arguments=arguments)}
"""


def test_a_command_whose_arguments_fail_is_reported_and_the_others_still_run(sample_plugins):
    sample_plugins.add(
        "microkube-shaky",
        {"microkube.commands": {"shaky": "shaky_cmd"}},
        {"shaky_cmd": BROKEN_ARGUMENTS},
    )
    result = sample_plugins.run("hello")
    assert result.returncode == 0, result.stderr
    assert "hello from sample" in result.stdout
    (line,) = _error_lines(result.stderr)
    assert "command 'shaky' (plugin shaky_cmd) is broken" in line and "half_installed" in line
    broken = sample_plugins.run("shaky")
    assert broken.returncode == 1
