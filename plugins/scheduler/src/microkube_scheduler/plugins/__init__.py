"""The default scheduling policies, one module (and one ``microkube.scheduling`` entry point)
per plugin name, as kube-scheduler's in-tree plugins. Each module's hookimpl registers its
plugin ``trylast`` so an installed plugin offering the same name replaces it."""
