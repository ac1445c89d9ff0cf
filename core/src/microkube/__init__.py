"""microkube: the Kubernetes architecture as a pluggable microkernel.

Importing this package is cheap on purpose (only pluggy, attrs and cattrs may load): import
the sub-package you need (``microkube.hookspecs``, ``microkube.contracts``, ``microkube.api``,
``microkube.client``, ``microkube.plugins``).
"""

from microkube.hookspecs._marker import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
