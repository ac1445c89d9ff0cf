"""Importing ``microkube`` loads only pluggy, attrs and cattrs beyond the stdlib; every plugin
module's import is free of side effects it could not undo (checked in the plugins' own tests)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
before = set(sys.modules)
import microkube
loaded = sorted({m.split('.')[0] for m in set(sys.modules) - before})
print(json.dumps(loaded))
"""


def _loaded_by(statement: str) -> set[str]:
    code = PROBE.replace("import microkube\n", statement + "\n")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return {
        m for m in json.loads(out) if m not in sys.stdlib_module_names and m != "_distutils_hack"
    }


def test_import_microkube_loads_only_kernel_dependencies():
    assert _loaded_by("import microkube") <= {"microkube", "pluggy", "attrs", "attr", "cattrs"}


def test_cli_and_plugin_loading_stay_within_kernel_dependencies():
    # typing_extensions is cattrs' own dependency
    loaded = _loaded_by("import microkube.cli, microkube.plugins, microkube.runner")
    assert loaded <= {"microkube", "pluggy", "attrs", "attr", "cattrs", "typing_extensions"}
