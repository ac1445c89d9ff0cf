"""A fake Kubernetes API server for tests: real HTTP on loopback, in-memory state.

``FakeApiServer`` is the test double the client (``microkube.client``) is tested against, and
what a plugin author's controller tests can run against before a real API server exists.
"""

from microkube.testing.fakeapi._server import FakeApiServer, RecordedRequest, ServerTLS

__all__ = ["FakeApiServer", "RecordedRequest", "ServerTLS"]
