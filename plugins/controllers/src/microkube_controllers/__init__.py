"""microkube's controller manager and built-in controllers.

``manager`` is the ``controller-manager`` component and command; ``common`` holds what the
controllers share; each other sub-package (``workloads``, ``lifecycle``, ``jobs``,
``daemonset``, ``autoscaling``) registers its controllers through ``microkube_controllers()``.
Nothing is imported at package import: hookimpls import their implementation when called.
"""
