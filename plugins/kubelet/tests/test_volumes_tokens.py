"""Projected service-account tokens: requested once, reused, renewed after 80% of their
lifetime (the kubelet's token manager)."""

from __future__ import annotations

from microkube_kubelet import volumes
from microkube_kubelet.volumes import PodVolumes


class Sources:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, list[str], int]] = []

    async def get(self, kind, namespace, name):  # type: ignore[no-untyped-def]
        return None

    async def request_token(self, namespace, account, *, audiences, expiration_seconds, pod):  # type: ignore[no-untyped-def]
        self.requests.append((namespace, account, audiences, expiration_seconds))
        return f"token-{len(self.requests)}"


POD = {
    "metadata": {"name": "p", "namespace": "ns", "uid": "u"},
    "spec": {
        "serviceAccountName": "runner",
        "volumes": [
            {
                "name": "tok",
                "projected": {
                    "sources": [
                        {
                            "serviceAccountToken": {
                                "path": "token",
                                "expirationSeconds": 1000,
                                "audience": "api",
                            }
                        }
                    ]
                },
            }
        ],
    },
}


async def test_token_is_reused_until_80_percent_of_its_lifetime(tmp_path, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(volumes.time, "monotonic", lambda: now[0])
    sources = Sources()
    pod_volumes = PodVolumes(tmp_path, sources)
    paths = await pod_volumes.setup(POD)
    token_file = tmp_path / paths["tok"] / "token"
    assert token_file.read_text() == "token-1"
    assert sources.requests == [("ns", "runner", ["api"], 1000)]
    now[0] += 799  # before 80% of 1000 s: the same token
    await pod_volumes.setup(POD)
    assert len(sources.requests) == 1
    now[0] += 2  # past 80%: a fresh one is written
    await pod_volumes.setup(POD)
    assert len(sources.requests) == 2
    assert token_file.read_text() == "token-2"
