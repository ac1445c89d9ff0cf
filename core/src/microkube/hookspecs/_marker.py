"""The pluggy markers for microkube hooks (project name ``microkube``)."""

import pluggy

PROJECT = "microkube"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
