"""The public kit for plugin authors: fakes, conformance suites, pytest fixtures."""
