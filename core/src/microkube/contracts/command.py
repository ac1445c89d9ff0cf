"""The command contract: subcommands of the ``microkube`` CLI contributed by plugins."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import attrs


@attrs.frozen(kw_only=True)
class Command:
    """``add_arguments`` fills the subcommand's parser; ``run`` gets the parsed arguments and
    returns the exit status. A command that needs asyncio runs its own loop."""

    help: str
    run: Callable[[argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] = lambda parser: None
