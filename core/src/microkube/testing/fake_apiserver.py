"""The fake API server's public import path (its code lives in ``microkube.testing.fakeapi``)."""

from microkube.testing.fakeapi import FakeApiServer, RecordedRequest, ServerTLS

__all__ = ["FakeApiServer", "RecordedRequest", "ServerTLS"]
