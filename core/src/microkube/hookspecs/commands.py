"""CLI subcommands (entry-point group ``microkube.commands``)."""

from __future__ import annotations

from microkube.contracts.command import Command
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_commands() -> dict[str, Command]:
    """Register ``microkube`` subcommands: ``{name: command}``. A name is unique across all
    plugins except that an installed plugin overrides a built-in (``trylast``) one."""
